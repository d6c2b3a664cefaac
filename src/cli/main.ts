#!/usr/bin/env node
// The only module that touches `process`: argv, env, TTY, signals, exit code.
import os from 'node:os';
import { createInterface } from 'node:readline/promises';
import { runCli } from './program.js';
import type { Io } from './io.js';

const controller = new AbortController();
let signals = 0;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    signals++;
    if (signals === 1) {
      process.stderr.write(`\n${sig}: stopping: no new hosts will start; steps in flight finish (send again to interrupt them)\n`);
      controller.abort();
    } else {
      process.exit(130);
    }
  });
}

const tty = Boolean(process.stdout.isTTY && process.stdin.isTTY);
const io: Io = {
  argv: process.argv.slice(2),
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  isTTY: tty,
  columns: process.stdout.columns ?? 80,
  color: tty && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb',
  env: process.env,
  cwd: process.cwd(),
  home: os.homedir(),
  user: os.userInfo().username,
  hostname: os.hostname(),
  pid: process.pid,
  signal: controller.signal,
  ask: tty
    ? async (q) => {
        const rl = createInterface({ input: process.stdin, output: process.stderr });
        try { return await rl.question(q); } finally { rl.close(); }
      }
    : undefined,
  askSecret: tty
    ? async (q) => {
        process.stderr.write(q);
        const rl = createInterface({ input: process.stdin, output: undefined, terminal: false });
        process.stdin.setRawMode?.(false);
        try { return await rl.question(''); } finally { rl.close(); process.stderr.write('\n'); }
      }
    : undefined,
  status: process.stderr.isTTY ? (line) => void process.stderr.write(`\r\x1b[2K${line}`) : undefined,
};

runCli(process.argv.slice(2), io).then(
  (code) => { process.exitCode = code; },
  (err) => {
    process.stderr.write(`remediate: internal error: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 70;
  },
);
