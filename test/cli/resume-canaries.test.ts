// `resume` after a rollout stopped: canaries the first run passed proved their variant, so the
// resumed run picks canaries only for variants nobody proved (per:), and only as many as
// `count:` still misses (none once the first run's canary stage passed). Local hosts, real files, the real journal.
import test, { type ExecutionContext } from 'ava';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cli } from '../helpers/cli.js';

/** Five local hosts; variants a b a b a; a host fails its check while fail-<host> exists. */
function fleet(canary: string, serial: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'remediate-resume-c-'));
  const variants = ['a', 'b', 'a', 'b', 'a'];
  const lines = variants.map((v, i) => {
    mkdirSync(path.join(dir, `box${i + 1}`));
    return `box${i + 1} ansible_connection=local root=${path.join(dir, `box${i + 1}`)} variant=${v}`;
  });
  writeFileSync(path.join(dir, 'inv.ini'), `[web]\n${lines.join('\n')}\n`);
  writeFileSync(path.join(dir, 'site.yml'), `
- name: fix
  hosts: web
  rollout:
    canary: ${canary}
    serial: ${serial}
    max_fail_percentage: 0
  rollback: none
  tasks:
    - name: fixed
      copy: { dest: "{{ root }}/fixed", content: "yes\\n" }
    - name: still healthy
      shell: { script: 'test ! -e "{{ root }}/../fail-{{ inventory_hostname }}"', stateless: true }
`);
  return { dir, env: { XDG_STATE_HOME: path.join(dir, 'state') }, journal: path.join(dir, 'journal.db') };
}

/** `show RUN` as host → "status, canary?" */
async function hostsOf(f: ReturnType<typeof fleet>, run: string): Promise<Record<string, string>> {
  const show = await cli(['show', run, '--journal', f.journal], { cwd: f.dir, env: f.env });
  const out: Record<string, string> = {};
  for (const m of show.out.matchAll(/^(box\d): (\w+)( \(canary\))?, batch \d+$/gm)) out[m[1]] = m[2] + (m[3] ? ' canary' : '');
  return out;
}

const runIdOf = (err: string) => /Run (\S+):/.exec(err)?.[1] ?? '';

/** A first apply whose canary box2 fails (box1's passes), then `resume` once box2 is healthy. */
async function canaryFailedThenResumed(t: ExecutionContext, canary: string) {
  const f = fleet(canary, '[10]');
  writeFileSync(path.join(f.dir, 'fail-box2'), '');
  const first = await cli(['apply', 'site.yml', '-i', 'inv.ini', '--yes', '--journal', f.journal], { cwd: f.dir, env: f.env });
  t.not(first.code, 0, first.out + first.err);
  t.regex(first.out + first.err, /canary: box2 failed/);
  const run = runIdOf(first.err);
  t.deepEqual(await hostsOf(f, run), { box1: 'changed canary', box2: 'failed canary' }, 'the others never started');
  rmSync(path.join(f.dir, 'fail-box2'));
  const r = await cli(['resume', run, '--yes', '--journal', f.journal], { cwd: f.dir, env: f.env });
  t.is(r.code, 0, r.out + r.err);
  t.regex(r.err, /Its canary stage passed in part \(box1\): those count, and the resumed run picks only the canaries still missing/);
  return { f, run };
}

test('per: a resumed run picks canaries only for variants its first run did not prove', async (t) => {
  const { f, run } = await canaryFailedThenResumed(t, '{ per: "variant" }');
  // variant a was proven by box1: box3 and box5 go with the batch; b's canary failed: box4 proves it
  t.deepEqual(await hostsOf(f, run), { box1: 'changed canary', box2: 'failed canary', box3: 'changed', box4: 'changed canary', box5: 'changed' });
  for (const b of ['box3', 'box4', 'box5']) t.is(readFileSync(path.join(f.dir, b, 'fixed'), 'utf8'), 'yes\n', b);
});

test('count: a resumed run whose first run passed its canary stage has none', async (t) => {
  const f = fleet('{ count: 1 }', '[1, 10]');
  writeFileSync(path.join(f.dir, 'fail-box2'), '');
  const first = await cli(['apply', 'site.yml', '-i', 'inv.ini', '--yes', '--journal', f.journal], { cwd: f.dir, env: f.env });
  t.not(first.code, 0, first.out + first.err);
  t.regex(first.out + first.err, /batch 1/);
  const run = runIdOf(first.err);
  t.deepEqual(await hostsOf(f, run), { box1: 'changed canary', box2: 'failed' }, 'the others never started');

  rmSync(path.join(f.dir, 'fail-box2'));
  const r = await cli(['resume', run, '--yes', '--journal', f.journal], { cwd: f.dir, env: f.env });
  t.is(r.code, 0, r.out + r.err);
  t.regex(r.err, /Its canary stage passed \(box1\)/);
  t.deepEqual(await hostsOf(f, run), { box1: 'changed canary', box2: 'failed', box3: 'changed', box4: 'changed', box5: 'changed' });
});

test('count: a resumed run whose canary stage passed in part picks only the missing canaries', async (t) => {
  const { f, run } = await canaryFailedThenResumed(t, '{ count: 2 }');
  // box1 passed: one of the two canaries is missing, so box3 alone is the resumed run's canary
  t.deepEqual(await hostsOf(f, run), { box1: 'changed canary', box2: 'failed canary', box3: 'changed canary', box4: 'changed', box5: 'changed' });
});

test('after a pilot run on some hosts, the fleet run takes its canaries from the hosts it changes', async (t) => {
  const f = fleet('{ count: 1 }', '[10]');
  const pilot = await cli(['apply', 'site.yml', '-i', 'inv.ini', '-l', 'box1,box2', '--yes', '--journal', f.journal], { cwd: f.dir, env: f.env });
  t.is(pilot.code, 0, pilot.out + pilot.err);
  const all = await cli(['apply', 'site.yml', '-i', 'inv.ini', '--yes', '--journal', f.journal], { cwd: f.dir, env: f.env });
  t.is(all.code, 0, all.out + all.err);
  // box1 and box2 have nothing left to change: box3 is the first host whose change the canary proves
  t.deepEqual(await hostsOf(f, /\[run (\S+)\]/.exec(all.out)?.[1] ?? ""), { box1: "ok", box2: 'ok', box3: 'changed canary', box4: 'changed', box5: 'changed' });
});
