// A dry run sees what apply would register: a later task whose `when` reads an earlier step's
// `changed` is planned as apply will run it (the imagick playbook's LD_PRELOAD step, skipped
// where the libgomp upgrade changes the host, had been planned as a change there). What only
// the step's run can tell (its output) makes the dependent task unknown, whatever `default` says.
import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cli } from '../helpers/cli.js';

const PLAY = `
- hosts: all
  tasks:
    - name: write a
      copy: { dest: "{{ root }}/a.conf", content: "a\\n" }
      register: wrote
    - name: b, where a was already in place
      copy: { dest: "{{ root }}/b.conf", content: "b\\n" }
      when: not (wrote.changed | default(false))
    - name: c, where a was written now
      copy: { dest: "{{ root }}/c.conf", content: "c\\n" }
      when: wrote.changed
    - name: d, from what writing a said
      copy: { dest: "{{ root }}/d.conf", content: "{{ wrote.msg | default('nothing') }}\\n" }
    - name: e, the whole result
      copy: { dest: "{{ root }}/e.conf", content: "{{ wrote | default({}) }}\\n" }
`;

type Ev = { kind: string; task?: string; status?: string; reason?: string };
const events = (out: string): Ev[] => out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Ev);
const planned = (out: string): Record<string, string> => Object.fromEntries(events(out).filter((e) => e.kind === 'host.plan').map((e) => [e.task, e.status]));
const applied = (out: string): Record<string, string> => Object.fromEntries(events(out).filter((e) => e.kind === 'host.step').map((e) => [e.task, e.status]));
const AS_APPLIED: Record<string, string> = { change: 'changed', skip: 'skipped', ok: 'ok' };

test('plan gives a later task the registered `changed` apply will give it, round after round', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'remediate-planreg-'));
  writeFileSync(path.join(dir, 'inv.ini'), `box1 ansible_connection=local root=${dir}\n`);
  writeFileSync(path.join(dir, 'site.yml'), PLAY);
  const opts = { cwd: dir, env: { XDG_STATE_HOME: path.join(dir, 'state') } };

  const plan1 = await cli(['plan', 'site.yml', '-i', 'inv.ini', '--json'], opts);
  t.is(plan1.code, 0, plan1.err);
  t.deepEqual(planned(plan1.out), {
    'write a': 'change',
    'b, where a was already in place': 'skip',
    'c, where a was written now': 'change',
    'd, from what writing a said': 'unknown',
    'e, the whole result': 'unknown',
  });
  t.regex(events(plan1.out).find((e) => e.task === 'd, from what writing a said')!.reason ?? '', /wrote\.msg/);

  const apply1 = await cli(['apply', 'site.yml', '-i', 'inv.ini', '--yes', '--json'], opts);
  t.is(apply1.code, 0, apply1.err);
  const done1 = applied(apply1.out);
  for (const [task, status] of Object.entries(planned(plan1.out))) if (status !== 'unknown') t.is(done1[task], AS_APPLIED[status], `round 1: ${task}`);

  // a is in place now: b's turn, c's condition false
  const plan2 = await cli(['plan', 'site.yml', '-i', 'inv.ini', '--json'], opts);
  t.deepEqual(planned(plan2.out), { 'write a': 'ok', 'b, where a was already in place': 'change', 'c, where a was written now': 'skip', 'd, from what writing a said': 'change', 'e, the whole result': 'change' });
  const apply2 = await cli(['apply', 'site.yml', '-i', 'inv.ini', '--yes', '--json'], opts);
  const done2 = applied(apply2.out);
  for (const [task, status] of Object.entries(planned(plan2.out))) t.is(done2[task], AS_APPLIED[status], `round 2: ${task}`);
});
