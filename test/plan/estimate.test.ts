// The plan's estimated duration: per-host cost = measured detect+plan + its changed steps;
// a stage on N slots lasts max(longest host, total / N); stages add up, with pauses between.
import test from 'ava';
import { estimateRollout, hostEstimateMs, humanMs } from '../../src/plan/estimate.js';
import { planRollout } from '../../src/executor/rollout.js';
import type { HostPlan } from '../../src/plan/types.js';
import type { Rollout } from '../../src/playbook/types.js';

const hp = (ms: number, steps: HostPlan['steps']): HostPlan => ({ host: 'h', status: 'planned', steps, canary: false, ms });

test('host cost: detect time plus changed/unknown steps; ok and skipped steps cost nothing more', (t) => {
  t.is(hostEstimateMs(hp(1000, [
    { task: 'a', status: 'change', module: 'ini' },                      // default 300
    { task: 'b', status: 'change', module: 'package' },                  // default 30 s
    { task: 'c', status: 'change', module: 'canary_reload', estimateMs: 5000 }, // module's own
    { task: 'd', status: 'ok', module: 'package' },
    { task: 'e', status: 'skip', module: 'package' },
    { task: 'f', status: 'unknown', module: 'service' },                 // default 2 s
  ])), 1000 + 300 + 30_000 + 5000 + 2000);
});

test('host cost: a task\'s time measured in earlier runs wins over the module\'s estimate and the default', (t) => {
  const measured = (module: string, task: string) => (module === 'package' && task === 'b' ? 4200 : task === 'c' ? 900 : undefined);
  t.is(hostEstimateMs(hp(1000, [
    { task: 'a', status: 'change', module: 'ini' },                      // not measured: default 300
    { task: 'b', status: 'change', module: 'package' },                  // measured 4.2 s, not 30 s
    { task: 'c', status: 'change', module: 'canary_reload', estimateMs: 5000 }, // measured 0.9 s
    { task: 'b', status: 'ok', module: 'package' },                      // no change: nothing
  ]), measured), 1000 + 300 + 4200 + 900);
});

const rollout = (o: Partial<Rollout> = {}): Rollout => ({ serial: [1, '50%'], concurrency: 2, order: 'inventory', unreachableCountsAsFailed: false, ...o });

const cases: { title: string; hosts: number; costMs: (h: string) => number; r: Rollout; forks: number; stages: number[]; totalMs: number }[] = [
  { title: 'one slow host bounds its stage', hosts: 5, costMs: (h) => (h === 'h1' ? 60_000 : 1000), r: rollout(), forks: 2, stages: [1000, 60_000, 1000], totalMs: 62_000 },
  { title: 'many equal hosts: total / forks', hosts: 9, costMs: () => 1000, r: rollout({ serial: [] }), forks: 3, stages: [3000], totalMs: 3000 },
  { title: 'pauses between stages count', hosts: 4, costMs: () => 1000, r: rollout({ serial: [1], pause: { seconds: 10 } }), forks: 1, stages: [1000, 1000, 1000, 1000], totalMs: 4000 + 30_000 },
];

for (const c of cases) {
  test(c.title, (t) => {
    const hosts = Array.from({ length: c.hosts }, (_, i) => `h${i}`);
    const e = estimateRollout(planRollout(hosts, c.r, { seed: 1 }), c.r, c.forks, c.costMs);
    t.deepEqual(e.stages.map((s) => s.ms), c.stages);
    t.is(e.totalMs, c.totalMs);
  });
}

test('the canary is its own first stage', (t) => {
  const r = rollout({ canary: { count: 1, gates: [] }, serial: [] });
  const e = estimateRollout(planRollout(['a', 'b', 'c'], r, { seed: 1 }), r, 5, (h) => (h === 'a' ? 20_000 : 1000));
  t.deepEqual(e.stages.map((s) => [s.label, s.hosts, s.ms]), [['canary', 1, 20_000], ['batch 1', 2, 1000]]);
});

test('durations read like a person would say them', (t) => {
  t.deepEqual([humanMs(4_400), humanMs(125_000), humanMs(3_725_000)], ['4 s', '2 min 5 s', '1 h 2 min']);
});
