#!/usr/bin/env node
// The only module that touches `process`: argv, env, TTY, signals, exit code.
import os from 'node:os';
import { createInterface } from 'node:readline/promises';
import { runCli } from './program.js';
import type { Io } from './io.js';

// A line per host is a write(2) per host: at thousands of hosts, ~1.5 % of the controller's CPU.
// Output written in one turn of the event loop leaves in one write; stderr and exit flush first,
// so the order on a terminal is unchanged.
let pending = '';
const flushOut = () => {
  if (pending) {
    const t = pending;
    pending = '';
    process.stdout.write(t);
  }
};
const out = (t: string) => {
  if (!pending) setImmediate(flushOut);
  pending += t;
  if (pending.length > 65536) flushOut();
};
const err = (t: string) => {
  flushOut();
  process.stderr.write(t);
};

const controller = new AbortController();
let signals = 0;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    signals++;
    if (signals === 1) {
      err(`\n${sig}: stopping: no new hosts will start; steps in flight finish (send again to interrupt them)\n`);
      controller.abort();
    } else {
      flushOut();
      process.exit(130);
    }
  });
}

const tty = Boolean(process.stdout.isTTY && process.stdin.isTTY);
const io: Io = {
  argv: process.argv.slice(2),
  out,
  err,
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
        flushOut();
        const rl = createInterface({ input: process.stdin, output: process.stderr });
        try { return await rl.question(q); } finally { rl.close(); }
      }
    : undefined,
  askSecret: tty
    ? async (q) => {
        err(q);
        const rl = createInterface({ input: process.stdin, output: undefined, terminal: false });
        process.stdin.setRawMode?.(false);
        try { return await rl.question(''); } finally { rl.close(); err('\n'); }
      }
    : undefined,
  status: process.stderr.isTTY ? (line) => err(`\r\x1b[2K${line}`) : undefined,
};

runCli(process.argv.slice(2), io).then(
  (code) => {
    flushOut();
    process.exitCode = code;
  },
  (e) => {
    err(`remediate: internal error: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exitCode = 70;
  },
);
