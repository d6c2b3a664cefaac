import test from 'ava';
import { applyWaivers, isExpired, parseWaivers } from '../../src/check/waivers.js';
import { InputError, renderProblems } from '../../src/source/errors.js';
import { buildReport, foldCheckReport } from '../../src/report/check-report.js';
import { CLOCK, checkEvents } from '../report/check-fixtures.js';

const NOW = new Date(CLOCK * 1000); // 2026-11-27

const GOOD = `waivers:
  - hosts: "legacy-*"
    assertion: single-thread
    justification: vendor image, replaced by INFRA-123 in January
    expires: 2026-12-31
    by: alice
  - hosts: web02
    assertion: "*"
    justification: "decommissioned on 2026-11-20"
    expires: "2026-11-26"
`;

test('a waivers file parses into waivers that remember where they are written', (t) => {
  const ws = parseWaivers('waivers.yml', GOOD);
  t.is(ws.length, 2);
  t.like(ws[0], { hosts: 'legacy-*', assertion: 'single-thread', expires: '2026-12-31', by: 'alice', pos: { file: 'waivers.yml', line: 2, col: 5 } });
  t.is(ws[1].expires, '2026-11-26');
  t.deepEqual(parseWaivers('w.yml', '- hosts: a\n  assertion: b\n  justification: c\n  expires: 2030-01-01\n').map((w) => w.hosts), ['a'], 'a bare list works too');
  t.deepEqual(parseWaivers('w.yml', 'waivers: []\n'), []);
  t.deepEqual(parseWaivers('w.yml', ''), []);
});

const BAD: { name: string; text: string; problems: RegExp[] }[] = [
  { name: 'justification missing', text: 'waivers:\n  - hosts: a\n    assertion: b\n    expires: 2030-01-01\n', problems: [/^w\.yml:2:5: missing required key 'justification' in a waiver/] },
  { name: 'justification only spaces', text: "waivers:\n  - hosts: a\n    assertion: b\n    justification: '  '\n    expires: 2030-01-01\n", problems: [/^w\.yml:4:20: invalid value for 'justification' \(expected a non-empty string/] },
  { name: 'a date that does not exist', text: 'waivers:\n  - hosts: a\n    assertion: b\n    justification: c\n    expires: 2026-02-30\n', problems: [/^w\.yml:5:14: wrong value for 'expires' \(expected a date YYYY-MM-DD.*found a string '2026-02-30'\)/] },
  { name: 'a date in another format', text: 'waivers:\n  - hosts: a\n    assertion: b\n    justification: c\n    expires: 31/12/2026\n', problems: [/w\.yml:5:14: wrong value for 'expires'/] },
  { name: 'typo in a key, with every problem at once', text: 'waivers:\n  - hosts: a\n    asertion: b\n    justification: c\n    expires: soon\n', problems: [/w\.yml:3:5: unknown key 'asertion' in a waiver.*did you mean 'assertion'\?/, /w\.yml:2:5: missing required key 'assertion'/, /w\.yml:5:14: wrong value for 'expires'/] },
  { name: 'not a list', text: 'waivers: yes\n', problems: [/w\.yml:1:10: wrong type for 'waivers' \(expected a list of waivers/] },
  { name: 'YAML syntax', text: 'waivers:\n  - hosts: [a\n', problems: [/^w\.yml:\d+:\d+: YAML syntax error/] },
];

for (const c of BAD) {
  test(`bad waivers file: ${c.name} → positioned problems`, (t) => {
    const err = t.throws(() => parseWaivers('w.yml', c.text), { instanceOf: InputError });
    const text = renderProblems(err!.problems);
    for (const p of c.problems) t.true(err!.problems.some((q) => p.test(renderProblems([q]))), `${p} in:\n${text}`);
  });
}

test('expiry: a waiver counts through its expiry day (UTC) and not after', (t) => {
  t.false(isExpired({ expires: '2026-11-27' }, NOW));
  t.false(isExpired({ expires: '2026-11-27' }, new Date('2026-11-27T23:59:59Z')));
  t.true(isExpired({ expires: '2026-11-27' }, new Date('2026-11-28T00:00:00Z')));
  t.true(isExpired({ expires: '2026-11-26' }, NOW));
});

test('waivers: a covered failure is waived, an expired waiver stops counting and is listed', (t) => {
  const events = checkEvents('r', [
    { host: 'legacy-1', singleThread: '0' },
    { host: 'legacy-2', singleThread: '0', imagick: '3.4.4' },
    { host: 'web01', singleThread: '0' },
    { host: 'web02', singleThread: '0' },
    { host: 'web03' },
  ]);
  const raw = foldCheckReport(events, { now: NOW });
  t.is(raw.exit_code, 8);
  const w = applyWaivers(raw.hosts, parseWaivers('waivers.yml', GOOD), NOW);
  const by = Object.fromEntries(w.rows.map((r) => [r.host, r]));
  t.is(by['legacy-1'].status, 'waived');
  t.is(by['legacy-1'].compliant, true);
  t.regex(by['legacy-1'].reason, /waived: single-thread until 2026-12-31 \(vendor image/);
  t.like(by['legacy-1'].assertions[0], { id: 'single-thread', status: 'waived', waiver: { at: 'waivers.yml:2', expires: '2026-12-31' } });
  t.is(by['legacy-2'].status, 'non-compliant', 'imagick-3.5 still fails: partly waived is not waived');
  t.is(by['legacy-2'].assertions.find((a) => a.id === 'single-thread')!.status, 'waived');
  t.is(by['web02'].status, 'non-compliant', 'its waiver expired yesterday');
  t.is(by['web03'].status, 'compliant');
  t.deepEqual(w.applied.map((a) => [a.at, a.hosts_matched]), [['waivers.yml:2', ['legacy-1', 'legacy-2']]]);
  t.deepEqual(w.expired.map((a) => [a.at, a.expires, a.hosts_matched]), [['waivers.yml:7', '2026-11-26', ['web02']]]);
  const r = buildReport({ runId: 'r', playbook: null, now: NOW, rows: w.rows, waivers: { applied: w.applied, expired: w.expired } });
  t.is(r.summary.waived, 1);
  t.is(r.exit_code, 8);
  // Everything waived: exit 0.
  const all = applyWaivers(foldCheckReport(checkEvents('r', [{ host: 'legacy-1', singleThread: '0' }]), { now: NOW }).hosts, parseWaivers('w.yml', GOOD), NOW);
  t.is(buildReport({ runId: 'r', playbook: null, now: NOW, rows: all.rows }).exit_code, 0);
  // The day after its expiry, the same waiver stops counting.
  const later = new Date('2027-01-01T00:00:00Z');
  const expired = applyWaivers(foldCheckReport(checkEvents('r', [{ host: 'legacy-1', singleThread: '0' }]), { now: later }).hosts, parseWaivers('w.yml', GOOD), later);
  t.is(expired.rows[0].status, 'non-compliant');
  t.deepEqual(expired.expired.map((x) => x.hosts_matched), [['legacy-1'], []]);
});

test('waivers never hide a host that could not be checked', (t) => {
  const raw = foldCheckReport(checkEvents('r', [{ host: 'legacy-9', unreachable: 'timeout' }]), { now: NOW });
  const w = applyWaivers(raw.hosts, parseWaivers('w.yml', 'waivers:\n  - {hosts: "*", assertion: "*", justification: all, expires: 2099-01-01}\n'), NOW);
  t.is(w.rows[0].status, 'unreachable');
  t.deepEqual(w.applied, []);
});
