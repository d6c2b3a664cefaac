import test from 'ava';
import { planRollout, runRollout } from '../../src/executor/rollout.js';
import type { HostResult, HostSlot } from '../../src/executor/types.js';
import { Fleet, hostNames, rollout, turns } from './fleet.js';
import type { Rollout } from '../../src/playbook/types.js';

const failing = (names: string[], status: HostResult['status'] = 'failed') => (h: string): Partial<HostResult> =>
  names.includes(h) ? { status, msg: 'boom' } : { status: 'changed' };

test('hosts in flight never exceed forks, and forks are all used', async (t) => {
  for (const [concurrency, forks, want] of [[4, undefined, 4], [4, 7, 7], [1, undefined, 1], [50, undefined, 30]] as const) {
    const fleet = new Fleet();
    const r = await runRollout(fleet.options(hostNames(30), rollout({ concurrency }), { forks }));
    t.is(fleet.maxInFlight, want, `concurrency ${concurrency}, forks ${forks}`);
    t.is(fleet.started.length, 30);
    t.is(r.results.size, 30);
  }
});

test('a host keeps its slot for its whole play: a slow host holds one fork until it ends', async (t) => {
  // h01 takes 60 turns; with 2 forks, h02..h10 must go through the single other slot.
  const fleet = new Fleet({ work: (h) => (h === 'h01' ? 60 : 1) });
  await runRollout(fleet.options(hostNames(10), rollout({ concurrency: 2 })));
  t.is(fleet.maxInFlight, 2);
  t.is(fleet.finished.at(-1), 'h01', 'the slow host finished last, the other slot served everyone else');
});

test('serial batches run one after another: no host of batch n+1 starts before batch n ends', async (t) => {
  const fleet = new Fleet();
  const hosts = hostNames(20);
  await runRollout(fleet.options(hosts, rollout({ serial: ['30%'], concurrency: 10 })));
  const starts = fleet.of('batch.start');
  t.deepEqual(starts.map((b) => b.hosts.length), [6, 6, 6, 2]);
  t.deepEqual(starts.map((b) => b.index), [1, 2, 3, 4]);
  let seen = 0;
  for (const b of starts) {
    const batch = new Set(b.hosts);
    // every host of this batch started before any later host
    const firstLater = fleet.started.findIndex((h, i) => i >= seen && !batch.has(h));
    t.true(firstLater === -1 || firstLater >= seen + batch.size, `batch ${b.index}`);
    seen += batch.size;
  }
  t.is(fleet.maxInFlight, 6);
});

test('a task throttle caps that task across hosts, below forks', async (t) => {
  let inside = 0;
  let maxInside = 0;
  const fleet = new Fleet({
    during: async (_h, slot) => {
      await slot.throttle('play\0task 3', 2, async () => {
        inside++;
        maxInside = Math.max(maxInside, inside);
        await turns(3);
        inside--;
      });
    },
  });
  await runRollout(fleet.options(hostNames(24), rollout({ concurrency: 8 })));
  t.is(maxInside, 2);
  t.is(fleet.maxInFlight, 8, 'hosts still hold their slots while waiting for the throttled task');
});

test('max_in_flight_per_group caps each group without holding forks slots while waiting', async (t) => {
  // pool-a first in order (cap 1), pool-b (cap 2), then ungrouped hosts.
  const a = hostNames(8, 'a');
  const b = hostNames(8, 'b');
  const free = hostNames(8, 'f');
  const groupOf = (h: string) => (h.startsWith('a') ? ['web', 'pool-a'] : h.startsWith('b') ? ['web', 'pool-b'] : ['web']);
  const perGroup = new Map<string, number>();
  const maxPerGroup = new Map<string, number>();
  const fleet = new Fleet({
    during: async (h) => {
      for (const g of groupOf(h)) {
        perGroup.set(g, (perGroup.get(g) ?? 0) + 1);
        maxPerGroup.set(g, Math.max(maxPerGroup.get(g) ?? 0, perGroup.get(g) ?? 0));
      }
      await turns(4);
      for (const g of groupOf(h)) perGroup.set(g, (perGroup.get(g) ?? 0) - 1);
    },
  });
  const r = await runRollout(fleet.options([...a, ...b, ...free], rollout({ concurrency: 6, maxInFlightPerGroup: { 'pool-a': 1, 'pool-b': 2 } }), { groupsOf: groupOf }));
  t.is(maxPerGroup.get('pool-a'), 1);
  t.is(maxPerGroup.get('pool-b'), 2);
  t.is(fleet.maxInFlight, 6, 'waiting pool hosts left their forks to the ungrouped ones');
  t.is(r.results.size, 24);
  // the ungrouped hosts did not wait for the pools to drain
  t.true(fleet.started.indexOf('f01') < fleet.started.indexOf('a03'));
});

test('hosts in several capped groups never deadlock (a ring of groups, cap 1 each)', async (t) => {
  const hosts = hostNames(12);
  const groupsOf = (h: string) => {
    const i = Number(h.slice(1)) % 4;
    return [`g${i}`, `g${(i + 1) % 4}`];
  };
  const caps = { g0: 1, g1: 1, g2: 1, g3: 1 };
  const holding = new Set<string>();
  let overlap = false;
  const fleet = new Fleet({
    during: async (h) => {
      for (const g of groupsOf(h)) {
        if (holding.has(g)) overlap = true;
        holding.add(g);
      }
      await turns(2);
      for (const g of groupsOf(h)) holding.delete(g);
    },
  });
  const r = await runRollout(fleet.options(hosts, rollout({ concurrency: 12, maxInFlightPerGroup: caps }), { groupsOf }));
  t.is(r.results.size, 12);
  t.false(overlap, 'no group ever had two hosts in flight');
  t.is(fleet.maxInFlight, 2, 'two hosts with disjoint groups ran together');
});

test('a group cap below 1 is refused up front (it would wait forever)', async (t) => {
  const fleet = new Fleet();
  await t.throwsAsync(runRollout(fleet.options(hostNames(2), rollout({ maxInFlightPerGroup: { lb: 0 } }))), { message: /max_in_flight_per_group\.lb.*at least 1.*found 0/ });
  t.is(fleet.started.length, 0);
});

// max_fail_percentage must be EXCEEDED (Ansible: failed / batch_size > pct / 100).
const thresholdTable = [
  { title: '2 of 10 failed at 20%: equal, goes on', fail: ['h01', 'h02'], max: 20, stops: false },
  { title: '3 of 10 failed at 20%: over, stops', fail: ['h01', 'h02', 'h03'], max: 20, stops: true },
  { title: '1 of 10 failed at 0%: over, stops', fail: ['h05'], max: 0, stops: true },
  { title: '9 of 10 failed at 90%: equal, goes on', fail: hostNames(9), max: 90, stops: false },
  { title: 'no failure at 0%: goes on', fail: [], max: 0, stops: false },
];
for (const row of thresholdTable) {
  test(`threshold: ${row.title}`, async (t) => {
    const fleet = new Fleet({ outcome: failing(row.fail) });
    const r = await runRollout(fleet.options(hostNames(30), rollout({ serial: [10], maxFailPercentage: row.max, concurrency: 10 })));
    const ends = fleet.of('batch.end');
    t.is(ends[0].failed, row.fail.length);
    t.is(ends[0].failedPct, row.fail.length * 10);
    if (row.stops) {
      t.is(ends.length, 1);
      t.true(ends[0].aborted);
      t.is(fleet.started.length, 10, 'no host of a later batch was touched');
      t.regex(r.stopReason ?? '', /max_fail_percentage/);
    } else {
      t.is(ends.length, 3);
      t.is(fleet.started.length, 30);
      t.is(r.stopReason, undefined);
    }
  });
}

test('once a batch is over the threshold, its hosts not yet started are left untouched', async (t) => {
  const fleet = new Fleet({ outcome: failing(['h01', 'h02', 'h03']) });
  const r = await runRollout(fleet.options(hostNames(10), rollout({ serial: [10], maxFailPercentage: 20, concurrency: 1 })));
  t.deepEqual(fleet.started, ['h01', 'h02', 'h03']);
  t.is(r.results.size, 3);
  t.is(fleet.of('batch.end')[0].hosts, 10, 'the percentage stays one of the whole batch');
});

test('without max_fail_percentage only a wholly failed batch stops the rollout', async (t) => {
  const some = new Fleet({ outcome: failing(['h01', 'h02', 'h03', 'h04']) });
  await runRollout(some.options(hostNames(10), rollout({ serial: [5] })));
  t.is(some.started.length, 10, '4 of 5 failed: the next batch still runs');

  const all = new Fleet({ outcome: failing(['h06', 'h07', 'h08', 'h09', 'h10']) });
  const r = await runRollout(all.options(hostNames(15), rollout({ serial: [5] })));
  t.is(all.started.length, 10, 'batch 2 failed entirely: batch 3 never starts');
  t.regex(r.stopReason ?? '', /batch 2: every host failed/);
});

test('unreachable hosts count toward max_fail_percentage only when the setting says so', async (t) => {
  for (const counts of [true, false]) {
    const fleet = new Fleet({ outcome: failing(['h01', 'h02', 'h03'], 'unreachable') });
    const r = await runRollout(fleet.options(hostNames(20), rollout({ serial: [10], maxFailPercentage: 20, unreachableCountsAsFailed: counts, concurrency: 10 })));
    const end = fleet.of('batch.end')[0];
    t.is(end.unreachable, 3);
    t.is(end.failed, 0);
    t.is(fleet.started.length, counts ? 10 : 20, `unreachableCountsAsFailed=${counts}`);
    t.is(r.stopReason !== undefined, counts);
  }
  // Whatever the setting, a batch where every host failed or was unreachable stops (Ansible too).
  const fleet = new Fleet({ outcome: (h) => (h === 'h01' ? { status: 'failed' } : { status: 'unreachable' }) });
  await runRollout(fleet.options(hostNames(4), rollout({ serial: [2], unreachableCountsAsFailed: false })));
  t.deepEqual(fleet.started.sort(), ['h01', 'h02']);
});

test('a failing canary stops the rollout before any other host is touched', async (t) => {
  const cases: Array<[string, (h: string) => Partial<HostResult>, RegExp]> = [
    ['failed', failing(['h02']), /canary: h02 failed/],
    ['unreachable', failing(['h02'], 'unreachable'), /canary: h02 was unreachable/],
    ['gates not passed', (h) => (h === 'h01' ? { status: 'changed', gatesPassed: false } : { status: 'changed', gatesPassed: true }), /canary: gates did not pass on h01/],
  ];
  for (const [title, outcome, reason] of cases) {
    const fleet = new Fleet({ outcome });
    const r = await runRollout(fleet.options(hostNames(20), rollout({ canary: { count: 2, gates: [] }, serial: ['50%'], concurrency: 5 })));
    t.deepEqual([...fleet.started].sort(), ['h01', 'h02'], title);
    t.deepEqual(fleet.of('batch.start').map((b) => [b.index, b.canary]), [[0, true]], title);
    t.regex(r.stopReason ?? '', reason, title);
    t.true(fleet.of('batch.end')[0].aborted, title);
  }
});

test('hosts the plan could not reach: never canaries, last in the order; a batch of only them does not stop the rollout', async (t) => {
  const down = ['h01', 'h04', 'h05'];
  const reached = (h: string) => !down.includes(h);
  const plan = planRollout(hostNames(10), rollout({ canary: { count: 2, gates: [] }, serial: [1, 2, 1] }), { reached });
  t.deepEqual(plan.canary, ['h02', 'h03']);
  t.deepEqual(plan.order, ['h02', 'h03', 'h06', 'h07', 'h08', 'h09', 'h10', 'h01', 'h04', 'h05']);

  // batches after the canaries: [h06] [h07 h08] [h09] [h10] [h01] [h04] [h05]: the last three are
  // down again, one at a time; each would have stopped the rollout alone, and h04, h05 been left
  const fleet = new Fleet({ outcome: failing(down, 'unreachable') });
  const r = await runRollout(fleet.options(hostNames(10), rollout({ canary: { count: 2, gates: [] }, serial: [1, 2, 1] }), { reached }));
  t.is(r.stopReason, undefined);
  t.deepEqual(fleet.started.slice(-3), down);
  t.is(r.results.size, 10);

  // a batch that mixes them with a host the plan reached still stops when all are down
  const stopper = new Fleet({ outcome: failing(['h09', 'h10', 'h01'], 'unreachable') });
  const st = await runRollout(stopper.options(hostNames(10), rollout({ serial: [8, 2] }), { reached: (h) => h !== 'h01' }));
  t.regex(st.stopReason ?? '', /batch 2: every host failed or was unreachable/, 'h10 and h01: h10 was reached by the plan');
});

test('a passing canary runs first, in its own stage, and is not run again', async (t) => {
  const fleet = new Fleet({ outcome: (_h, slot) => ({ status: 'changed', gatesPassed: slot.canary ? true : undefined }) });
  const hosts = hostNames(20);
  const r = await runRollout(fleet.options(hosts, rollout({ canary: { count: 2, gates: [] }, serial: ['30%'], concurrency: 20 })));
  const starts = fleet.of('batch.start');
  // 30% of the play's 20 hosts = 6, over the 18 left after the canary.
  t.deepEqual(starts.map((b) => [b.index, b.canary, b.hosts.length]), [[0, true, 2], [1, false, 6], [2, false, 6], [3, false, 6]]);
  t.deepEqual(fleet.started.slice(0, 2).sort(), ['h01', 'h02']);
  t.is(fleet.started.length, 20);
  t.is(new Set(fleet.started).size, 20);
  t.true(fleet.slots.get('h01')?.canary);
  t.is(fleet.slots.get('h03')?.canary, false);
  t.is(r.results.size, 20);
});

test('canary per distinct value takes one host of each, in order', async (t) => {
  const fleet = new Fleet();
  const hosts = ['d1', 'd2', 'r1', 'd3', 'r2', 'a1'];
  const key = (h: string) => h[0];
  await runRollout(fleet.options(hosts, rollout({ canary: { per: { source: '{{ distro }}', pos: { file: 'p.yml', line: 1, col: 1 } }, gates: [] } }), { canaryKey: key }));
  t.deepEqual(fleet.of('batch.start')[0].hosts, ['d1', 'r1', 'a1']);
  t.deepEqual(fleet.of('batch.start')[1].hosts, ['d2', 'd3', 'r2']);
});

test('rollback policies roll back the right hosts', async (t) => {
  // 3 batches of 4; batch 2 goes over max_fail_percentage 25 (h06, h07 failed).
  const outcome = (h: string): Partial<HostResult> => (['h06', 'h07'].includes(h) ? { status: 'failed' } : h === 'h03' ? { status: 'ok' } : { status: 'changed' });
  const table = [
    { policy: 'none', want: [] },
    { policy: 'host', want: ['h06', 'h07'] },
    { policy: 'batch', want: ['h05', 'h06', 'h07', 'h08'] },
    // every changed or failed host of the run (h03 only ran ok), most recent first
    { policy: 'run', want: ['h01', 'h02', 'h04', 'h05', 'h06', 'h07', 'h08'] },
  ] as const;
  for (const row of table) {
    const fleet = new Fleet({ outcome });
    const r = await runRollout(fleet.options(hostNames(12), rollout({ serial: [4], maxFailPercentage: 25, concurrency: 4 }), { rollbackPolicy: row.policy }));
    t.deepEqual([...fleet.rolledBack].sort(), [...row.want], row.policy);
    t.deepEqual([...r.rolledBack].sort(), [...row.want], row.policy);
    t.deepEqual(fleet.of('host.rollback').map((e) => e.host).sort(), [...row.want], row.policy);
    t.is(fleet.started.length, 8, `${row.policy}: batch 3 never started`);
    if (row.policy === 'run') {
      const order = fleet.rolledBack;
      t.true(order.indexOf('h05') < order.indexOf('h01'), 'later batches are undone first');
    }
    if (row.policy === 'host') {
      // right after the failed host, inside the batch: before batch 2 ends
      const kinds = fleet.events.map((e) => (e.kind === 'host.rollback' || e.kind === 'batch.end' ? `${e.kind}:${'host' in e ? e.host : e.index}` : '')).filter(Boolean);
      t.true(kinds.indexOf('host.rollback:h06') < kinds.indexOf('batch.end:2'));
    }
  }
});

test('batch and run policies do nothing while batches stay under the threshold', async (t) => {
  for (const policy of ['batch', 'run'] as const) {
    const fleet = new Fleet({ outcome: failing(['h02']) });
    await runRollout(fleet.options(hostNames(8), rollout({ serial: [4], maxFailPercentage: 25 }), { rollbackPolicy: policy }));
    t.deepEqual(fleet.rolledBack, [], policy);
    t.is(fleet.started.length, 8);
  }
});

test('runHost may say precisely whether a host was touched: untouched failures are not rolled back', async (t) => {
  const fleet = new Fleet({ outcome: (h) => (h === 'h01' ? { status: 'failed', touched: false } : h === 'h02' ? { status: 'unreachable', touched: true } : { status: 'ok' }) });
  await runRollout(fleet.options(hostNames(4), rollout(), { rollbackPolicy: 'host' }));
  t.deepEqual(fleet.rolledBack, ['h02']);
});

test('a rollback that fails or throws is reported, not lost, and not counted as rolled back', async (t) => {
  const fleet = new Fleet({ outcome: failing(['h01', 'h02']) });
  const r = await runRollout(
    fleet.options(hostNames(3), rollout(), {
      rollbackPolicy: 'host',
      rollbackHost: async (h) => {
        if (h === 'h01') throw new Error('journal has no inverse');
        return 'failed';
      },
    }),
  );
  t.deepEqual(fleet.of('host.rollback').map((e) => [e.host, e.status]).sort(), [['h01', 'failed'], ['h02', 'failed']]);
  t.regex(fleet.of('host.rollback').find((e) => e.host === 'h01')?.msg ?? '', /journal has no inverse/);
  t.is(r.rolledBack.size, 0);
});

test('a policy without a rollbackHost warns once instead of failing silently', async (t) => {
  const fleet = new Fleet({ outcome: failing(['h01']) });
  await runRollout(fleet.options(hostNames(2), rollout(), { rollbackPolicy: 'host', rollbackHost: undefined }));
  t.is(fleet.of('warning').length, 1);
  t.regex(fleet.of('warning')[0].msg, /cannot roll back/);
});

test('abort: no new host starts, hosts in flight finish, the result says aborted', async (t) => {
  const ac = new AbortController();
  const fleet = new Fleet({
    work: (h) => (h === 'h03' ? 1 : 5),
    during: async (h) => {
      if (h === 'h03') ac.abort();
    },
  });
  const r = await runRollout(fleet.options(hostNames(40), rollout({ serial: [10], concurrency: 4 }), { signal: ac.signal, rollbackPolicy: 'run' }));
  t.true(r.aborted);
  t.deepEqual([...fleet.started].sort(), ['h01', 'h02', 'h03', 'h04'], 'only the 4 hosts already in flight');
  t.deepEqual([...fleet.finished].sort(), ['h01', 'h02', 'h03', 'h04'], 'and they all finished');
  t.is(r.results.size, 4);
  t.is(fleet.of('batch.start').length, 1);
  t.true(fleet.of('batch.end')[0].aborted);
  t.is(r.stopReason, 'aborted');
  t.true(fleet.slots.get('h01')?.signal.aborted, 'hosts in flight can see the abort between tasks');
});

test('abort: no automatic rollback starts, whatever the policy (resume or rollback is the operator\'s call)', async (t) => {
  for (const policy of ['host', 'batch', 'run'] as const) {
    const ac = new AbortController();
    const fleet = new Fleet({
      work: (h) => (h === 'h01' ? 1 : 4),
      during: async (h) => {
        if (h === 'h01') ac.abort();
      },
      // hosts stopped between tasks by the abort report failed, as play-host does
      outcome: (_h, slot) => (slot.signal.aborted ? { status: 'failed', msg: 'aborted before the next task' } : { status: 'changed' }),
    });
    const r = await runRollout(fleet.options(hostNames(8), rollout({ serial: [4], maxFailPercentage: 0, concurrency: 4 }), { signal: ac.signal, rollbackPolicy: policy }));
    t.true(r.aborted, policy);
    t.deepEqual(fleet.rolledBack, [], policy);
    t.is(fleet.started.length, 4, policy);
  }
});

test('no hosts: nothing runs, nothing is emitted but nothing breaks', async (t) => {
  const fleet = new Fleet();
  const r = await runRollout(fleet.options([], rollout({ serial: ['30%'], canary: { count: 1, gates: [] } })));
  t.is(r.results.size, 0);
  t.is(fleet.of('batch.start').length, 0);
  t.false(r.aborted);
});

test('abort during a pause stops before the next batch', async (t) => {
  const ac = new AbortController();
  const fleet = new Fleet();
  fleet.clock.sleep = async (ms) => {
    fleet.clock.sleeps.push(ms);
    ac.abort();
    throw new Error('aborted');
  };
  const r = await runRollout(fleet.options(hostNames(6), rollout({ serial: [2], pause: { seconds: 30 } }), { signal: ac.signal }));
  t.true(r.aborted);
  t.is(fleet.started.length, 2);
});

test('pauses between batches: timed with the clock, never after the last batch', async (t) => {
  const fleet = new Fleet();
  await runRollout(fleet.options(hostNames(6), rollout({ serial: [2], pause: { seconds: 30 } })));
  t.deepEqual(fleet.clock.sleeps, [30_000, 30_000]);
  t.is(fleet.of('pause').length, 2);
  t.is(fleet.of('pause')[0].seconds, 30);
  // the pause event falls between a batch.end and the next batch.start
  const kinds = fleet.events.map((e) => e.kind).filter((k) => k !== 'warning');
  t.deepEqual(kinds, ['batch.start', 'batch.end', 'pause', 'batch.start', 'batch.end', 'pause', 'batch.start', 'batch.end']);
});

test('a prompt pause answered "no" stops the rollout; "yes" goes on', async (t) => {
  for (const answer of [false, true]) {
    const questions: string[] = [];
    const fleet = new Fleet();
    const r = await runRollout(
      fleet.options(hostNames(6), rollout({ serial: [3], pause: { prompt: 'Canary looks healthy?' } }), {
        confirm: async (q) => {
          questions.push(q);
          return answer;
        },
      }),
    );
    t.deepEqual(questions, ['Canary looks healthy?']);
    t.is(fleet.started.length, answer ? 6 : 3);
    t.is(r.stopReason !== undefined, !answer);
    t.false(r.aborted);
  }
});

test('shuffle order is deterministic for a seed, and the seed is returned', async (t) => {
  const run = async (seed?: number) => {
    const fleet = new Fleet({ work: () => 1 });
    const r = await runRollout(fleet.options(hostNames(30), rollout({ order: 'shuffle', serial: [5], concurrency: 1 }), { seed }));
    return { order: fleet.started, seed: r.seed };
  };
  const a = await run(7);
  const b = await run(7);
  t.deepEqual(a.order, b.order);
  t.is(a.seed, 7);
  t.notDeepEqual((await run(8)).order, a.order);
  const unseeded = await run();
  t.is(typeof unseeded.seed, 'number');
  t.deepEqual((await run(unseeded.seed)).order, unseeded.order, 'the returned seed reproduces an unseeded run');
});

test('a runHost that throws fails that host only; the others go on', async (t) => {
  const fleet = new Fleet({
    during: async (h) => {
      if (h === 'h02') throw new Error('bug in a module');
    },
  });
  const r = await runRollout(fleet.options(hostNames(5), rollout()));
  t.is(r.results.get('h02')?.status, 'failed');
  t.regex(r.results.get('h02')?.msg ?? '', /bug in a module/);
  t.is([...r.results.values()].filter((x) => x.status === 'ok').length, 4);
});

test('planRollout gives the schedule without running anything', (t) => {
  const p = planRollout(hostNames(20), rollout({ canary: { count: 1, gates: [] }, serial: [1, 5, '20%'] }));
  t.deepEqual(p.canary, ['h01']);
  t.deepEqual(p.batches, [1, 5, 4, 4, 4, 1]);
  t.deepEqual(p.stages, [1, 1, 5, 4, 4, 4, 1]);
  t.is(p.order.length, 20);
});

test('a batch of 10,000 hosts keeps only the hosts in flight busy (forks 50)', async (t) => {
  const fleet = new Fleet({ work: () => 0 });
  const hosts = hostNames(10_000);
  const r = await runRollout(fleet.options(hosts, rollout({ concurrency: 50 })));
  t.is(r.results.size, 10_000);
  t.is(fleet.maxInFlight, 50);
});

test('the slot given to runHost carries the stage number', async (t) => {
  const seen: Array<[string, number]> = [];
  const fleet = new Fleet({ during: async (h: string, slot: HostSlot) => void seen.push([h, slot.batch]) });
  await runRollout(fleet.options(hostNames(4), rollout({ serial: [2], concurrency: 1 })));
  t.deepEqual(seen, [['h01', 1], ['h02', 1], ['h03', 2], ['h04', 2]]);
});

test('resume: canaries the run being resumed passed count; only the missing ones are picked', (t) => {
  // h01..h06: variants a b a b c c
  const variant: Record<string, string> = { h01: 'a', h02: 'b', h03: 'a', h04: 'b', h05: 'c', h06: 'c' };
  const canaryKey = (h: string) => variant[h];
  const pos = { file: 'p.yml', line: 1, col: 1 };
  const per = (count?: number) => ({ per: { source: 'v', pos }, ...(count === undefined ? {} : { count }), gates: [] });
  const cases: { title: string; canary: Rollout['canary']; proven?: Record<string, number>; reached?: (h: string) => boolean; want: string[] }[] = [
    { title: 'per, nothing proven: one per variant', canary: per(), want: ['h01', 'h02', 'h05'] },
    { title: 'per, a and b proven: only c', canary: per(), proven: { a: 1, b: 1 }, want: ['h05'] },
    { title: 'per, all proven: no canary stage', canary: per(), proven: { a: 1, b: 1, c: 1 }, want: [] },
    { title: 'per, proven and unreached combine', canary: per(), proven: { a: 1, b: 1 }, reached: (h) => h !== 'h05', want: ['h06'] },
    { title: 'per count 2, one of a proven: one more a, two of b and c', canary: per(2), proven: { a: 1 }, want: ['h01', 'h02', 'h04', 'h05', 'h06'] },
    { title: 'count 3, nothing proven', canary: { count: 3, gates: [] }, want: ['h01', 'h02', 'h03'] },
    { title: 'count 3, two passed: the one missing', canary: { count: 3, gates: [] }, proven: { '': 2 }, want: ['h01'] },
    { title: 'count 3, three passed: no canary stage', canary: { count: 3, gates: [] }, proven: { '': 3 }, want: [] },
  ];
  for (const c of cases) {
    const proven = c.proven ? new Map(Object.entries(c.proven)) : undefined;
    const plan = planRollout(hostNames(6), rollout({ canary: c.canary, serial: [] }), { canaryKey, proven, reached: c.reached });
    t.deepEqual(plan.canary, c.want, c.title);
    t.deepEqual(plan.stages, c.want.length ? [c.want.length, ...plan.batches] : plan.batches, c.title);
    t.is(plan.order.length, 6, c.title);
  }
});

test('canaries come only from hosts the plan found something to change on; a variant with nothing to change gets none', (t) => {
  // h01..h06: variants a b a b c c; h01 and h02 were fixed by a pilot run, c is fixed everywhere
  const variant: Record<string, string> = { h01: 'a', h02: 'b', h03: 'a', h04: 'b', h05: 'c', h06: 'c' };
  const acts = new Set(['h03', 'h04']);
  const pos = { file: 'p.yml', line: 1, col: 1 };
  const cases: { title: string; canary: Rollout['canary']; actsOn?: (h: string) => boolean; want: string[] }[] = [
    { title: 'per, without the plan\'s view: the first host of each variant', canary: { per: { source: 'v', pos }, gates: [] }, want: ['h01', 'h02', 'h05'] },
    { title: 'per: the first host of each variant that changes; none for c', canary: { per: { source: 'v', pos }, gates: [] }, actsOn: (h) => acts.has(h), want: ['h03', 'h04'] },
    { title: 'count: the first hosts that change', canary: { count: 1, gates: [] }, actsOn: (h) => acts.has(h), want: ['h03'] },
    { title: 'nothing changes anywhere: no canary stage', canary: { count: 2, gates: [] }, actsOn: () => false, want: [] },
  ];
  for (const c of cases) {
    const plan = planRollout(hostNames(6), rollout({ canary: c.canary, serial: [] }), { canaryKey: (h) => variant[h], actsOn: c.actsOn });
    t.deepEqual(plan.canary, c.want, c.title);
    t.is(plan.order.length, 6, c.title);
  }
});
