// A saved plan file: read back what was written; a broken or foreign file is a positioned error.
import test from 'ava';
import { readSavedPlan, toSavedPlan, PLAN_FORMAT } from '../../src/plan/saved-plan.js';
import { InputError, renderProblems } from '../../src/source/errors.js';

const plan = toSavedPlan({
  createdAt: '2026-11-27T00:00:00Z', createdBy: { user: 'op', host: 'ctl' },
  playbook: { path: '/p/imagick.yml', sha256: 'ab' }, inventory: { sources: ['/p/inv.yml'], sha256: ['cd'] },
  extraVars: { canary_reloads: 5 }, seed: 7, schedule: [],
}, [{ host: 'web1', status: 'planned', steps: [{ task: 't', status: 'change', index: 0 }], canary: true, ms: 120, fingerprint: 'f', facts: { os: { id: 'debian' } } }]);

test('a written plan reads back equal, without per-host timings', (t) => {
  const back = readSavedPlan('plan.json', JSON.stringify(plan, null, 1));
  t.deepEqual(back, plan);
  t.is(back.format, PLAN_FORMAT);
  t.false('ms' in back.hosts.web1);
});

const bad: { title: string; text: string; want: RegExp }[] = [
  { title: 'not JSON: the syntax error is positioned', text: '{\n  "format": "remediate-plan/1",\n  "hosts": {,\n}', want: /^plan\.json:3:\d+: / },
  { title: 'another format: points at the format line, says expected and found', text: JSON.stringify({ ...plan, format: 'terraform/4' }, null, 1), want: /^plan\.json:2:\d+: not a plan this version of remediate can apply[\s\S]*expected "remediate-plan\/1"[\s\S]*found "terraform\/4"/ },
  { title: 'hosts missing', text: JSON.stringify({ ...plan, hosts: undefined }, null, 1), want: /plan\.json:1:1: hosts: an object of host plans is required/ },
  { title: 'a host without steps', text: JSON.stringify({ ...plan, hosts: { web1: { status: 'planned' } } }, null, 1), want: /hosts\.web1: status and steps are required/ },
];

for (const c of bad) {
  test(c.title, (t) => {
    const e = t.throws(() => readSavedPlan('plan.json', c.text), { instanceOf: InputError }) as InputError;
    t.regex(renderProblems(e.problems), c.want);
  });
}
