// Real separate controller processes sharing one journal file: crashes and lock contention.
import test from 'ava';
import Database from 'better-sqlite3';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { openJournal } from '../../src/journal/index.js';
import { pidIsAlive, runChild } from './helpers/spawn.js';
import { tempDir } from './helpers/tmp.js';

const now = () => Date.now();

for (const how of ['kill9', 'exit'] as const) {
  test(`a controller dying (${how}) between an intent and its outcome leaves that step unfinished, and the journal opens cleanly`, async (t) => {
    const dir = tempDir(t);
    const db = join(dir, 'journal.db');
    const child = await runChild({ mode: 'crash', db, how, runId: `crash-${how}` });
    if (how === 'kill9') t.is(child.signal, 'SIGKILL', child.stderr);
    else t.is(child.code, 3, child.stderr);
    const { s1, s2 } = JSON.parse(child.stdout);

    const j = openJournal(db, { now });
    t.teardown(() => j.close());
    const runId = `crash-${how}`;
    t.like(j.getRun(runId), { status: 'running', pid: child.pid, hosts: 1, unfinished: 1 });
    const unfinished = j.unfinishedSteps(runId);
    t.deepEqual(unfinished.map((s) => s.id), [s2]);
    t.deepEqual(unfinished[0].inverse, { path: '/etc/imagick.ini', previous: null });
    t.deepEqual(j.stepsToUndo(runId).map((s) => s.id), [s2, s1], 'rollback undoes both, newest first');
    t.is(Buffer.from((j.getStep(s1)?.inverse as { previous: string }).previous, 'base64').toString(), 'old ini\n');

    // The dead controller's host lock is stale: a new controller on this machine takes it over.
    const res = j.acquireHostLock('resume-1', 'web1', { pid: process.pid, controllerHost: hostname(), isAlive: pidIsAlive });
    t.like(res, { ok: true, stale: { runId, pid: child.pid } });

    const raw = new Database(db, { readonly: true });
    t.is(raw.pragma('integrity_check', { simple: true }), 'ok');
    raw.close();
  });
}

test('a host lock of a controller killed with -9 is detected as stale only once it is really dead', async (t) => {
  const dir = tempDir(t);
  const db = join(dir, 'journal.db');
  const j = openJournal(db, { now });
  t.teardown(() => j.close());
  const dead = j.startRun({ command: 'apply', user: 'ops', controllerHost: hostname(), argv: [], inventoryPaths: [], connection: { hosts: {} } });
  const mine = j.startRun({ command: 'rollback', user: 'ops', controllerHost: hostname(), argv: [], inventoryPaths: [], connection: { hosts: {} } });

  const child = await runChild({ mode: 'hold-and-die', db, runId: dead, host: 'web7' });
  t.is(child.signal, 'SIGKILL', child.stderr);
  t.deepEqual(JSON.parse(child.stdout), { ok: true });
  t.false(pidIsAlive(child.pid));

  const me = { pid: process.pid, controllerHost: hostname() };
  // While we pretend it still lives, the lock holds.
  t.like(j.acquireHostLock(mine, 'web7', { ...me, isAlive: () => true }), { ok: false, heldBy: { runId: dead, pid: child.pid } });
  // With the real liveness probe, it is stale and taken over.
  t.like(j.acquireHostLock(mine, 'web7', { ...me, isAlive: pidIsAlive }), { ok: true, stale: { runId: dead, pid: child.pid } });
  // From another controller's point of view, the lock is now ours and alive.
  t.like(j.acquireHostLock(dead, 'web7', { pid: 1, controllerHost: hostname(), isAlive: pidIsAlive }), { ok: false, heldBy: { runId: mine } });
});

test('processes contending for one host never hold it at the same time (journal created by them at once)', async (t) => {
  const dir = tempDir(t);
  const db = join(dir, 'state', 'journal.db'); // not created yet: the workers race to create and migrate it
  const log = join(dir, 'holds.log');
  writeFileSync(log, '');
  const workers = 4;
  const iterations = 12;
  const runs = Array.from({ length: workers }, () => runChild({ mode: 'lock-worker', db, dir, log, host: 'web1', iterations, holdMs: 4 }));
  while (readdirSync(dir).filter((f) => f.startsWith('ready-')).length < workers) await new Promise((r) => setTimeout(r, 10));
  writeFileSync(join(dir, 'go'), '');
  const results = await Promise.all(runs);
  for (const r of results) t.is(r.code, 0, r.stderr);

  const lines = readFileSync(log, 'utf8').trim().split('\n');
  t.is(lines.length, workers * iterations * 2);
  let holder: string | undefined;
  for (const [i, line] of lines.entries()) {
    const [what, pid] = line.split(' ');
    if (what === 'enter') {
      t.is(holder, undefined, `line ${i + 1}: ${pid} entered while ${holder} held the host`);
      holder = pid;
    } else {
      t.is(holder, pid, `line ${i + 1}: ${pid} left without holding`);
      holder = undefined;
    }
  }
  const refused = results.map((r) => JSON.parse(r.stdout).refused as number).reduce((a, b) => a + b, 0);
  t.true(refused > 0, 'the workers really contended');
  t.log(`${workers} processes × ${iterations} holds, ${refused} refusals`);

  const j = openJournal(db, { now });
  t.teardown(() => j.close());
  t.is(j.listRuns().length, workers, 'every worker recorded its run in the journal they created together');
  t.deepEqual(j.hostLocks(), [], 'every lock was released');
  t.false(existsSync(`${db}-journal`), 'WAL mode throughout, no rollback journal');
});
