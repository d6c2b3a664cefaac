// A fleet always has a few hosts the plan cannot reach. They used to be canaries of their own
// (no facts, so no variant key), and an unreachable canary stops the rollout: apply never got
// past its first stage. Now canaries come from the hosts the plan reached and read; the others go
// with the batches, where unreachable is not failed, and every reachable host gets its fix.
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startLab } from '../../src/lab/lab.js';
import { cli } from '../helpers/cli.js';

test('apply: hosts the plan could not reach are no canaries; the rollout goes on and fixes the rest', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'remediate-canary-'));
  const lab = await startLab({
    hosts: 8, profile: 'incident', seed: 2, inventoryPath: join(dir, 'lab.yml'), basePort: 0,
    faults: { 0: { unreachable: true }, 1: { authFailure: true }, 2: { changedHostKey: true } },
  });
  t.teardown(async () => { await lab.close(); rmSync(dir, { recursive: true, force: true }); });
  const down = ['web-0001', 'web-0002', 'web-0003'];
  const before = lab.status({ perHost: true }).perHost!;
  t.true(before.filter((h) => !down.includes(h.host)).some((h) => h.at_risk), 'some reachable host is at risk before');

  const r = await cli(['apply', resolve('playbooks/imagick.yml'), '-i', lab.inventoryPath, '--journal', join(dir, 'j.db'), '--yes',
    '-e', 'canary_reloads=3', '-e', 'restart_stagger=0s'], { cwd: dir, env: { XDG_STATE_HOME: join(dir, 'state') } });
  const schedule = /canary \d+ host\(s\) \(one per .*?\]\): ([^\n]*)/.exec(r.out);
  t.truthy(schedule, r.out.slice(-3000));
  for (const h of down) t.false(schedule![1].includes(h), `${h} is no canary: ${schedule![1]}`);
  t.notRegex(r.out, /rollout stopped/);
  t.is(r.code, 4, 'unreachable hosts, and nothing failed');
  for (const h of down) t.regex(r.out, new RegExp(`^${h} +: ok=0 +changed=0 +unreachable=1 +failed=0`, 'm'));
  const after = lab.status({ perHost: true }).perHost!;
  for (const h of after) {
    if (down.includes(h.host)) t.is(h.mutations, 0, `${h.host} untouched`);
    else t.like(h, { alive: true, at_risk: false }, h.host);
  }
});
