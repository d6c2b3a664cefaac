// Ctrl-C during a batch: the hosts in flight finish their step and stop before the next one.
// They are unfinished, not failed: `show` says aborted, and `resume` finishes them (only the
// tasks they had not done), as the README promises.
import test from 'ava';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cli } from '../helpers/cli.js';

test('hosts stopped by Ctrl-C between tasks are resumed, not counted finished', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'remediate-resume-abort-'));
  const hosts = ['box1', 'box2', 'box3'];
  for (const h of hosts) mkdirSync(path.join(dir, h));
  writeFileSync(path.join(dir, 'inv.ini'), `[web]\n${hosts.map((h) => `${h} ansible_connection=local root=${path.join(dir, h)}`).join('\n')}\n`);
  writeFileSync(path.join(dir, 'site.yml'), `
- name: fix
  hosts: web
  tasks:
    - name: first
      copy: { dest: "{{ root }}/first", content: "1\\n" }
    - name: wait for the operator
      shell: { script: 'touch "{{ root }}/waiting"; while [ ! -e "{{ root }}/../go" ]; do sleep 0.05; done', stateless: true }
    - name: second
      copy: { dest: "{{ root }}/second", content: "2\\n" }
`);
  const env = { XDG_STATE_HOME: path.join(dir, 'state') };
  const journal = path.join(dir, 'j.db');
  const ctl = new AbortController();
  const run = cli(['apply', 'site.yml', '-i', 'inv.ini', '--yes', '--journal', journal], { cwd: dir, env, signal: ctl.signal });
  for (let i = 0; i < 400 && !hosts.every((h) => existsSync(path.join(dir, h, 'waiting'))); i++) await sleep(25);
  ctl.abort();
  writeFileSync(path.join(dir, 'go'), '');
  const first = await run;
  t.is(first.code, 130, first.out + first.err);
  for (const h of hosts) {
    t.false(existsSync(path.join(dir, h, 'second')), `${h}: stopped before the next task`);
    t.regex(first.out, new RegExp(`^interrupted: \\[${h}\\] aborted before the next task \\(resume finishes it\\)$`, 'm'));
    t.regex(first.out, new RegExp(`^${h} +: ok=2 +changed=1 +unreachable=0 +failed=0 `, 'm'), `${h}: unfinished, not failed`);
  }
  const runId = /remediate resume (\S+?)`/.exec(first.err)?.[1] ?? '';
  const show = await cli(['show', runId, '--journal', journal], { cwd: dir, env });
  for (const h of hosts) t.regex(show.out, new RegExp(`^${h}: aborted, batch 1$`, 'm'));

  const r = await cli(['resume', runId, '--yes', '--journal', journal], { cwd: dir, env });
  t.is(r.code, 0, r.out + r.err);
  t.regex(r.err, /Resuming run \S+ on 3 unfinished host\(s\)/);
  for (const h of hosts) {
    t.is(readFileSync(path.join(dir, h, 'second'), 'utf8'), '2\n', h);
    t.regex(r.out, new RegExp(`skipped: \\[${h}\\] first`), `${h}: what was done is not done again`);
  }
});
