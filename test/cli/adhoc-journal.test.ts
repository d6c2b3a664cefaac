// `remediate run` (ad hoc, like ansible -m raw) is journalled like any run: who ran which
// command where, and each host's exit code, for `runs` and `show`; the command is an
// irreversible step, so `rollback` refuses it up front and `resume` has nothing to finish.
// `-b` runs it through sudo.
import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cli } from '../helpers/cli.js';
import { labDown, labUp } from '../helpers/lab.js';

test('an ad-hoc run is in the journal: runs lists it, show gives each host\'s outcome; rollback and resume refuse it', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'remediate-adhoc-'));
  writeFileSync(path.join(dir, 'inv.ini'), 'box1 ansible_connection=local\nbox2 ansible_connection=local\n');
  const opts = { cwd: dir, env: { XDG_STATE_HOME: path.join(dir, 'state') } };
  const journal = path.join(dir, 'journal.db');
  const r = await cli(['run', 'all', '-i', 'inv.ini', '--journal', journal, '--', 'printf hello; exit 3'], opts);
  t.is(r.code, 2, r.out + r.err);

  const runs = await cli(['runs', '--json', '--journal', journal], opts);
  const [run] = JSON.parse(runs.out) as { id: string; command: string; status: string; hosts: number; hostStatus: Record<string, number> }[];
  t.like(run, { command: 'run', status: 'partial', hosts: 2, hostStatus: { failed: 2 } });

  const show = await cli(['show', run.id, '--journal', journal], opts);
  t.is(show.code, 0, show.err);
  t.regex(show.out, /box1: failed/);
  t.regex(show.out, /box2: failed/);
  t.regex(show.out, /printf hello; exit 3/, 'the command that ran');
  t.regex(show.out, /rc=3/);

  const rb = await cli(['rollback', run.id, '--yes', '--journal', journal], opts);
  t.is(rb.code, 64);
  t.regex(rb.err, /ad-hoc command .* no inverse, so there is nothing to roll back/);
  const resume = await cli(['resume', run.id, '--yes', '--journal', journal], opts);
  t.is(resume.code, 64);
  t.regex(resume.err, /only apply runs can be resumed/);
});

test('run -b runs the command through sudo (root), --become-user as that user, and without it as the login user', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'remediate-adhoc-b-'));
  const inventory = path.join(dir, 'lab.yml');
  await labUp({ hosts: 2, profile: 'incident', seed: 1, inventoryPath: inventory, basePort: 0 });
  t.teardown(() => labDown(inventory).then(() => undefined));
  const opts = { cwd: dir, env: { XDG_STATE_HOME: path.join(dir, 'state') } };
  const uids = async (...flags: string[]) => {
    const r = await cli(['run', 'all', '-i', inventory, ...flags, '--json', '--', 'id -u'], opts);
    t.is(r.code, 0, r.out + r.err);
    return r.out.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; stdout?: string }).filter((e) => e.kind === 'host.step').map((e) => e.stdout?.trim());
  };
  t.deepEqual(await uids(), ['1000', '1000']);
  t.deepEqual(await uids('-b'), ['0', '0']);
  t.deepEqual(await uids('--become-user', 'www-data'), ['33', '33']);
});
