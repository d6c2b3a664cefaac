// Drive the real CLI in-process with a captured Io (no TTY unless asked).
import os from 'node:os';
import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../../src/cli/program.js';
import type { Io } from '../../src/cli/io.js';

export interface CliRun { code: number; out: string; err: string }

export async function cli(argv: string[], opts: { cwd: string; env?: Record<string, string | undefined>; answers?: string[]; signal?: AbortSignal; onOut?: (text: string) => void } = { cwd: process.cwd() }): Promise<CliRun> {
  let out = '';
  let err = '';
  const answers = opts.answers ? [...opts.answers] : undefined;
  const io: Io = {
    argv,
    out: (t) => { out += t; opts.onOut?.(t); },
    err: (t) => { err += t; },
    isTTY: answers !== undefined,
    columns: 100,
    color: false,
    env: { ...process.env, NO_COLOR: '1', ...(opts.env?.XDG_STATE_HOME ? {} : { XDG_STATE_HOME: mkdtempSync(path.join(os.tmpdir(), 'remediate-state-')) }), ...opts.env },
    cwd: opts.cwd,
    home: os.homedir(),
    user: os.userInfo().username,
    hostname: os.hostname(),
    pid: process.pid,
    // a long-lived command (serve, schedule) runs until the caller aborts
    signal: opts.signal ?? new AbortController().signal,
    ask: answers ? async () => answers.shift() ?? '' : undefined,
  };
  const code = await runCli(argv, io);
  return { code, out, err };
}
