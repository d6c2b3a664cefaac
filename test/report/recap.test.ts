import test from 'ava';
import type { Event } from '../../src/report/events.js';
import { recap, renderRecap, RecapBuilder, type Counters } from '../../src/report/recap.js';

const step = (host: string, status: 'ok' | 'changed' | 'failed' | 'unreachable' | 'skipped', extra: Partial<Extract<Event, { kind: 'host.step' }>> = {}): Event => ({ kind: 'host.step', host, task: 't', status, ms: 1, ...extra });

const table: Array<{ title: string; events: Event[]; want: Partial<Counters> }> = [
  { title: 'ok step', events: [step('a', 'ok')], want: { ok: 1 } },
  { title: 'a changed step is also ok (Ansible)', events: [step('a', 'changed')], want: { ok: 1, changed: 1 } },
  { title: 'failed step', events: [step('a', 'failed')], want: { failed: 1 } },
  { title: 'rescued failure is not a failure', events: [step('a', 'failed', { rescued: true }), step('a', 'ok')], want: { rescued: 1, ok: 1 } },
  { title: 'ignored failure is ok + ignored', events: [step('a', 'failed', { ignored: true })], want: { ok: 1, ignored: 1 } },
  { title: 'skipped and unreachable', events: [step('a', 'skipped'), step('a', 'unreachable')], want: { skipped: 1, unreachable: 1 } },
  {
    title: 'a host that ends unreachable without a step still counts once',
    events: [{ kind: 'host.start', host: 'a' }, { kind: 'host.end', host: 'a', status: 'unreachable', msg: 'connection refused' }],
    want: { unreachable: 1 },
  },
  {
    title: 'a failed step and a failed end count once',
    events: [step('a', 'failed'), { kind: 'host.end', host: 'a', status: 'failed' }],
    want: { failed: 1 },
  },
  {
    title: 'a host failed by its gates (no failed step) counts as failed',
    events: [step('a', 'changed'), { kind: 'host.end', host: 'a', status: 'failed', msg: 'gate: 0 pthread keys leaked' }],
    want: { ok: 1, changed: 1, failed: 1 },
  },
  {
    title: 'a host the operator stopped between tasks is unfinished, not failed',
    events: [step('a', 'changed'), { kind: 'host.end', host: 'a', status: 'failed', msg: 'aborted before the next task', interrupted: true }],
    want: { ok: 1, changed: 1 },
  },
  {
    title: 'rollbacks',
    events: [step('a', 'changed'), step('a', 'failed'), { kind: 'host.rollback', host: 'a', status: 'restored' }],
    want: { ok: 1, changed: 1, failed: 1, rolled_back: 1 },
  },
  { title: 'a failed rollback is counted apart', events: [{ kind: 'host.rollback', host: 'a', status: 'failed', msg: 'x' }], want: { rollback_failed: 1 } },
  {
    title: 'plan statuses',
    events: [
      { kind: 'host.plan', host: 'a', task: 'x', status: 'ok' },
      { kind: 'host.plan', host: 'a', task: 'y', status: 'change', diff: '-a\n+b' },
      { kind: 'host.plan', host: 'a', task: 'z', status: 'skip', reason: 'condition false' },
      { kind: 'host.plan', host: 'a', task: 'w', status: 'unknown' },
      { kind: 'host.plan', host: 'a', task: 'v', status: 'fail', reason: 'bad' },
    ],
    want: { ok: 2, changed: 1, skipped: 1, unknown: 1, failed: 1 },
  },
  {
    title: 'checks',
    events: [
      { kind: 'host.check', host: 'a', id: 'imagick-single-thread', status: 'pass' },
      { kind: 'host.check', host: 'a', id: 'imagick-version', status: 'fail', observed: '3.4.4', expected: '>= 3.7.0' },
      { kind: 'host.check', host: 'a', id: 'keys', status: 'error', msg: 'facts.apache missing' },
    ],
    want: { checks_passed: 1, checks_failed: 1, checks_error: 1 },
  },
];

for (const row of table) {
  test(`recap: ${row.title}`, (t) => {
    const r = recap(row.events);
    t.is(r.hosts.length, 1);
    const { host, status, msg, ...counters } = r.hosts[0];
    const want = { ...recap([]).totals, ...row.want };
    t.deepEqual(counters, want);
    t.deepEqual(r.totals, want, 'one host: totals equal its row');
  });
}

test('recap sorts hosts by name, sums totals, and keeps the final status', (t) => {
  const r = recap([step('web10', 'changed'), step('web02', 'ok'), step('db01', 'failed'), { kind: 'host.end', host: 'db01', status: 'failed', msg: 'boom' }, step('web02', 'changed')]);
  t.deepEqual(r.hosts.map((h) => h.host), ['db01', 'web02', 'web10']);
  t.is(r.totals.ok, 3);
  t.is(r.totals.changed, 2);
  t.is(r.totals.failed, 1);
  t.is(r.hosts[0].status, 'failed');
  t.is(r.hosts[0].msg, 'boom');
});

test('recap notes aborts and why rollouts stopped', (t) => {
  const r = recap([
    { kind: 'batch.end', index: 1, failed: 3, unreachable: 0, hosts: 10, failedPct: 30, aborted: true, reason: 'batch 1: 3 of 10 hosts failed (30%), over max_fail_percentage 20' },
    { kind: 'run.end', exitCode: 130, aborted: true },
  ]);
  t.true(r.aborted);
  t.deepEqual(r.stopped, ['batch 1: 3 of 10 hosts failed (30%), over max_fail_percentage 20']);
});

test('RecapBuilder gives the same recap incrementally, and results are snapshots', (t) => {
  const events = [step('a', 'changed'), step('b', 'failed'), step('a', 'ok')];
  const b = new RecapBuilder();
  b.add(events[0]).add(events[1]);
  const early = b.result();
  b.add(events[2]);
  t.deepEqual(b.result(), recap(events));
  t.is(early.hosts.find((h) => h.host === 'a')?.ok, 1, 'an earlier result is not changed by later events');
});

test('renderRecap: Ansible layout, totals, extra columns only when used', (t) => {
  const r = recap([step('web01', 'changed'), step('web01', 'ok'), step('db02', 'unreachable')]);
  const out = renderRecap(r, { color: false });
  const lines = out.split('\n');
  t.is(lines[0], `PLAY RECAP ${'*'.repeat(69)}`);
  t.is(lines[1], 'db02                       : ok=0    changed=0    unreachable=1    failed=0    skipped=0    rescued=0    ignored=0    rolled_back=0');
  t.is(lines[2], 'web01                      : ok=2    changed=1    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0    rolled_back=0');
  t.is(lines[4], 'total (2 hosts)            : ok=2    changed=1    unreachable=1    failed=0    skipped=0    rescued=0    ignored=0    rolled_back=0');
  t.false(out.includes('\u001b['), 'no escape codes without colour');
  t.false(out.includes('unknown='));
  t.false(out.includes('compliant='));

  const check = renderRecap(recap([{ kind: 'host.check', host: 'a', id: 'x', status: 'fail' }]), { color: false });
  t.regex(check, /compliant=0 +noncompliant=1 +unchecked=0/);
  const plan = renderRecap(recap([{ kind: 'host.plan', host: 'a', task: 'x', status: 'unknown' }]), { color: false });
  t.regex(plan, /unknown=1/);
});

test('renderRecap colours non-zero counters and the host like Ansible', (t) => {
  const out = renderRecap(recap([step('web01', 'changed')]), { color: true });
  t.true(out.includes('\u001b[0;33mweb01\u001b[0m'), 'a changed host is yellow');
  t.true(out.includes('\u001b[0;32mok=1   \u001b[0m'));
  t.true(out.includes(' unreachable=0    '), 'zero counters stay plain');
  const failed = renderRecap(recap([step('db', 'failed')]), { color: true });
  t.true(failed.includes('\u001b[0;31mdb\u001b[0m'));
});

test('renderRecap says when the run was aborted', (t) => {
  t.regex(renderRecap(recap([step('a', 'ok'), { kind: 'run.end', exitCode: 130, aborted: true }]), { color: false }), /Run aborted/);
});

// A plan over a fleet: the recap lists the hosts that need a look, not 3000 lines.
const fleetRecap = (n: number, failing: string[]) => {
  const b = new RecapBuilder();
  for (let i = 0; i < n; i++) b.add(step(`web-${i}`, failing.includes(`web-${i}`) ? 'failed' : 'changed'));
  return renderRecap(b.result(), { color: false, maxHosts: 50 });
};
test('maxHosts: only hosts with problems are listed, with how many are not', (t) => {
  const text = fleetRecap(3000, ['web-7']);
  t.regex(text, /^web-7 +: ok=0 +changed=0 +unreachable=0 +failed=1/m);
  t.notRegex(text, /^web-8 /m);
  t.regex(text, /… 2999 more host\(s\) not listed \(only hosts with failed, unreachable or unknown steps are\)/);
  t.regex(text, /total \(3000 hosts\) +: ok=2999 +changed=2999 +unreachable=0 +failed=1/);
});
test('maxHosts: a clean fleet lists nobody and says so', (t) => {
  const text = fleetRecap(300, []);
  t.regex(text, /300 host\(s\), none with failed, unreachable or unknown steps: not listed one by one/);
  t.is(text.split('\n').filter((l) => l.startsWith('web-')).length, 0);
});
