import test from 'ava';
import os from 'node:os';
import { drift, keysTrend, loadHistory, hostResult, type HostResult } from '../../src/check/history.js';
import { historyCommand } from '../../src/cli/commands/history.js';
import type { Io } from '../../src/cli/io.js';
import { CLOCK, type HostSpec } from '../report/check-fixtures.js';
import { seedJournal } from './seed-journal.js';

const DAY = 86_400_000;
const T0 = CLOCK * 1000;
const at = (days: number) => T0 + days * DAY;
const clockAt = (days: number) => CLOCK + days * 86400;

// Two weekly runs of a small fleet. 'leaky' passes every assertion both times (versions look
// fine) but gains a key per daily reload: the trend must call it out.
const RUN1: HostSpec[] = [
  { host: 'leaky', clock: clockAt(0), keys: 100, reloads: 92 },
  { host: 'steady', clock: clockAt(0), keys: 8, reloads: 20 },
  { host: 'drifter', clock: clockAt(0), keys: 8, reloads: 20 },
  { host: 'broken', clock: clockAt(0), singleThread: '0' },
  { host: 'flaky', unreachable: 'timeout' },
  { host: 'retired', clock: clockAt(0) },
  { host: 'restarted', clock: clockAt(0), keys: 500, reloads: 492 },
];
const RUN2: HostSpec[] = [
  { host: 'leaky', clock: clockAt(7), keys: 107, reloads: 99 },
  { host: 'steady', clock: clockAt(7), keys: 8, reloads: 27 },
  { host: 'drifter', clock: clockAt(7), keys: 8, reloads: 27, singleThread: '0' },
  { host: 'broken', clock: clockAt(7), singleThread: '0' },
  { host: 'flaky', clock: clockAt(7), keys: 8, reloads: 20 },
  { host: 'newbie', clock: clockAt(7), keys: 1020, reloads: 1012 },
  { host: 'restarted', clock: clockAt(7), keys: 9, reloads: 1 },
];
const RUN3: HostSpec[] = RUN2.map((h) => (h.host === 'restarted' ? { ...h, clock: clockAt(14), keys: 16, reloads: 8 } : h.host === 'leaky' ? { ...h, clock: clockAt(14), keys: 114, reloads: 106 } : { ...h, clock: clockAt(14) }));

function seeded() {
  const s = seedJournal();
  s.run(at(0), RUN1, 'check-1');
  s.run(at(7), RUN2, 'check-2');
  return s;
}

test('drift between the last two check runs: who became non-compliant, at risk, uncheckable, new or gone', (t) => {
  const s = seeded();
  t.teardown(s.cleanup);
  const h = loadHistory(s.journal);
  t.deepEqual(h.runs.map((r) => r.id), ['check-2', 'check-1']);
  const d = h.drift;
  t.deepEqual(d.from?.runId, 'check-1');
  t.deepEqual(d.to?.runId, 'check-2');
  t.deepEqual(d.became_non_compliant.map((c) => [c.host, c.was, c.now]), [['drifter', 'compliant', 'non-compliant']], "'broken' was already non-compliant");
  t.regex(d.became_non_compliant[0].reason, /fails single-thread/);
  t.deepEqual(d.became_at_risk.map((c) => [c.host, c.was, c.now]), [['newbie', null, 'critical']]);
  t.deepEqual(d.could_not_check, []);
  t.deepEqual(d.became_compliant, []);
  t.deepEqual(d.new_hosts, ['newbie']);
  t.deepEqual(d.gone_hosts, ['retired']);
});

test('keys trend: a compliant host whose keys grow is flagged as leaking; a restart starts the count again', (t) => {
  const s = seeded();
  t.teardown(s.cleanup);
  s.run(at(14), RUN3, 'check-3');
  const h = loadHistory(s.journal);
  const by = Object.fromEntries(h.trends.map((x) => [x.host, x]));
  t.like(by.leaky, { growing: true, delta: 14, per_day: 1, restarted: false, latest: 114 });
  t.deepEqual(by.leaky.points.map((p) => p.keys_in_use), [100, 107, 114]);
  t.like(by.steady, { growing: false, delta: 0 });
  t.like(by.restarted, { growing: true, delta: 7, restarted: true, latest: 16 });
  t.like(by.flaky, { growing: false, delta: 0 }, 'unreachable at first: the two later measurements make the trend');
  t.like(by.retired, { growing: false, delta: null }, 'one measurement is not a trend');
  t.deepEqual(h.trends.filter((x) => x.growing).map((x) => x.host), ['leaky', 'restarted'], 'growing hosts come first');
  // The host whose assertions all pass is still compliant: only the trend shows the leak.
  t.is(hostResult(s.journal.hostCheckResults({ host: 'leaky', limit: 1 })[0]).status, 'compliant');
});

test('drift rules on their own: recovered hosts, hosts that could not be checked, and the first run', (t) => {
  const r = (host: string, status: HostResult['status'], risk: HostResult['risk'] = null): HostResult => ({ runId: 'x', host, at: 0, status, reason: status, risk, risk_reason: null, keys_in_use: null, keys_kind: null, reloads_left: null, reloads_per_day: null, days_left: null, forecast_death: null, host_clock: null, evidence: {} });
  const d = drift([r('a', 'non-compliant'), r('b', 'compliant'), r('c', 'unreachable'), r('d', 'compliant', 'at-risk')], [r('a', 'waived'), r('b', 'error'), r('c', 'unreachable'), r('d', 'compliant', 'critical')]);
  t.deepEqual(d.became_compliant.map((c) => c.host), ['a']);
  t.deepEqual(d.could_not_check.map((c) => c.host), ['b'], 'c was already uncheckable');
  t.deepEqual(d.became_at_risk.map((c) => [c.host, c.was, c.now]), [['d', 'at-risk', 'critical']], 'at-risk → critical is worse');
  const first = drift([], [r('a', 'non-compliant')]);
  t.is(first.from, null);
  t.deepEqual(first.became_non_compliant.map((c) => c.host), ['a']);
  t.like(keysTrend('z', []), { delta: null, growing: false, latest: null });
});

test('keys per day run on the host\'s clock when every point has one, else on the controller\'s', (t) => {
  const DAY = 86_400_000;
  const p = (at: number, keys: number, hostClock?: number) => ({ runId: `r${at}`, at, keys_in_use: keys, keys_kind: 'measured' as const, reloads_left: 1024 - keys, hostClock });
  const cases: { title: string; points: ReturnType<typeof p>[]; perDay: number | null }[] = [
    { title: 'controller only: 14 keys over 14 days', points: [p(0, 100), p(14 * DAY, 114)], perDay: 1 },
    { title: 'a lab advanced 30 days between checks 13 s apart', points: [p(0, 83, 5 * DAY), p(13_000, 113, 35 * DAY + 13_000)], perDay: 1 },
    { title: 'a host clock 2 h ahead changes nothing', points: [p(0, 100, 2 * 3_600_000), p(7 * DAY, 107, 7 * DAY + 2 * 3_600_000)], perDay: 1 },
    { title: 'one point without a host clock (recorded before): the controller\'s time', points: [p(0, 100), p(10 * DAY, 110, 99 * DAY)], perDay: 1 },
    { title: 'no time between the points: no rate', points: [p(0, 100, 5), p(0, 101, 5)], perDay: null },
  ];
  for (const c of cases) t.is(keysTrend('h', c.points).per_day, c.perDay, c.title);
});

function captureIo(env: Record<string, string>): { io: Io; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    io: { argv: [], out: (s) => void (out += s), err: (s) => void (err += s), isTTY: false, columns: 100, color: false, env, cwd: process.cwd(), home: os.homedir(), user: 'ops', hostname: 'ctl', pid: process.pid, signal: new AbortController().signal },
    out: () => out,
    err: () => err,
  };
}

test('remediate history: drift and trend as text, --host, --json, and an empty journal', async (t) => {
  const s = seeded();
  t.teardown(s.cleanup);
  s.run(at(14), RUN3, 'check-3');
  const c = captureIo({});
  t.is(await historyCommand({ journal: s.file }, c.io), 0, c.err());
  const text = c.out();
  t.regex(text, /^drift from check-2 .* to check-3/m);
  t.regex(text, /restarted\s+GROWING \+7 \(1\/day\)\s+500 → 9 → 16\s+\(restarted\)/);
  t.regex(text, /leaky\s+GROWING \+14 \(1\/day\)\s+100 → 107 → 114/);
  t.regex(text, /2 host\(s\) with growing keys: leaking, whatever their versions say/);

  const one = captureIo({});
  t.is(await historyCommand({ journal: s.file, host: 'leaky', json: true }, one.io), 0);
  const j = JSON.parse(one.out());
  t.deepEqual(j.trends.map((x: { host: string }) => x.host), ['leaky']);
  t.is(j.runs.length, 3);

  const missing = captureIo({});
  t.is(await historyCommand({ journal: s.file, host: 'nope' }, missing.io), 64);
  t.regex(missing.err(), /host 'nope' has no check results/);

  const empty = seedJournal();
  t.teardown(empty.cleanup);
  const e = captureIo({});
  t.is(await historyCommand({ journal: empty.file }, e.io), 0);
  t.regex(e.out(), /no check runs recorded/);
});

test('check runs are told apart from apply runs in the journal', (t) => {
  const s = seeded();
  t.teardown(s.cleanup);
  s.journal.startRun({ command: 'apply', user: 'ops', controllerHost: 'ctl', argv: [], inventoryPaths: [], connection: { hosts: {} } });
  t.deepEqual(s.journal.checkRuns().map((r) => r.id), ['check-2', 'check-1']);
  t.deepEqual(s.journal.checkStatusByRun().map((r) => [r.runId, r.counts]), [
    ['check-2', { compliant: 5, 'non-compliant': 2 }],
    ['check-1', { compliant: 5, 'non-compliant': 1, unreachable: 1 }],
  ]);
  t.is(s.journal.hostCheckResults({ runId: 'check-2' }).length, 7, 'one host-level row per host');
  t.is(s.journal.checkHistory(undefined, { runId: 'check-2' }).length, 7 * 3, 'plus one row per assertion');
});
