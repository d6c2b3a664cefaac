// A separate controller process for the journal's cross-process tests. Argument: one JSON object.
//   crash:        record a run, a finished step and an intent, then die (kill -9 or process.exit).
//   hold-and-die: take a host lock, then kill -9 itself without releasing it.
//   lock-worker:  open (after a barrier), then take/release one host's lock `iterations` times,
//                 logging enter/exit lines to a shared file while it holds the lock.
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { openJournal } from '../../../src/journal/index.js';

const args = JSON.parse(process.argv[2]);
const now = () => Date.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};
const owner = { pid: process.pid, controllerHost: args.controllerHost ?? hostname(), isAlive };

async function barrier(dir: string): Promise<void> {
  writeFileSync(`${dir}/ready-${process.pid}`, '');
  while (!existsSync(`${dir}/go`)) await sleep(5);
}

function die(how: 'kill9' | 'exit'): never {
  if (how === 'kill9') process.kill(process.pid, 'SIGKILL');
  process.exit(3);
}

async function main(): Promise<void> {
  if (args.mode === 'crash') {
    const j = openJournal(args.db, { now });
    const runId = j.startRun({
      id: args.runId,
      command: 'apply',
      user: 'ops',
      controllerHost: owner.controllerHost,
      pid: process.pid,
      argv: ['apply', 'site.yml'],
      inventoryPaths: ['hosts.yml'],
      connection: { hosts: { web1: { name: 'web1', address: '10.0.0.1', port: 22, connection: 'ssh' } } },
    });
    j.recordHost(runId, 'web1', { batch: 0, canary: true });
    j.acquireHostLock(runId, 'web1', owner);
    const base = { runId, host: 'web1', module: 'copy', class: 'reversible' as const, factsFingerprint: 'fp1' };
    const s1 = j.recordIntent({ ...base, task: 'write php.ini', taskIndex: 0, inverse: { path: '/etc/php.ini', previous: Buffer.from('old ini\n').toString('base64') }, summary: 'write /etc/php.ini' });
    j.recordOutcome(s1, { status: 'changed', startedAt: now(), finishedAt: now() });
    const s2 = j.recordIntent({ ...base, task: 'write imagick.ini', taskIndex: 1, inverse: { path: '/etc/imagick.ini', previous: null }, summary: 'create /etc/imagick.ini' });
    // The step "runs" now; the controller dies before its outcome is written.
    process.stdout.write(`${JSON.stringify({ s1, s2 })}\n`, () => die(args.how));
    return;
  }
  if (args.mode === 'hold-and-die') {
    const j = openJournal(args.db, { now });
    const res = j.acquireHostLock(args.runId, args.host, owner);
    process.stdout.write(`${JSON.stringify(res)}\n`, () => die('kill9'));
    return;
  }
  if (args.mode === 'lock-worker') {
    await barrier(args.dir);
    const j = openJournal(args.db, { now });
    const runId = j.startRun({ command: 'apply', user: 'ops', controllerHost: owner.controllerHost, pid: process.pid, argv: [], inventoryPaths: [], connection: { hosts: {} } });
    let refused = 0;
    for (let i = 0; i < args.iterations; i++) {
      for (;;) {
        const res = j.acquireHostLock(runId, args.host, owner);
        if (res.ok) break;
        refused++;
        await sleep(1 + Math.floor(Math.random() * 4));
      }
      appendFileSync(args.log, `enter ${process.pid}\n`);
      await sleep(args.holdMs);
      appendFileSync(args.log, `exit ${process.pid}\n`);
      j.releaseHostLock(runId, args.host);
      await sleep(1);
    }
    j.close();
    process.stdout.write(`${JSON.stringify({ refused, runId })}\n`);
    return;
  }
  throw new Error(`unknown mode ${args.mode}`);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
