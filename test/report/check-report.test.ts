import test from 'ava';
import { foldCheckReport, observedFromFacts, CheckReportBuilder, type HostCheckStatus } from '../../src/report/check-report.js';
import type { Risk } from '../../src/facts/index.js';
import { recap, exitCodeFor } from '../../src/report/index.js';
import { renderCheckTable } from '../../src/report/terminal-check.js';
import { CLOCK, checkEvents, type HostSpec } from './check-fixtures.js';

const NOW = new Date(CLOCK * 1000);
const day = (n: number) => new Date((CLOCK + n * 86400) * 1000).toISOString().slice(0, 10);

// One row per kind of host; expected values worked out by hand from the forecast rule
// (reloads left = 1024 − keys; death = host clock + reloads left ÷ reloads per day).
const CASES: { spec: HostSpec; status: HostCheckStatus; compliant: boolean | null; risk: Risk | null; keys: number | null; left: number | null; death: string | null; reason: RegExp }[] = [
  { spec: { host: 'ok1', clock: CLOCK, keys: 8, reloads: 20 }, status: 'compliant', compliant: true, risk: 'safe', keys: 8, left: 1016, death: null, reason: /^compliant$/ },
  { spec: { host: 'leaky-compliant', clock: CLOCK, keys: 1010, reloads: 1002 }, status: 'compliant', compliant: true, risk: 'critical', keys: 1010, left: 14, death: day(14), reason: /^compliant$/ },
  { spec: { host: 'st0', clock: CLOCK, keys: 508, reloads: 500, singleThread: '0' }, status: 'non-compliant', compliant: false, risk: 'at-risk', keys: 508, left: 516, death: day(516), reason: /fails single-thread$/ },
  { spec: { host: 'old-imagick', clock: CLOCK, keys: 8, reloads: 20, imagick: '3.4.4', singleThread: null }, status: 'non-compliant', compliant: false, risk: 'safe', keys: 8, left: 1016, death: null, reason: /fails single-thread, imagick-3\.5/ },
  { spec: { host: 'weekly', clock: CLOCK, keys: 1000, reloads: 992, perDay: 1 / 7 }, status: 'compliant', compliant: true, risk: 'at-risk', keys: 1000, left: 24, death: day(168), reason: /^compliant$/ },
  { spec: { host: 'dead', clock: CLOCK, deadAt: CLOCK - 3600 }, status: 'compliant', compliant: true, risk: 'critical', keys: null, left: 0, death: day(0), reason: /^compliant$/ },
  { spec: { host: 'gone', unreachable: 'connect ECONNREFUSED 10.0.0.9:22' }, status: 'unreachable', compliant: null, risk: null, keys: null, left: null, death: null, reason: /^unreachable: connect ECONNREFUSED/ },
  { spec: { host: 'nofacts', factsFailed: 'fact probe failed: sh: 1: syntax error' }, status: 'error', compliant: null, risk: null, keys: null, left: null, death: null, reason: /^not checked: fact probe failed/ },
];

const report = foldCheckReport(checkEvents('run-1', CASES.map((c) => c.spec)), { now: NOW });

for (const c of CASES) {
  test(`row: ${c.spec.host} is ${c.status}, risk ${c.risk}`, (t) => {
    const r = report.hosts.find((h) => h.host === c.spec.host)!;
    t.truthy(r);
    t.is(r.status, c.status);
    t.is(r.compliant, c.compliant);
    t.is(r.risk, c.risk, r.risk_reason ?? '');
    t.is(r.keys_in_use, c.keys);
    t.is(r.reloads_left, c.left);
    t.is(r.forecast_death, c.death);
    t.regex(r.reason, c.reason);
    // The JSON shape the Imagick issue pins, present on every row.
    for (const k of ['host', 'risk', 'compliant', 'keys_in_use', 'reloads_left', 'forecast_death', 'evidence']) t.true(k in r, k);
  });
}

test('a failed assertion carries the expected condition and the observed values it read', (t) => {
  const r = report.hosts.find((h) => h.host === 'st0')!;
  const a = r.assertions.find((x) => x.id === 'single-thread')!;
  t.is(a.status, 'fail');
  t.is(a.expected, "facts.php_extension.apache.extension.setSingleThread.value == '1'");
  t.deepEqual(a.observed, { 'facts.php_extension.apache.extension.setSingleThread.value': '0' });
  const old = report.hosts.find((h) => h.host === 'old-imagick')!;
  t.deepEqual(old.assertions.find((x) => x.id === 'imagick-3.5')!.observed, { 'facts.php_extension.apache.extension.version': '3.4.4' });
  t.deepEqual(old.assertions.find((x) => x.id === 'single-thread')!.observed, { 'facts.php_extension.apache.extension.setSingleThread.value': null }, 'an absent setting is observed as null');
});

test('the evidence names versions, the mapped libgomp, keys in use, reloads and what decided the leak', (t) => {
  const ev = report.hosts.find((h) => h.host === 'leaky-compliant')!.evidence;
  t.is(ev.os, 'debian 12');
  t.is(ev.apache?.reloads, 1002);
  t.is(ev.php_extension?.version, '3.7.0');
  t.is(ev.imagemagick?.libgomp, '/usr/lib/x86_64-linux-gnu/libgomp.so.1.0.0');
  t.deepEqual([ev.pthread_keys?.kind, ev.pthread_keys?.keys_in_use], ['measured', 1010]);
  t.is(ev.leak?.evidence, 'keys-vs-reloads');
  t.is(ev.leak?.leaking, true);
});

test('hosts that never got to their assertions get one error per assertion of their play', (t) => {
  for (const h of ['gone', 'nofacts']) {
    const r = report.hosts.find((x) => x.host === h)!;
    t.deepEqual(r.assertions.map((a) => [a.id, a.status]), [['single-thread', 'error'], ['imagick-3.5', 'error']]);
  }
});

test('summary counts and the exit code agree with the Foundation table (exitCodeFor over the recap)', (t) => {
  t.deepEqual(report.summary, { hosts: 8, compliant: 4, non_compliant: 2, waived: 0, unreachable: 1, error: 1, risk: { safe: 2, at_risk: 2, critical: 2, unknown: 0 } });
  const events = checkEvents('run-1', CASES.map((c) => c.spec));
  t.is(report.exit_code, exitCodeFor(recap(events), 'check'));
  t.is(report.exit_code, 24);
  const only = (hosts: HostSpec[]) => foldCheckReport(checkEvents('r', hosts), { now: NOW }).exit_code;
  t.is(only([CASES[0].spec]), 0);
  t.is(only([CASES[0].spec, CASES[2].spec]), 8);
  t.is(only([CASES[0].spec, CASES[6].spec]), 16);
});

test('an assertion that errors makes the host could-not-check, whatever else failed', (t) => {
  const b = new CheckReportBuilder();
  b.add({ kind: 'host.start', host: 'h' });
  b.add({ kind: 'host.check', host: 'h', id: 'a', status: 'fail', expected: 'x' });
  b.add({ kind: 'host.check', host: 'h', id: 'b', status: 'error', msg: "undefined variable 'facts.nope'" });
  b.add({ kind: 'host.end', host: 'h', status: 'skipped' });
  const [r] = b.rows({ now: NOW });
  t.is(r.status, 'error');
  t.regex(r.reason, /could not evaluate b: undefined variable/);
});

test('a run cut short leaves started hosts as not checked, not compliant', (t) => {
  const b = new CheckReportBuilder();
  b.add({ kind: 'host.start', host: 'h' });
  const [r] = b.rows({ now: NOW });
  t.is(r.status, 'error');
  t.is(r.compliant, null);
});

test('without the apache fact there is no forecast (risk null), and the host clock drives the date', (t) => {
  t.is(observedFromFacts('facts.a.b == 1 and facts.c', { a: { b: 2 } })?.['facts.a.b'], 2);
  t.deepEqual(observedFromFacts("inventory_hostname == 'x'", {}), undefined);
  const b = new CheckReportBuilder();
  b.add({ kind: 'host.start', host: 'h' });
  b.add({ kind: 'host.check', host: 'h', id: 'a', status: 'pass' });
  b.add({ kind: 'host.end', host: 'h', status: 'ok' });
  t.is(b.rows({ now: NOW })[0].risk, null);
  // Same facts, a host clock 10 days later: the death date moves with the host's clock.
  const later = foldCheckReport(checkEvents('r', [{ host: 'x', clock: CLOCK + 10 * 86400, keys: 1010, reloads: 1002 }]), { now: NOW });
  t.is(later.hosts[0].forecast_death, day(24));
});

test('terminal table: grouped by reason, expected and observed shown, safe compliant hosts only counted', (t) => {
  const text = renderCheckTable(report, { color: false });
  const groups = text.split('\n').filter((l) => /^[A-Z]/.test(l)).map((l) => l.replace(/ \(\d+ hosts?\)$/, ''));
  t.deepEqual(groups, [
    'NON-COMPLIANT: single-thread',
    'NON-COMPLIANT: single-thread, imagick-3.5',
    'COULD NOT CHECK: not checked: fact probe failed: sh: 1: syntax error',
    'COULD NOT CHECK: unreachable: connect ECONNREFUSED ADDRESS',
    'COMPLIANT BUT AT-RISK',
    'COMPLIANT BUT CRITICAL',
  ]);
  t.regex(text, /st0\s+at-risk\s+508\s+516\s+\d{4}-\d\d-\d\d\s+php_extension\.apache\.extension\.setSingleThread\.value="0"/);
  t.regex(text, /expected single-thread: facts\.php_extension/);
  t.notRegex(text, /^\s+ok1\s/m, 'a safe compliant host is not listed');
  t.regex(text, /8 hosts: 4 compliant, 2 non-compliant, 0 waived, 2 could not be checked; risk: 2 critical, 2 at-risk, 2 safe, 0 unknown/);
  const cut = renderCheckTable(foldCheckReport(checkEvents('r', Array.from({ length: 30 }, (_, i) => ({ host: `h${i}`, singleThread: '0' }))), { now: NOW }), { color: false, maxPerGroup: 5 });
  t.regex(cut, /… and 25 more/);
});

test("the engine's derived risk fact (the play's risk_horizon_days) is used when the run carries it", async (t) => {
  const { assessRisk } = await import('../../src/facts/index.js');
  const { factsOf } = await import('./check-fixtures.js');
  const spec: HostSpec = { host: 'x', clock: CLOCK, keys: 1010, reloads: 1002 };
  const events = checkEvents('r', [spec]);
  // As the CLI's gatherer adds it: assessed with a 7-day horizon (14 days left: at-risk, not critical).
  const risk = assessRisk(factsOf(spec) as never, { horizonDays: 7, nowEpoch: CLOCK });
  const at = events.findIndex((e) => e.kind === 'host.check');
  events.splice(at, 0, { kind: 'host.fact', host: 'x', fact: 'risk', value: JSON.parse(JSON.stringify(risk)) });
  t.is(foldCheckReport(events, { now: NOW }).hosts[0].risk, 'at-risk');
  t.is(foldCheckReport(events, { now: NOW, horizonDays: 30 }).hosts[0].risk, 'critical', 'an explicit horizon re-assesses');
  t.is(foldCheckReport(checkEvents('r', [spec]), { now: NOW }).hosts[0].risk, 'critical', 'without the fact: assessed here, 30 days');
});

test('a builder that settles each host when it ends gives the very rows the full fold gives, at any later now', (t) => {
  // The clockless host's forecast runs on the controller's clock: it must still move with `now`.
  const specs = [...CASES.map((c) => c.spec), { host: 'no-clock', keys: 1010, reloads: 1002 }];
  const events = checkEvents('run-s', specs);
  const settled = new CheckReportBuilder({});
  for (const e of events) settled.add(e);
  for (const now of [NOW, new Date(NOW.getTime() + 40 * 86400_000)]) {
    const full = foldCheckReport(events, { now });
    t.deepEqual(settled.rows({ now }), full.hosts);
  }
  const at = (now: Date) => settled.rows({ now }).find((r) => r.host === 'no-clock')!.forecast_death;
  t.not(at(NOW), at(new Date(NOW.getTime() + 40 * 86400_000)));
  t.is(at(NOW), day(14));
});

test("a settling builder drops a host's facts once the host has ended (memory stays per host in flight)", (t) => {
  const events = checkEvents('run-m', [{ host: 'big', clock: CLOCK, keys: 508, reloads: 500, singleThread: '0' }]);
  const factsHeld = (b: CheckReportBuilder) => {
    for (const e of events) b.add(e);
    const acc = [...(b as unknown as { hosts: Map<string, { facts: object }> }).hosts.values()][0];
    return Object.keys(acc.facts).length;
  };
  t.true(factsHeld(new CheckReportBuilder()) > 0, 'the plain fold keeps them (it may be asked for other horizons)');
  t.is(factsHeld(new CheckReportBuilder({})), 0);
});

test('could-not-check hosts group by cause: their addresses, names, keys and known_hosts lines taken out', (t) => {
  const reasons: [string, string][] = [
    ['web-0015', 'lab@127.77.0.15:2222: TCP connect to 127.77.0.15:2222 failed: connect ECONNREFUSED 127.77.0.15:2222 (after 3 attempts)'],
    ['web-0058', 'lab@127.77.0.58:2222: TCP connect to 127.77.0.58:2222 failed: connect ECONNREFUSED 127.77.0.58:2222 (after 3 attempts)'],
    ['web-0179', "lab@127.77.0.179:2222: HOST KEY CHANGED for [127.77.0.179]:2222: the server offered ssh-ed25519 SHA256:DxaEy3Ko7YrwmP2NfRPvhL+yuhGXl/zvRW78tMki8zc but /k/known_hosts:179 holds a different ssh-ed25519 key. Refusing to connect; remove that line (ssh-keygen -R '[127.77.0.179]:2222' -f /k/known_hosts)"],
    ['web-0198', "lab@127.77.0.198:2222: HOST KEY CHANGED for [127.77.0.198]:2222: the server offered ssh-ed25519 SHA256:7BHstu39h1MukhKPwD2zlpgmMwVNE2WxukkdHJCqv1g but /k/known_hosts:199 holds a different ssh-ed25519 key. Refusing to connect; remove that line (ssh-keygen -R '[127.77.0.198]:2222' -f /k/known_hosts)"],
    ['web-0143', 'web-0143: connection lost while the command was running (its outcome is unknown)'],
    ['web-0208', 'web-0208: connection lost while the command was running (its outcome is unknown)'],
    ['db1', 'deploy@[2001:db8::5]:22: timed out after 10000 ms during SSH handshake'],
  ];
  const text = renderCheckTable(foldCheckReport(checkEvents('r', reasons.map(([host, unreachable]) => ({ host, unreachable }))), { now: NOW }), { color: false });
  const groups = text.split('\n').filter((l) => /^[A-Z]/.test(l));
  t.deepEqual(groups, [
    'COULD NOT CHECK: unreachable: connection lost while the command was running (its outcome is unknown) (2 hosts)',
    "COULD NOT CHECK: unreachable: HOST KEY CHANGED for ADDRESS: the server offered ssh-ed25519 SHA256:… but /k/known_hosts:N holds a different ssh-ed25519 key. Refusing to connect; remove that line (ssh-keygen -R 'ADDRESS' -f /k/known_hosts) (2 hosts)",
    'COULD NOT CHECK: unreachable: TCP connect to ADDRESS failed: connect ECONNREFUSED ADDRESS (after 3 attempts) (2 hosts)',
    'COULD NOT CHECK: unreachable: timed out after 10000 ms during SSH handshake (1 host)',
  ].sort((a, b) => (a < b ? -1 : 1)));
  // each group names one host's own words, and lists every host
  t.regex(text, /e\.g\. web-0015: unreachable: lab@127\.77\.0\.15:2222: TCP connect to 127\.77\.0\.15:2222 failed/);
  for (const [host] of reasons) t.regex(text, new RegExp(`^  ${host} `, 'm'));
});
