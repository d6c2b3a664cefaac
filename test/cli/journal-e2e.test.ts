// The journal end to end over the local transport: rollback restores exact bytes and modes,
// the `host` rollback policy undoes a failed host by itself, and an interrupted run resumes.
import test from 'ava';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, existsSync, statSync, chmodSync } from 'node:fs';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { cli } from '../helpers/cli.js';

function workspace(hosts = 3): { dir: string; env: Record<string, string> } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'remediate-journal-'));
  const lines = ['[web]'];
  for (let i = 1; i <= hosts; i++) lines.push(`box${i} ansible_connection=local root=${path.join(dir, `box${i}`)}`);
  writeFileSync(path.join(dir, 'inv.ini'), lines.join('\n') + '\n');
  for (let i = 1; i <= hosts; i++) {
    const root = path.join(dir, `box${i}`);
    mkdirSync(root, { recursive: true });
    writeFileSync(path.join(root, 'php.ini'), `; box${i}\nimagick.set_single_thread = 0\n`);
    chmodSync(path.join(root, 'php.ini'), 0o604);
  }
  return { dir, env: { XDG_STATE_HOME: path.join(dir, 'state') } };
}


const PLAY = (extra = '') => `
- name: fix
  hosts: web
  rollback: host
  tasks:
    - name: set single thread
      copy:
        dest: "{{ root }}/php.ini"
        content: "; managed\\nimagick.set_single_thread = 1\\n"
        mode: "0644"
${extra}`;

test('rollback RUN restores every file byte-identical with its mode', async (t) => {
  const { dir, env } = workspace();
  writeFileSync(path.join(dir, 'site.yml'), PLAY());
  const before = [1, 2, 3].map((i) => readFileSync(path.join(dir, `box${i}`, 'php.ini')));
  const a = await cli(['apply', 'site.yml', '-i', 'inv.ini', '--yes'], { cwd: dir, env });
  t.is(a.code, 0, a.out + a.err);
  t.regex(readFileSync(path.join(dir, 'box2', 'php.ini'), 'utf8'), /= 1/);

  const runs = await cli(['runs', '--json'], { cwd: dir, env });
  const list = JSON.parse(runs.out);
  t.is(list[0].status, 'succeeded');
  t.is(list[0].hosts, 3);

  const show = await cli(['show', list[0].id, '--host', 'box2'], { cwd: dir, env });
  t.regex(show.out, /set single thread \[copy, reversible\]/);

  const refused = await cli(['rollback', list[0].id], { cwd: dir, env });
  t.is(refused.code, 65);
  const rb = await cli(['rollback', list[0].id, '--yes'], { cwd: dir, env });
  t.is(rb.code, 0, rb.out + rb.err);
  [1, 2, 3].forEach((i) => {
    t.deepEqual(readFileSync(path.join(dir, `box${i}`, 'php.ini')), before[i - 1]);
    t.is(statSync(path.join(dir, `box${i}`, 'php.ini')).mode & 0o777, 0o604);
  });
  const after = JSON.parse((await cli(['runs', '--json'], { cwd: dir, env })).out);
  t.is(after.find((r: { id: string }) => r.id === list[0].id).status, 'rolled_back');
});

test('rollback: host undoes a host that fails a later step, and only that host', async (t) => {
  const { dir, env } = workspace();
  writeFileSync(path.join(dir, 'site.yml'), PLAY(`    - name: health gate
      shell: { script: 'test "{{ inventory_hostname }}" != box2', stateless: true }
`));
  const a = await cli(['apply', 'site.yml', '-i', 'inv.ini', '--yes', '--json'], { cwd: dir, env });
  t.is(a.code & 2, 2);
  const events = a.out.trim().split('\n').map((l) => JSON.parse(l));
  t.deepEqual(events.filter((e) => e.kind === 'host.rollback').map((e) => [e.host, e.status]), [['box2', 'restored']]);
  t.regex(readFileSync(path.join(dir, 'box2', 'php.ini'), 'utf8'), /; box2\nimagick.set_single_thread = 0/);
  t.regex(readFileSync(path.join(dir, 'box1', 'php.ini'), 'utf8'), /= 1/);
});

test('SIGINT mid-run: run recorded aborted, resume finishes the rest without redoing done hosts', async (t) => {
  const { dir, env } = workspace(4);
  const marker = `remediate-test-${process.pid}-${Date.now()}`;
  writeFileSync(path.join(dir, 'site.yml'), PLAY(`    - name: operator hits Ctrl-C during box2
      shell: { script: 'if [ "{{ inventory_hostname }}" = box2 ] && [ ! -e {{ root }}/../interrupted ]; then touch {{ root }}/../interrupted; pkill -INT -f "[m]arker=${marker}"; sleep 1; fi', stateless: true }
`).replace('rollback: host', 'rollback: host\n  rollout: { serial: 1 }'));
  const main = path.resolve('src/cli/main.ts');
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), main, 'apply', 'site.yml', '-i', 'inv.ini', '--yes', '-e', `marker=${marker}`], { cwd: dir, env: { ...process.env, ...env, NO_COLOR: '1' } });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  t.is(code, 130, out);
  const runs = JSON.parse((await cli(['runs', '--json'], { cwd: dir, env })).out);
  t.is(runs[0].status, 'aborted');
  t.false(readFileSync(path.join(dir, 'box3', 'php.ini'), 'utf8').includes('= 1'), 'no new host starts after the signal');

  const r = await cli(['resume', runs[0].id, '--yes', '--json'], { cwd: dir, env });
  t.is(r.code, 0, r.out + r.err);
  const started = r.out.trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.kind === 'host.start').map((e) => e.host);
  t.deepEqual(started.sort(), ['box3', 'box4']);
  for (const i of [1, 2, 3, 4]) t.regex(readFileSync(path.join(dir, `box${i}`, 'php.ini'), 'utf8'), /= 1/);
  const final = JSON.parse((await cli(['runs', '--json'], { cwd: dir, env })).out);
  t.is(final[0].status, 'succeeded');
  t.true(existsSync(path.join(dir, 'interrupted')));
});
