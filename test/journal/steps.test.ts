import test from 'ava';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { JournalError, openJournal, type Intent, type Journal, type StepStatus } from '../../src/journal/index.js';
import { steppingClock, tempDir } from './helpers/tmp.js';

function setup(t: Parameters<typeof tempDir>[0]) {
  const path = join(tempDir(t), 'journal.db');
  const j = openJournal(path, { now: steppingClock() });
  t.teardown(() => j.close());
  const runId = j.startRun({ command: 'apply', user: 'ops', controllerHost: 'ctl', argv: [], inventoryPaths: [], connection: { hosts: {} } });
  j.recordHosts(runId, [
    { host: 'web1', batch: 0, canary: true },
    { host: 'web2', batch: 1, canary: false },
  ]);
  const intent = (host: string, taskIndex: number, extra: Partial<Intent> = {}): Intent => ({
    runId,
    host,
    task: `task ${taskIndex}`,
    taskIndex,
    module: 'copy',
    class: 'reversible',
    inverse: { path: `/etc/f${taskIndex}`, previous: Buffer.from(`old ${taskIndex}\n`).toString('base64'), mode: '0644' },
    factsFingerprint: `fp-${host}`,
    summary: `write /etc/f${taskIndex}`,
    diff: `-old ${taskIndex}\n+new ${taskIndex}\n`,
    ...extra,
  });
  return { path, j, runId, intent };
}

test('an intent is committed before the step runs: a second connection reads it before the outcome', (t) => {
  const { path, j, runId, intent } = setup(t);
  const other = new Database(path, { readonly: true });
  t.teardown(() => other.close());
  const read = () => other.prepare('SELECT id, host, task, inverse, status FROM steps WHERE run_id = ?').all(runId) as { id: number; status: string | null; inverse: string }[];

  const stepId = j.recordIntent(intent('web1', 0));
  const seen = read();
  t.is(seen.length, 1);
  t.is(seen[0].id, stepId);
  t.is(seen[0].status, null);
  t.deepEqual(JSON.parse(seen[0].inverse), intent('web1', 0).inverse);

  // And by a second journal handle, as `remediate show` in another terminal would.
  const reader = openJournal(path, { now: steppingClock() });
  t.teardown(() => reader.close());
  t.deepEqual(reader.unfinishedSteps(runId).map((s) => s.id), [stepId]);

  j.recordOutcome(stepId, { status: 'changed', verification: { sha256: 'abc' }, msg: 'written', startedAt: 10, finishedAt: 25 });
  t.is(read()[0].status, 'changed');
  t.deepEqual(reader.unfinishedSteps(runId), []);
});

test('steps come back in journal order, per run or per host, with their outcome and rollback', (t) => {
  const { j, runId, intent } = setup(t);
  const a = j.recordIntent(intent('web1', 0));
  const b = j.recordIntent(intent('web2', 0));
  const c = j.recordIntent(intent('web1', 1, { class: 'stateless', module: 'service', inverse: undefined, diff: undefined }));
  j.recordOutcome(a, { status: 'changed', startedAt: 100, finishedAt: 150 });
  j.recordOutcome(c, { status: 'ok', startedAt: 160, finishedAt: 170 });
  j.recordRollback(a, { status: 'restored', msg: 'previous bytes written back' });

  t.deepEqual(j.stepsFor(runId).map((s) => s.id), [a, b, c]);
  t.deepEqual(j.stepsFor(runId, 'web1').map((s) => s.id), [a, c]);
  const [sa, sc] = j.stepsFor(runId, 'web1');
  t.like(sa, {
    runId,
    host: 'web1',
    task: 'task 0',
    taskIndex: 0,
    module: 'copy',
    class: 'reversible',
    factsFingerprint: 'fp-web1',
    summary: 'write /etc/f0',
    diff: '-old 0\n+new 0\n',
    outcome: { status: 'changed', startedAt: 100, finishedAt: 150 },
    rollback: { status: 'restored', msg: 'previous bytes written back' },
  });
  t.deepEqual(sa.inverse, intent('web1', 0).inverse);
  t.like(sc, { class: 'stateless', inverse: undefined, diff: undefined, outcome: { status: 'ok' } });
  t.is(j.stepsFor(runId, 'web2')[0].outcome, undefined);
  t.like(j.getStep(b), { host: 'web2' });
  t.is(j.getStep(9999), undefined);
  t.is(j.getRun(runId)?.unfinished, 1);
});

const undoCases: { name: string; cls: Intent['class']; outcome?: StepStatus; rollback?: 'started' | 'restored' | 'failed' | 'skipped'; undo: boolean }[] = [
  { name: 'changed', cls: 'reversible', outcome: 'changed', undo: true },
  { name: 'no outcome (killed mid-step)', cls: 'reversible', undo: true },
  { name: 'failed (may be half done)', cls: 'reversible', outcome: 'failed', undo: true },
  { name: 'unreachable mid-step', cls: 'reversible', outcome: 'unreachable', undo: true },
  { name: 'aborted by a second signal', cls: 'reversible', outcome: 'aborted', undo: true },
  { name: 'ok (nothing changed)', cls: 'reversible', outcome: 'ok', undo: false },
  { name: 'stateless', cls: 'stateless', outcome: 'changed', undo: false },
  { name: 'irreversible (reported, not skipped silently)', cls: 'irreversible', outcome: 'changed', undo: true },
  { name: 'already restored', cls: 'reversible', outcome: 'changed', rollback: 'restored', undo: false },
  { name: 'rollback skipped', cls: 'reversible', outcome: 'changed', rollback: 'skipped', undo: false },
  { name: 'rollback failed (retry)', cls: 'reversible', outcome: 'changed', rollback: 'failed', undo: true },
  { name: 'rollback interrupted', cls: 'reversible', outcome: 'changed', rollback: 'started', undo: true },
];

for (const c of undoCases) {
  test(`stepsToUndo: a ${c.cls} step, ${c.name} → ${c.undo ? 'undo' : 'leave'}`, (t) => {
    const { j, runId, intent } = setup(t);
    const id = j.recordIntent(intent('web1', 0, { class: c.cls }));
    if (c.outcome) j.recordOutcome(id, { status: c.outcome, startedAt: 1, finishedAt: 2 });
    if (c.rollback) j.recordRollback(id, { status: c.rollback });
    t.deepEqual(j.stepsToUndo(runId).map((s) => s.id), c.undo ? [id] : []);
  });
}

test('stepsToUndo is newest first, optionally for one host', (t) => {
  const { j, runId, intent } = setup(t);
  const ids = [j.recordIntent(intent('web1', 0)), j.recordIntent(intent('web2', 0)), j.recordIntent(intent('web1', 1))];
  t.deepEqual(j.stepsToUndo(runId).map((s) => s.id), [...ids].reverse());
  t.deepEqual(j.stepsToUndo(runId, 'web1').map((s) => s.id), [ids[2], ids[0]]);
});

const stepMisuse: { name: string; call: (j: Journal, ctx: ReturnType<typeof setup>) => unknown; expect: RegExp }[] = [
  { name: 'an intent for a host not recorded in the run', call: (j, { intent }) => j.recordIntent(intent('db9', 0)), expect: /recordIntent: host db9 is not recorded in run/ },
  { name: 'an intent with an unknown class', call: (j, { intent }) => j.recordIntent(intent('web1', 0, { class: 'maybe' as never })), expect: /unknown step class 'maybe'/ },
  { name: 'an outcome for an unknown step', call: (j) => j.recordOutcome(777, { status: 'ok', startedAt: 0, finishedAt: 0 }), expect: /recordOutcome: no step 777/ },
  {
    name: 'a second outcome for a step',
    call: (j, { intent }) => {
      const id = j.recordIntent(intent('web1', 0));
      j.recordOutcome(id, { status: 'changed', startedAt: 0, finishedAt: 1 });
      j.recordOutcome(id, { status: 'failed', startedAt: 0, finishedAt: 1 });
    },
    expect: /already has outcome 'changed'/,
  },
  { name: 'a rollback for an unknown step', call: (j) => j.recordRollback(777, { status: 'restored' }), expect: /recordRollback: no step 777/ },
  { name: 'facts for a host not in the run', call: (j, { runId }) => j.recordFacts(runId, 'db9', {}, 'fp'), expect: /recordFacts: host db9 is not recorded/ },
  { name: 'a check result for an unknown run', call: (j) => j.recordCheck({ runId: 'nope', host: 'web1', status: 'compliant' }), expect: /recordCheck: unknown run/ },
];

for (const c of stepMisuse) {
  test(`misuse is a clear error: ${c.name}`, (t) => {
    const ctx = setup(t);
    const err = t.throws(() => c.call(ctx.j, ctx), { instanceOf: JournalError });
    t.is(err?.code, 'misuse');
    t.regex(err?.message ?? '', c.expect);
  });
}

test('facts snapshots per host per run, and a host’s history across runs newest first', (t) => {
  const { j, runId } = setup(t);
  j.recordFacts(runId, 'web1', { php: '8.2.7', imagick: '3.4.4' }, 'fp-1');
  j.recordFacts(runId, 'web1', { php: '8.2.7', imagick: '3.7.0' }, 'fp-2'); // re-probed: replaces
  const run2 = j.startRun({ command: 'check', user: 'ops', controllerHost: 'ctl', argv: [], inventoryPaths: [], connection: { hosts: {} } });
  j.recordHost(run2, 'web1', { batch: 0, canary: false });
  j.recordFacts(run2, 'web1', { php: '8.3.0', imagick: '3.7.0' }, 'fp-3');
  t.like(j.factsFor(runId, 'web1'), { fingerprint: 'fp-2', facts: { imagick: '3.7.0' } });
  t.is(j.factsFor(runId, 'web2'), undefined);
  t.deepEqual(j.factsHistory('web1').map((f) => [f.runId, f.fingerprint]), [
    [run2, 'fp-3'],
    [runId, 'fp-2'],
  ]);
  t.deepEqual(j.factsHistory('web1', { limit: 1 }).map((f) => f.fingerprint), ['fp-3']);
});

test('check results: history newest first, per host or run, with keys in use and reloads left', (t) => {
  const { j, runId } = setup(t);
  const ids = j.recordChecks([
    { runId, host: 'web1', assertion: 'imagick_single_thread', status: 'non-compliant', observed: { value: '0' }, keysInUse: 812, reloadsLeft: 42 },
    { runId, host: 'web2', status: 'unreachable', observed: { reason: 'timeout' } },
  ]);
  t.is(ids.length, 2);
  const run2 = j.startRun({ command: 'check', user: 'ops', controllerHost: 'ctl', argv: [], inventoryPaths: [], connection: { hosts: {} } });
  j.recordCheck({ runId: run2, host: 'web1', assertion: 'imagick_single_thread', status: 'compliant', observed: { value: '1' }, keysInUse: 815, reloadsLeft: 41 });

  const web1 = j.checkHistory('web1');
  t.deepEqual(web1.map((c) => [c.runId, c.status, c.keysInUse, c.reloadsLeft]), [
    [run2, 'compliant', 815, 41],
    [runId, 'non-compliant', 812, 42],
  ]);
  t.deepEqual(web1[1].observed, { value: '0' });
  t.like(j.checkHistory('web2')[0], { assertion: undefined, status: 'unreachable', keysInUse: undefined });
  t.is(j.checkHistory().length, 3);
  t.deepEqual(j.checkHistory(undefined, { runId }).map((c) => c.host).sort(), ['web1', 'web2']);
  t.is(j.checkHistory(undefined, { limit: 1 })[0].runId, run2);
});

test('step timings: the median of each task\'s changed steps over the newest apply runs of a playbook', (t) => {
  const path = join(tempDir(t), 'journal.db');
  const j = openJournal(path, { now: steppingClock() });
  t.teardown(() => j.close());
  const run = (command: string, playbookPath: string, times: [string, string, number, StepStatus][]) => {
    const runId = j.startRun({ command, user: 'ops', controllerHost: 'ctl', argv: [], playbookPath, inventoryPaths: [], connection: { hosts: {} } });
    j.recordHosts(runId, times.map((_, i) => ({ host: `h${i}`, batch: 0, canary: false })));
    times.forEach(([module, task, ms, status], i) => {
      const id = j.recordIntent({ runId, host: `h${i}`, task, taskIndex: 0, module, class: 'reversible', factsFingerprint: 'fp', summary: task });
      j.recordOutcome(id, { status, startedAt: 1000, finishedAt: 1000 + ms });
    });
  };
  run('apply', '/p/site.yml', [['package', 'upgrade', 4000, 'changed'], ['package', 'upgrade', 6000, 'changed'], ['package', 'upgrade', 60_000, 'failed'], ['ini', 'setting', 50, 'changed']]);
  run('apply', '/p/site.yml', [['package', 'upgrade', 5000, 'changed']]);
  run('apply', '/p/other.yml', [['package', 'upgrade', 90_000, 'changed']]);
  run('rollback', '/p/site.yml', [['package', 'upgrade', 70_000, 'changed']]);
  const got = j.stepTimings({ playbookPath: '/p/site.yml' });
  t.is(got.runs, 2, 'the two applies of this playbook');
  t.deepEqual(Object.fromEntries([...got.timings].map(([k, v]) => [k.replace('\0', ' '), v])), { 'package upgrade': 5000, 'ini setting': 50 }, 'median of 4, 6, 5 s; a failed step and other playbooks and commands do not count');
  t.is(j.stepTimings({ playbookPath: '/p/site.yml', runs: 1 }).timings.size, 1, 'only the newest run');
  t.is(j.stepTimings({ playbookPath: '/p/none.yml' }).runs, 0);
});
