// Saved plans on a lab fleet: `plan --out` writes what `apply --plan` executes; a host changed
// behind the plan's back is refused (what changed is listed) and left exactly as it was, the
// rest are applied; a changed playbook or -e refuses the whole plan, touching nothing.
import test from 'ava';
import { copyFileSync, mkdtempSync, readFileSync, appendFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { labUp, labDown, labStatus } from '../helpers/lab.js';
import { cli } from '../helpers/cli.js';
import type { SavedPlan } from '../../src/plan/saved-plan.js';

const HOSTS = 24;

test.serial('plan --out, drift on one host, apply --plan refuses it and applies the rest', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'remediate-savedplan-'));
  const inventory = path.join(dir, 'lab.yml');
  const journal = path.join(dir, 'journal.db');
  const planFile = path.join(dir, 'plan.json');
  const playbook = path.join(dir, 'imagick.yml');
  copyFileSync(path.resolve('playbooks/imagick.yml'), playbook);
  await labUp({ hosts: HOSTS, profile: 'incident', seed: 5, inventoryPath: inventory, basePort: 0 });
  t.teardown(() => labDown(inventory).then(() => undefined));
  const mutations = async () => new Map((await labStatus(inventory, { perHost: true, hash: true })).perHost!.map((h) => [h.host, { m: h.mutations, hash: h.hash }]));

  const p = await cli(['plan', playbook, '-i', inventory, '--out', planFile, '-e', 'canary_reloads=2', '-e', 'restart_stagger=0s'], { cwd: dir });
  t.is(p.code, 0, p.err.slice(-2000));
  t.regex(p.out, /Schedule for 'imagick\/libgomp pthread-key leak' \(24 hosts\): canary \d+ host\(s\)/);
  t.regex(p.out, /estimated duration: ~\d/);
  const saved = JSON.parse(readFileSync(planFile, 'utf8')) as SavedPlan;
  t.is(Object.keys(saved.hosts).length, HOSTS);
  const canaries = Object.entries(saved.hosts).filter(([, h]) => h.canary).map(([h]) => h);
  t.true(canaries.length > 0);
  // Canaries are planned as canaries: their reload loop is in the plan.
  for (const h of canaries) t.true(saved.hosts[h].steps.some((s) => s.module === 'canary_reload' && s.status === 'change'), h);
  const before = await mutations();
  for (const [h, v] of before) t.is(v.m, 0, `plan mutated ${h}`);

  // The whole plan is refused when the playbook or the variables change.
  appendFileSync(playbook, '\n# edited after the plan\n');
  const stale = await cli(['apply', '--plan', planFile, '--journal', journal], { cwd: dir });
  t.is(stale.code, 65, stale.err);
  t.regex(stale.err, /playbook .*changed since the plan/);
  copyFileSync(path.resolve('playbooks/imagick.yml'), playbook);
  const withVars = await cli(['apply', '--plan', planFile, '-e', 'canary_reloads=9', '--journal', journal], { cwd: dir });
  t.is(withVars.code, 64, withVars.err);
  for (const [h, v] of await mutations()) t.is(v.m, 0, `a refused plan touched ${h}`);

  // Someone sets the ini on one non-canary host by hand after the plan was made.
  const victim = Object.keys(saved.hosts).find((h) => !saved.hosts[h].canary && saved.hosts[h].steps.some((s) => s.module === 'ini' && s.status === 'change'))!;
  const drop = /\+\+\+ (\S+)/.exec(saved.hosts[victim].steps.find((s) => s.module === 'ini')!.diff!)![1];
  const hand = await cli(['run', victim, '-i', inventory, '--', `sudo -n sh -c 'printf "imagick.set_single_thread = 0\\n" > ${drop}'`], { cwd: dir });
  t.is(hand.code, 0, hand.err);
  const drifted = (await mutations()).get(victim)!;

  const a = await cli(['apply', '--plan', planFile, '--journal', journal, '--json'], { cwd: dir });
  t.is(a.code, 2, `one host refused: exit 2 (failed)\n${a.err.slice(-2000)}`);
  t.regex(a.err, new RegExp(`Drift since the plan: 1 host\\(s\\) refused[\\s\\S]*${victim}: .*setSingleThread\\.value: \\(absent\\) → "0"`));
  const ends = a.out.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; host?: string; status?: string; msg?: string }).filter((e) => e.kind === 'host.end');
  const endOf = new Map(ends.map((e) => [e.host!, e]));
  t.is(endOf.size, HOSTS, 'every host of the plan is accounted for');
  t.like(endOf.get(victim), { status: 'failed' });
  t.regex(endOf.get(victim)!.msg!, /refused: drifted since the plan/);
  const after = await mutations();
  t.deepEqual(after.get(victim), drifted, 'the refused host was not touched');
  for (const h of Object.keys(saved.hosts)) {
    if (h === victim) continue;
    const planned = saved.hosts[h].steps.some((s) => s.status === 'change');
    t.is(endOf.get(h)!.status, planned ? 'changed' : 'ok', `${h}: ${endOf.get(h)!.msg ?? ''}`);
    if (planned) t.true(after.get(h)!.m > 0, `${h} was applied`);
  }

  // The journal has the refused host, failed and untouched.
  const show = await cli(['show', a.err.match(/Run (\S+):/)?.[1] ?? '', '--host', victim, '--journal', journal], { cwd: dir });
  t.is(show.code, 0, show.err);
  t.regex(show.out, new RegExp(`${victim}: failed, batch 0\\n  why: refused: drifted since the plan: facts\\.php_extension`));
});
