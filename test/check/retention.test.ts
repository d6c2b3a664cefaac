// Check-run retention: a schedule adds a check run every period (a 3000-host check is ~13 MB of
// journal). Runs older than the limit go, except the newest two (drift compares them); apply,
// rollback and ad-hoc runs stay whatever their age: they record what changed hosts (and what undoes it).
import test from 'ava';
import { seedJournal } from './seed-journal.js';
import { loadHistory } from '../../src/check/history.js';
import { cli } from '../helpers/cli.js';
import { CLOCK } from '../report/check-fixtures.js';

const DAY = 86_400_000;
const at = (days: number) => CLOCK * 1000 + days * DAY;
const hosts = [{ host: 'web1', clock: CLOCK, keys: 100, reloads: 92 }, { host: 'web2', clock: CLOCK, keys: 8, reloads: 3 }];

test('pruneCheckRuns: old check runs and their rows go, the newest two and every other run stay', (t) => {
  const s = seedJournal();
  t.teardown(s.cleanup);
  for (const d of [0, 10, 20, 30, 40]) s.run(at(d), hosts, `check-${d}`);
  const apply = s.journal.startRun({ id: 'apply-old', command: 'apply', user: 'ops', controllerHost: 'ctl', argv: [], inventoryPaths: [], connection: { hosts: {} } });
  const cases: { before: number; keep: number; left: string[]; pruned: number }[] = [
    { before: at(15), keep: 2, left: ['check-40', 'check-30', 'check-20'], pruned: 2 },
    { before: at(100), keep: 2, left: ['check-40', 'check-30'], pruned: 1 },
    { before: at(100), keep: 2, left: ['check-40', 'check-30'], pruned: 0 },
  ];
  for (const c of cases) {
    const r = s.journal.pruneCheckRuns({ before: c.before, keep: c.keep });
    t.is(r.runs, c.pruned);
    t.is(r.results, c.pruned * (hosts.length * 3), 'a host row and two assertion rows per host');
    t.deepEqual(s.journal.checkRuns({ limit: 10 }).map((x) => x.id), c.left);
    t.deepEqual(s.journal.hostCheckResults({ runId: 'check-0' }), [], 'no orphan results');
  }
  t.truthy(s.journal.getRun(apply), 'the apply run is kept');
  const h = loadHistory(s.journal);
  t.is(h.drift.from?.runId, 'check-30', 'drift still has the previous run');
});

test('remediate prune --checks-older-than: says what it dropped; a bad duration changes nothing', async (t) => {
  const s = seedJournal();
  t.teardown(s.cleanup);
  const now = Date.now();
  for (const d of [-200, -100, -50, -1]) s.run(now + d * DAY, hosts, `check${d}`);
  const bad = await cli(['prune', '--checks-older-than', 'soon', '--journal', s.file], { cwd: s.dir });
  t.is(bad.code, 64);
  t.regex(bad.err, /--checks-older-than: expected a duration like 90d, 12h; found 'soon'/);
  const r = await cli(['prune', '--checks-older-than', '90d', '--journal', s.file], { cwd: s.dir });
  t.is(r.code, 0, r.err);
  t.regex(r.out, /^pruned 2 check run\(s\) older than 90d \(12 result rows\)/);
  t.deepEqual(s.journal.checkRuns({ limit: 10 }).map((x) => x.id), ['check-1', 'check-50']);
});
