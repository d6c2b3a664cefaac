// The plan's estimate learns from the journal: a task's steps take on this fleet what they took
// in earlier apply runs of the playbook (a package install is seconds on one fleet, a minute on
// another), rather than a default per module.
import test from 'ava';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cli } from '../helpers/cli.js';

test('plan estimates a task with the time it took in the earlier apply runs of the playbook', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'remediate-est-'));
  for (const b of ['box1', 'box2']) mkdirSync(path.join(dir, b));
  writeFileSync(path.join(dir, 'inv.ini'), ['box1', 'box2'].map((b) => `${b} ansible_connection=local root=${path.join(dir, b)}`).join('\n') + '\n');
  writeFileSync(path.join(dir, 'site.yml'), `
- hosts: all
  rollout: { serial: [] }
  tasks:
    - name: a slow step
      command:
        argv: [sh, -c, 'sleep 3; touch "$1"', sh, "{{ root }}/done"]
        creates: "{{ root }}/done"
        undo: [rm, "{{ root }}/done"]
`);
  const opts = { cwd: dir, env: { XDG_STATE_HOME: path.join(dir, 'state') } };
  const journal = path.join(dir, 'journal.db');
  const estimate = (out: string) => /estimated duration: ~(\d+) s \((.*)\)/.exec(out);

  const before = await cli(['plan', 'site.yml', '-i', 'inv.ini', '-l', 'box2', '--journal', journal], opts);
  t.is(before.code, 0, before.err);
  const e0 = estimate(before.out + before.err);
  t.truthy(e0, before.out);
  t.is(Number(e0![1]), 1, 'no history yet: a command is reckoned at 1 s');
  t.notRegex(e0![2], /measured/);

  const a = await cli(['apply', 'site.yml', '-i', 'inv.ini', '-l', 'box1', '--yes', '--journal', journal], opts);
  t.is(a.code, 0, a.out + a.err);

  const after = await cli(['plan', 'site.yml', '-i', 'inv.ini', '-l', 'box2', '--journal', journal], opts);
  const e1 = estimate(after.out + after.err);
  t.truthy(e1, after.out);
  t.true(Number(e1![1]) >= 3, `box1's step took 3 s: ${e1![0]}`);
  t.regex(e1![2], /step times as measured in 1 earlier run\(s\)/);
});
