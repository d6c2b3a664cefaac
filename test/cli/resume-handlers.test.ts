// A controller killed between a change and its handler: `resume` skips the finished change but
// keeps its notification, so the handler (a reload after an ini, a restart after a library)
// still runs. Without it the host would keep serving the old config (the lab soak saw a
// resumed canary fail on a master that was never restarted).
import test from 'ava';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cli } from '../helpers/cli.js';
import { JournalWatch, killWhen, startController } from '../soak/harness.js';

test('kill -9 after a change, before its handler: resume runs the handler once', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'remediate-resume-h-'));
  const root = path.join(dir, 'box1');
  mkdirSync(root);
  writeFileSync(path.join(root, 'php.ini'), 'imagick.set_single_thread = 0\n');
  writeFileSync(path.join(dir, 'inv.ini'), `[web]\nbox1 ansible_connection=local root=${root}\n`);
  writeFileSync(path.join(dir, 'site.yml'), `
- name: fix
  hosts: web
  tasks:
    - name: set single thread
      copy: { dest: "{{ root }}/php.ini", content: "imagick.set_single_thread = 1\\n" }
      notify: reload
    - name: wait for the operator
      shell: { script: 'while [ ! -e "{{ root }}/go" ]; do sleep 0.05; done', stateless: true }
  handlers:
    - name: reload
      shell: { script: 'echo reloaded >> "{{ root }}/reloads"', stateless: true }
`);
  const env = { XDG_STATE_HOME: path.join(dir, 'state') };
  const journal = path.join(dir, 'journal.db');
  const ctl = startController(['apply', 'site.yml', '-i', 'inv.ini', '--yes', '--journal', journal], { cwd: dir, env });
  const watch = new JournalWatch(journal);
  const k = await killWhen(ctl, watch, { on: 'mutations', k: 1 }, { pollMs: 10, timeoutMs: 60_000 });
  watch.close();
  t.false(k.finishedFirst, ctl.tail());
  t.is(readFileSync(path.join(root, 'php.ini'), 'utf8'), 'imagick.set_single_thread = 1\n');
  t.false(existsSync(path.join(root, 'reloads')), 'killed before the handler ran');

  // The journal says who was cut off: the run and the host in flight are shown as interrupted.
  const show = await cli(['show', k.atKill.runId!, '--journal', journal], { cwd: dir, env });
  t.regex(show.out, /: apply interrupted \(recorded as running; controller pid \d+ is gone/);
  t.regex(show.out, /^box1: interrupted, batch 1$/m);
  writeFileSync(path.join(root, 'go'), '');
  const r = await cli(['resume', k.atKill.runId!, '--yes', '--journal', journal], { cwd: dir, env });
  t.is(r.code, 0, r.out + r.err);
  t.regex(r.out, /skipped: \[box1\] set single thread/);
  t.is(readFileSync(path.join(root, 'reloads'), 'utf8'), 'reloaded\n', 'the handler ran once, in the resumed run');
});
