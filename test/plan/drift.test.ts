// Drift between a saved plan and a host now: durable facts by path, planned steps by outcome.
import test from 'ava';
import { hostDrift } from '../../src/plan/drift.js';
import { factsFingerprint, durableView } from '../../src/executor/fingerprint.js';
import type { HostPlan, PlannedStep } from '../../src/plan/types.js';

const ini: PlannedStep = { index: 1, handler: false, module: 'ini', task: 'set_single_thread', status: 'change', class: 'reversible', diff: '+imagick.set_single_thread = 1\n', reason: 'create x.ini' };
const reload: PlannedStep = { index: 0, handler: true, module: 'service', task: 'graceful reload', status: 'change', class: 'stateless', reason: 'graceful reload (master 100; generation 5 → 6)' };

function host(facts: Record<string, unknown>, steps: PlannedStep[], status: HostPlan['status'] = 'planned'): HostPlan {
  return { host: 'h', status, steps, canary: false, ms: 0, facts: durableView(facts) as Record<string, unknown>, fingerprint: factsFingerprint(facts) };
}

const base = { os: { id: 'debian', versionId: '12', clockEpoch: 100 }, apache: { pid: 100, generation: 5, status: { currentTime: 'Mon' } }, php_extension: { version: '3.4.4', settings: [{ file: 'a.ini', line: 1 }] as unknown[] } };

const cases: { title: string; now: HostPlan; want: RegExp[] }[] = [
  { title: 'runtime counters moved (clock, PID, generation, server-status): no drift', now: host({ ...base, os: { ...base.os, clockEpoch: 999 }, apache: { pid: 7, generation: 80, status: { currentTime: 'Tue' } } }, [ini, { ...reload, reason: 'graceful reload (master 7; generation 80 → 81)' }]), want: [] },
  { title: 'a package version changed: the path, old → new', now: host({ ...base, php_extension: { ...base.php_extension, version: '3.7.0' } }, [ini, reload]), want: [/^facts\.php_extension\.version: "3\.4\.4" → "3\.7\.0"$/] },
  { title: 'an array element changed: indexed path', now: host({ ...base, php_extension: { ...base.php_extension, settings: [{ file: 'b.ini', line: 1 }] } }, [ini, reload]), want: [/^facts\.php_extension\.settings\[0\]\.file: "a\.ini" → "b\.ini"$/] },
  { title: 'a step would now do something else', now: host(base, [{ ...ini, status: 'ok', class: undefined, diff: undefined, reason: 'already set' }, reload]), want: [/step 'set_single_thread': planned change \(reversible\), now ok — already set/] },
  { title: 'same outcome, different diff', now: host(base, [{ ...ini, diff: '+imagick.set_single_thread = 0\n' }, reload]), want: [/its change differs from the plan's diff/] },
  { title: 'a step appeared', now: host(base, [ini, reload, { ...reload, index: 1, task: 'full restart' }]), want: [/step 'full restart': not in the plan, now change/] },
  { title: 'unreachable now: not drift (the apply reports it as unreachable)', now: host(base, [], 'unreachable'), want: [] },
];

for (const c of cases) {
  test(c.title, (t) => {
    const got = hostDrift(host(base, [ini, reload]), c.now);
    t.is(got.length, c.want.length, got.join('\n'));
    c.want.forEach((re, i) => t.regex(got[i], re));
  });
}

test('a host that was not planned (unreachable at plan time) holds nothing to drift from', (t) => {
  t.deepEqual(hostDrift(host(base, [], 'unreachable'), host({ ...base, php_extension: { version: '9' } }, [ini])), []);
});
