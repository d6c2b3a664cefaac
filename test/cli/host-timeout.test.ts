// rollout.host_timeout: one budget for a host's whole play. A sick host whose commands crawl is
// cut at the budget (its command too), fails with a message naming the budget and where it
// stopped, is rolled back by the policy, and does not hold the other hosts of its batch.
import test from 'ava';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cli } from '../helpers/cli.js';

test('a host over its host_timeout is stopped mid-command, failed with the budget named, and rolled back', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'remediate-host-timeout-'));
  const hosts = ['fast1', 'sick', 'fast2'];
  for (const h of hosts) mkdirSync(path.join(dir, h));
  writeFileSync(path.join(dir, 'inv.ini'), `[web]\n${hosts.map((h) => `${h} ansible_connection=local root=${path.join(dir, h)} pace=${h === 'sick' ? 60 : 0}`).join('\n')}\n`);
  writeFileSync(path.join(dir, 'site.yml'), `
- name: fix
  hosts: web
  rollout:
    host_timeout: 2s
  rollback: host
  tasks:
    - name: fixed
      copy: { dest: "{{ root }}/fixed", content: "yes\\n" }
    - name: settle
      shell: { script: 'sleep {{ pace }} && touch "{{ root }}/settled"', stateless: true }
`);
  const env = { XDG_STATE_HOME: path.join(dir, 'state') };
  const r = await cli(['apply', 'site.yml', '-i', 'inv.ini', '--yes', '--journal', path.join(dir, 'j.db')], { cwd: dir, env });
  t.not(r.code, 0, r.out + r.err);
  t.regex(r.out + r.err, /sick.*host_timeout: the play took longer than 2s on this host; 'settle': .*timed out/);
  t.false(existsSync(path.join(dir, 'sick', 'settled')), 'the command in flight was cut');
  t.false(existsSync(path.join(dir, 'sick', 'fixed')), 'the sick host was rolled back');
  for (const h of ['fast1', 'fast2']) {
    t.is(readFileSync(path.join(dir, h, 'fixed'), 'utf8'), 'yes\n', h);
    t.true(existsSync(path.join(dir, h, 'settled')), h);
  }
});
