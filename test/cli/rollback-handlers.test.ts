// A rollback puts files back *and* has the running service pick them up: the handlers the
// undone steps notified (reload after the ini, full restart after envvars) run again, so a
// lab master that ran with LD_PRELOAD after the apply is leaking again after the rollback,
// exactly as before the run — not just byte-identical on disk.
import test, { type ExecutionContext } from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { labUp, labDown, labStatus } from '../helpers/lab.js';
import { cli } from '../helpers/cli.js';

test.serial('rollback re-runs the notified handlers: the lab is back in fact (at_risk, hashes) not only on disk', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'remediate-rbh-'));
  const inventory = path.join(dir, 'lab.yml');
  const journal = path.join(dir, 'journal.db');
  await labUp({ hosts: 8, profile: 'incident', seed: 1, inventoryPath: inventory, basePort: 0 });
  t.teardown(() => labDown(inventory).then(() => undefined));
  const status = async () => new Map((await labStatus(inventory, { perHost: true, hash: true })).perHost!.map((h) => [h.host, h]));
  const before = await status();

  const a = await cli(['apply', path.resolve('playbooks/imagick.yml'), '-i', inventory, '--yes', '--journal', journal, '-e', 'canary_reloads=2', '-e', 'restart_stagger=0s'], { cwd: dir });
  t.is(a.code, 0, a.err.slice(-1500));
  const applied = await status();
  const preloaded = [...before.keys()].filter((h) => before.get(h)!.alive && before.get(h)!.at_risk && !applied.get(h)!.at_risk);
  t.true(preloaded.length > 0, 'the apply made some leaking masters safe');

  // The product sees it too: a master started with libgomp in LD_PRELOAD does not leak,
  // right after the restart (no reloads yet to measure growth on).
  const report = path.join(dir, 'check.json');
  await cli(['check', path.resolve('playbooks/imagick.yml'), '-i', inventory, '--report', `json:${report}`], { cwd: dir });
  const rows = new Map((JSON.parse(readFileSync(report, 'utf8')) as { hosts: { host: string; evidence: { leak?: { leaking: boolean | null; detail: string } } }[] }).hosts.map((h) => [h.host, h]));
  for (const h of preloaded) t.is(rows.get(h)?.evidence.leak?.leaking, false, `${h}: ${rows.get(h)?.evidence.leak?.detail}`);

  const runs = await cli(['runs', '--json', '--journal', journal], { cwd: dir });
  const runId = (JSON.parse(runs.out) as { id: string }[])[0].id;
  const rb = await cli(['rollback', runId, '--yes', '--journal', journal], { cwd: dir });
  t.is(rb.code, 0, rb.out.slice(-1500) + rb.err.slice(-1500));
  t.regex(rb.out, /changed: \[\S+\] full restart/);
  t.regex(rb.out, /changed: \[\S+\] graceful reload/);
  const after = await status();
  for (const [h, b] of before) {
    t.is(after.get(h)!.hash, b.hash, `${h}: durable state restored`);
    t.is(after.get(h)!.at_risk, b.at_risk, `${h}: the running master is as before the run`);
    t.true(after.get(h)!.alive, `${h} alive`);
  }
});

/** One local host (its `root` an inventory var), a playbook applied to it; the run's id. */
async function appliedLocally(t: ExecutionContext, site: string, extra: string[] = []) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'remediate-rbl-'));
  const journal = path.join(dir, 'journal.db');
  writeFileSync(path.join(dir, 'inv.ini'), `box1 ansible_connection=local root=${dir}\n`);
  writeFileSync(path.join(dir, 'site.yml'), site);
  const opts = { cwd: dir, env: { XDG_STATE_HOME: path.join(dir, 'state') } };
  const a = await cli(['apply', 'site.yml', '-i', 'inv.ini', '--yes', '--journal', journal, ...extra], opts);
  t.is(a.code, 0, a.out + a.err);
  const runs = await cli(['runs', '--json', '--journal', journal], opts);
  const runId = (JSON.parse(runs.out) as { id: string }[])[0].id;
  const handlersLog = () => readFileSync(path.join(dir, 'handlers.log'), 'utf8').trim().split('\n');
  return { runId, handlersLog, cli: (argv: string[]) => cli([...argv, '--journal', journal], opts) };
}

test('rollback runs the handlers with the run\'s own variables: its -e values and its inventory\'s', async (t) => {
  // `root` comes from the inventory, `stagger` from the play, overridden with -e on the apply
  const r = await appliedLocally(t, `
- hosts: all
  vars:
    stagger: 30s
  tasks:
    - name: config
      copy: { dest: "{{ root }}/app.conf", content: "fixed\\n" }
      notify: restart
  handlers:
    - name: restart
      shell: { script: 'echo "restart, stagger {{ stagger }}" >> "{{ root }}/handlers.log"', stateless: true }
`, ['-e', 'stagger=0s']);
  const rb = await r.cli(['rollback', r.runId, '--yes']);
  t.is(rb.code, 0, rb.out + rb.err);
  t.deepEqual(r.handlersLog(), ['restart, stagger 0s', 'restart, stagger 0s'], 'the apply\'s restart, then the rollback\'s, with the same variables');
});

test('show lists the restarts and reloads a run made, handlers marked, with the durable steps', async (t) => {
  const r = await appliedLocally(t, `
- hosts: all
  tasks:
    - name: config
      copy: { dest: "{{ root }}/app.conf", content: "fixed\\n" }
      notify: restart
    - name: health
      shell: { script: 'test -e "{{ root }}/app.conf"', stateless: true }
  handlers:
    - name: unused
      shell: { script: 'true', stateless: true }
    - name: restart
      shell: { script: 'echo restarted >> "{{ root }}/handlers.log"', stateless: true }
`);
  const show = await r.cli(['show', r.runId]);
  const steps = show.out.split('\n').filter((l) => /^\s+(handler )?#\d/.test(l)).map((l) => l.trim().replace(/:.*→/, ' →'));
  t.deepEqual(steps, ['#0 config [copy, reversible] → changed', '#1 health [shell, stateless] → ok', 'handler #1 restart [shell, stateless] → ok']);
  // the rollback undoes the config only; the restart runs again as its handler
  const rb = await r.cli(['rollback', r.runId, '--yes']);
  t.is(rb.code, 0, rb.out + rb.err);
  t.regex(rb.out, /1 step\(s\) on 1 host/);
  t.deepEqual(r.handlersLog(), ['restarted', 'restarted']);
  // and the rollback's own restart is on record, under the rollback run
  const runs = await r.cli(['runs', '--json']);
  const rbRun = (JSON.parse(runs.out) as { id: string; command: string }[]).find((x) => x.command === 'rollback')!;
  const rbShow = await r.cli(['show', rbRun.id]);
  t.deepEqual(rbShow.out.split('\n').filter((l) => /^\s+(handler )?#\d/.test(l)).map((l) => l.trim().replace(/:.*→/, ' →')), ['handler #1 restart [shell, stateless] → ok']);
});
