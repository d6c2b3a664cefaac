// `check` over a 300-host lab: its verdicts match the lab's own ground truth (lab status),
// host by host; after `lab advance`, history shows the leaking hosts' keys growing.
import test from 'ava';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { labUp, labDown, labStatus, labAdvance } from '../helpers/lab.js';
import { cli } from '../helpers/cli.js';

const HOSTS = 300;

test.serial('check over a 300-host lab agrees with the lab, host by host; history sees keys grow after lab advance', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'remediate-labcheck-'));
  const inventory = path.join(dir, 'lab.yml');
  const journal = path.join(dir, 'journal.db');
  const playbook = path.resolve('playbooks/imagick.yml');
  await labUp({ hosts: HOSTS, profile: 'incident', seed: 11, inventoryPath: inventory, basePort: 0 });
  t.teardown(() => labDown(inventory).then(() => undefined));
  const truth = await labStatus(inventory, { perHost: true });
  t.is(truth.perHost!.length, HOSTS);

  const report = path.join(dir, 'check.json');
  const r = await cli(['check', playbook, '-i', inventory, '--journal', journal, '--report', `json:${report}`], { cwd: dir });
  t.true(r.code === 8 || r.code === 24, `non-compliant fleet: exit ${r.code}\n${r.err.slice(-2000)}`);
  const rows = (JSON.parse(readFileSync(report, 'utf8')) as { hosts: { host: string; keys_in_use: number | null; risk: string; evidence: { leak?: { leaking: boolean | null } }; assertions: { id: string; status: string; observed?: Record<string, unknown> }[] }[] }).hosts;
  const byHost = new Map(rows.map((h) => [h.host, h]));
  t.is(byHost.size, HOSTS, 'every host has a row');
  const mismatches: string[] = [];
  for (const h of truth.perHost!) {
    const row = byHost.get(h.host);
    if (!row) { mismatches.push(`${h.host}: no row`); continue; }
    if (!h.alive) {
      if (row.risk !== 'critical') mismatches.push(`${h.host}: dead master, product says ${row.risk}`);
      continue;
    }
    if (row.keys_in_use !== h.keys_in_use) mismatches.push(`${h.host}: keys lab ${h.keys_in_use}, product ${row.keys_in_use}`);
    const leaking = row.evidence.leak?.leaking ?? null;
    if (leaking !== h.at_risk) mismatches.push(`${h.host}: leaking lab ${h.at_risk}, product ${leaking}`);
  }
  // What a failed no-key-leak assertion shows as observed is the verdict the evidence gives.
  for (const row of rows) {
    const a = row.assertions.find((x) => x.id === 'no-key-leak');
    if (a?.status === 'fail' && a.observed?.['facts.leak.leaking'] !== (row.evidence.leak?.leaking ?? null)) mismatches.push(`${row.host}: no-key-leak observed ${JSON.stringify(a.observed)}, evidence ${row.evidence.leak?.leaking}`);
  }
  t.deepEqual(mismatches.slice(0, 20), [], `${mismatches.length} of ${HOSTS} hosts disagree`);

  await labAdvance(inventory, 3);
  const after = new Map((await labStatus(inventory, { perHost: true })).perHost!.map((h) => [h.host, h]));
  const r2 = await cli(['check', playbook, '-i', inventory, '--journal', journal], { cwd: dir });
  t.true(r2.code === 8 || r2.code === 24, r2.err.slice(-1000));
  const hist = await cli(['history', '--json', '--journal', journal], { cwd: dir });
  t.is(hist.code, 0, hist.err);
  // Leaking masters still alive after the 3 days (some die on the way, as in the incident).
  const leaking = truth.perHost!.filter((h) => h.at_risk && h.alive && after.get(h.host)!.alive).map((h) => h.host);
  t.true(leaking.length > 0);
  const trends = new Map((JSON.parse(hist.out) as { trends: { host: string; delta: number | null; growing: boolean; per_day: number | null }[] }).trends.map((x) => [x.host, x]));
  // 3 simulated days = 3 logrotate reloads: each leaking master gained 3 keys, the others none;
  // a key a day on the hosts' clocks (the checks ran seconds apart on the controller's).
  for (const h of leaking) {
    t.like(trends.get(h), { delta: 3, growing: true }, `${h}: ${JSON.stringify(trends.get(h))}`);
    t.true(Math.abs((trends.get(h)?.per_day ?? 0) - 1) < 0.02, `${h}: ${trends.get(h)?.per_day} keys/day`);
  }
  const fixed = truth.perHost!.filter((h) => !h.at_risk && h.alive).map((h) => h.host);
  for (const h of fixed) t.false(trends.get(h)?.growing ?? false, h);
});
