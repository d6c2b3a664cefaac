// The grouped plan stays readable at fleet size: hosts group by what will happen (task, status,
// class, diff), not by per-host wording (PIDs, counters), and do-nothing steps stay out.
import test from 'ava';
import { PlanSummary } from '../../src/report/plan-summary.js';
import type { Event } from '../../src/report/events.js';

function fleet(n: number): Event[] {
  const ev: Event[] = [];
  for (let i = 0; i < n; i++) {
    const host = `web-${String(i).padStart(4, '0')}`;
    const php = ['7.0', '7.2', '7.4', '8.1', '8.2'][i % 5];
    ev.push({ kind: 'host.plan', host, task: 'upgrade Imagick', status: 'skip', reason: 'condition false' });
    ev.push({ kind: 'host.plan', host, task: 'set_single_thread', status: 'change', class: 'reversible', reason: `create /etc/php/${php}/apache2/conf.d/99.ini`, diff: `+++ /etc/php/${php}/apache2/conf.d/99.ini\n+imagick.set_single_thread = 1\n` });
    ev.push({ kind: 'host.plan', host, task: 'libgomp', status: 'ok', reason: 'libgomp1 12.2.0 is installed' });
    ev.push({ kind: 'host.plan', host, task: 'graceful reload', status: 'change', class: 'stateless', reason: `graceful reload of apache2 (master ${1000 + i} keeps its PID; generation ${i} → ${i + 1})` });
  }
  return ev;
}

test('3000 hosts in 5 variants: 5 groups, each diff once, the output a screenful or two', (t) => {
  const s = new PlanSummary();
  for (const e of fleet(3000)) s.add(e);
  const groups = s.groups();
  t.is(groups.length, 5);
  t.deepEqual(groups.map((g) => g.hosts.length), [600, 600, 600, 600, 600]);
  const text = s.render();
  t.true(text.split('\n').length < 60, `${text.split('\n').length} lines`);
  t.regex(text, /^3,000 host\(s\): 3,000 with steps to act on, 0 with nothing to change/);
  t.regex(text, /600 hosts \(web-0000, web-0005, web-0010, web-0015, web-0020, …\): 2 step\(s\) to act on/);
  // Per-host wording is shown once, from the group's first host, marked as varying.
  t.regex(text, /graceful reload of apache2 \(master 1000 keeps its PID; generation 0 → 1\) \(e\.g\. web-0000; varies per host\)/);
  t.notRegex(text, /condition false|libgomp1 12\.2\.0 is installed/);
  t.is(text.match(/\+imagick\.set_single_thread = 1/g)?.length, 5);
});

test('a skip with a reason stays in, and splits groups by that reason', (t) => {
  const s = new PlanSummary();
  s.add({ kind: 'host.plan', host: 'a', task: 'upgrade Imagick', status: 'skip', reason: 'no candidate satisfies php-imagick >= 3.5.0: 3.4.4' });
  s.add({ kind: 'host.plan', host: 'b', task: 'upgrade Imagick', status: 'skip', reason: 'no candidate satisfies php-imagick >= 3.5.0: 3.4.3' });
  s.add({ kind: 'host.plan', host: 'c', task: 'upgrade Imagick', status: 'skip', reason: 'condition false' });
  s.add({ kind: 'host.end', host: 'd', status: 'unreachable', msg: 'connect ECONNREFUSED' });
  const text = s.render();
  t.is(s.groups().length, 3);
  t.regex(text, /a: nothing to change\n  skip: upgrade Imagick — no candidate satisfies php-imagick >= 3\.5\.0: 3\.4\.4/);
  t.regex(text, /c: nothing to change/);
  t.regex(text, /1 unreachable \(d\): not planned — connect ECONNREFUSED/);
});

test('hosts not planned: a line per cause, failed-before-planning hosts counted too', (t) => {
  const s = new PlanSummary();
  s.add({ kind: 'host.plan', host: 'a', task: 'ini', status: 'change' });
  for (const [h, ip] of [['b', '10.0.0.2'], ['c', '10.0.0.3'], ['d', '10.0.0.4']]) {
    s.add({ kind: 'host.end', host: h, status: 'unreachable', msg: `lab@${ip}:22: TCP connect to ${ip}:22 failed: connect ECONNREFUSED ${ip}:22` });
  }
  s.add({ kind: 'host.end', host: 'e', status: 'unreachable', msg: 'e: connection lost while the command was running' });
  for (const h of ['f', 'g']) s.add({ kind: 'host.end', host: h, status: 'failed', msg: 'the fact probe did not run (exit 1): sudo: a password is required' });
  s.add({ kind: 'host.plan', host: 'x', task: 'ini', status: 'fail', reason: 'disk full' });
  s.add({ kind: 'host.end', host: 'x', status: 'failed', msg: 'disk full' });
  const text = s.render();
  t.regex(text, /^8 host\(s\): 2 with steps to act on, 0 with nothing to change, 4 unreachable, 2 failed before planning$/m);
  t.regex(text, /^3 unreachable \(b, c, d\): not planned — TCP connect to ADDRESS failed: connect ECONNREFUSED ADDRESS$/m);
  t.regex(text, /^1 unreachable \(e\): not planned — e: connection lost while the command was running$/m);
  t.regex(text, /^2 failed \(f, g\): not planned — the fact probe did not run \(exit 1\): sudo: a password is required$/m);
  t.notRegex(text, /failed \(x\)/, 'a host with planned steps is in its group, not here');
});
