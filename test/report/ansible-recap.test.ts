// Ansible is the oracle for the recap: the same task outcomes run through real
// `ansible-playbook` (forced colour) and through recap/renderRecap must give the same rows
// (ours add remediate's columns after Ansible's last one). Needs ansible-core (.ci/run).
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Event } from '../../src/report/events.js';
import { recap, renderRecap } from '../../src/report/recap.js';

const run = promisify(execFile);
const hasAnsible = await run('ansible-playbook', ['--version']).then(() => true, () => false);
// Without ansible-core this test shows as skipped, never as passed.
const oracle = hasAnsible ? test : test.skip;

const inventory = `web01 ansible_connection=local
app03 ansible_connection=local
db02 ansible_connection=ssh ansible_host=127.0.0.1 ansible_port=1
`;

const playbook = `- hosts: all
  gather_facts: false
  tasks:
    - raw: "true"
    - fail: {msg: broken}
      when: inventory_hostname == 'app03'
    - debug: {msg: hi}
    - debug: {msg: never}
      when: false
    - fail: {msg: tolerated}
      ignore_errors: true
    - block:
        - fail: {msg: caught}
      rescue:
        - debug: {msg: rescued}
`;

// The same outcomes as remediate events.
const s = (host: string, status: 'ok' | 'changed' | 'failed' | 'unreachable' | 'skipped', extra: object = {}): Event => ({ kind: 'host.step', host, task: 't', status, ms: 0, ...extra });
const events: Event[] = [
  s('db02', 'unreachable'),
  s('web01', 'changed'), s('app03', 'changed'),
  s('web01', 'skipped'), s('app03', 'failed'),
  s('web01', 'ok'),
  s('web01', 'skipped'),
  s('web01', 'failed', { ignored: true }),
  s('web01', 'failed', { rescued: true }),
  s('web01', 'ok'),
];

oracle('PLAY RECAP rows match ansible-playbook, with and without colour', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'remediate-recap-'));
  try {
    await writeFile(join(dir, 'inventory.ini'), inventory);
    await writeFile(join(dir, 'play.yml'), playbook);
    const env = { ...process.env, ANSIBLE_FORCE_COLOR: '1', ANSIBLE_HOST_KEY_CHECKING: 'False', ANSIBLE_RETRY_FILES_ENABLED: 'False', ANSIBLE_CONFIG: join(dir, 'none.cfg'), ANSIBLE_LOCAL_TEMP: join(dir, 'tmp') };
    const out = await run('ansible-playbook', ['-i', 'inventory.ini', 'play.yml'], { cwd: dir, env }).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
    const lines = out.stdout.split('\n');
    const at = lines.findIndex((l) => l.includes('PLAY RECAP'));
    t.true(at >= 0, out.stdout);
    const theirs = lines.slice(at + 1, at + 4);
    const stripAnsi = (x: string) => x.replace(/\u001b\[[0-9;]*m/g, '');

    const r = recap(events);
    const coloured = renderRecap(r, { color: true }).split('\n');
    const plain = renderRecap(r, { color: false }).split('\n');
    t.is(plain[0], stripAnsi(lines[at]), 'the banner');
    for (let i = 0; i < 3; i++) {
      t.true(coloured[i + 1].startsWith(theirs[i]), `coloured row\nours:   ${JSON.stringify(coloured[i + 1])}\ntheirs: ${JSON.stringify(theirs[i])}`);
      t.true(plain[i + 1].startsWith(stripAnsi(theirs[i])), `plain row\nours:   ${plain[i + 1]}\ntheirs: ${stripAnsi(theirs[i])}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
