// The rollout: order → canary stage → serial batches, each batch run through the scheduler,
// judged by its threshold, followed by the rollback policy and an optional pause.
// Semantics (see threshold.ts for the Ansible references):
// - canary: its own first stage; any canary host failed, unreachable or with gates not passed
//   stops the rollout before any other host is touched. Canaries come from the hosts the plan
//   reached and read (`reached`, when given) and found a durable change to make on (`actsOn`);
//   the unreached go last in the order. A resumed run picks only the canaries the run it resumes
//   did not already pass (`proven`: per variant, or how many of `count:`).
// - a batch stops the rollout when over max_fail_percentage (strictly greater), or when every
//   one of its hosts failed or was unreachable. Once a batch is over the threshold, its hosts
//   not yet started are left untouched (Ansible would fail them after the current task).
// - abort (opts.signal): nobody new starts; hosts in flight finish (runHost sees slot.signal
//   and stops between tasks). No automatic rollback starts after an abort, not even a host's
//   own: an aborted run is meant for `remediate resume` or an explicit `remediate rollback`.
import pLimit from 'p-limit';
import type { Rollout } from '../playbook/types.js';
import { computeBatches, sliceBatches } from './batches.js';
import { pickCanary } from './canary.js';
import { orderHosts } from './order.js';
import { GroupGate, Throttles, pump } from './scheduler.js';
import { batchStopReason, failedPercent, overThreshold, type BatchTally } from './threshold.js';
import type { HostResult, HostSlot, RolloutOptions, RolloutResult } from './types.js';

export interface RolloutPlan {
  /** every host in rollout order (canary hosts included, where they stand) */
  order: string[];
  canary: string[];
  /** sizes of the serial batches over the non-canary hosts */
  batches: number[];
  /** stage sizes as run: the canary stage first when there is one (run.start's `batches`) */
  stages: number[];
  /** the shuffle seed used (meaningful for order: shuffle) */
  seed: number;
}

/** The schedule without running anything (for `plan` output and run.start). Pure. */
export function planRollout(hosts: readonly string[], rollout: Rollout, o: { seed?: number; canaryKey?: (host: string) => string; reached?: (host: string) => boolean; actsOn?: (host: string) => boolean; proven?: ReadonlyMap<string, number> } = {}): RolloutPlan {
  const seed = o.seed ?? 0;
  const ordered = orderHosts(hosts, rollout.order, seed);
  // Hosts the plan could not reach or read go last, in their order: as the first batch of
  // `serial: [1, …]` one of them alone stopped the rollout (a batch where every host failed or
  // was unreachable stops it, as in Ansible), and as canaries they prove nothing.
  const order = o.reached ? [...ordered.filter(o.reached), ...ordered.filter((h) => !o.reached!(h))] : ordered;
  // A canary proves this run's changes: a host the plan found nothing to change on proves none
  // (a pilot's hosts, fixed by an earlier run), and a variant with nothing to change needs none.
  const eligible = o.actsOn ? (h: string) => (o.reached?.(h) ?? true) && o.actsOn!(h) : o.reached;
  const canary = pickCanary(order, rollout.canary, o.canaryKey, eligible, o.proven);
  // Percentages stay percentages of the play's hosts, canaries included (Ansible's all_hosts_len).
  const batches = computeBatches(order.length - canary.length, rollout.serial, order.length);
  const stages = canary.length > 0 ? [canary.length, ...batches] : batches;
  return { order, canary, batches, stages, seed };
}

/** Statuses a failed host can have for thresholds and policies. */
const isFailed = (r: HostResult): boolean => r.status === 'failed' || r.gatesPassed === false;

/** Whether a rollback has anything to undo on this host (runHost may say so precisely). */
const mayHaveChanged = (r: HostResult): boolean => r.touched ?? (r.status === 'changed' || r.status === 'failed');

export async function runRollout(opts: RolloutOptions): Promise<RolloutResult> {
  const { rollout, emit, clock } = opts;
  const signal = opts.signal ?? new AbortController().signal;
  const seed = opts.seed ?? Math.floor(clock.now()) >>> 0;
  const plan = planRollout(opts.hosts, rollout, { seed, canaryKey: opts.canaryKey, reached: opts.reached, actsOn: opts.actsOn, proven: opts.proven });
  const forksN = opts.forks ?? rollout.concurrency;
  if (!Number.isInteger(forksN) || forksN < 1) throw new Error(`forks/concurrency: expected a whole number of at least 1, found ${forksN}`);
  const forks = pLimit(forksN);
  const gate = new GroupGate(rollout.maxInFlightPerGroup, opts.groupsOf);
  const throttles = new Throttles();
  const throttle = <T>(key: string, limit: number, fn: () => Promise<T>) => throttles.run(key, limit, fn);
  const rule = { maxFailPercentage: rollout.maxFailPercentage, unreachableCountsAsFailed: rollout.unreachableCountsAsFailed };
  const policy = opts.rollbackPolicy;

  const results = new Map<string, HostResult>();
  const rolledBack = new Set<string>();
  let stopReason: string | undefined;

  if (policy !== 'none' && !opts.rollbackHost) {
    emit({ kind: 'warning', msg: `rollback: ${policy} is set, but this command cannot roll back; failed hosts stay as they are` });
  }

  const rollbackOne = async (host: string): Promise<void> => {
    if (!opts.rollbackHost || rolledBack.has(host)) return;
    let status: 'restored' | 'failed';
    let msg: string | undefined;
    try {
      status = await opts.rollbackHost(host);
    } catch (e) {
      status = 'failed';
      msg = `rollback threw: ${(e as Error)?.message ?? String(e)}`;
    }
    emit({ kind: 'host.rollback', host, status, ...(msg ? { msg } : {}) });
    if (status === 'restored') rolledBack.add(host);
  };

  /** Roll hosts back through the same forks and group caps as the rollout itself. */
  const rollbackMany = async (hosts: string[]): Promise<void> => {
    if (!opts.rollbackHost || hosts.length === 0) return;
    await pump({ hosts, forks, gate, shouldStop: () => signal.aborted, work: rollbackOne });
  };

  const runStage = async (hosts: string[], index: number, canary: boolean): Promise<{ tally: BatchTally; reason?: string }> => {
    const tally: BatchTally = { size: hosts.length, failed: 0, unreachable: 0, done: 0, unreachedByPlan: opts.reached ? hosts.filter((h) => !opts.reached!(h)).length : 0 };
    let canaryFailure: string | undefined;
    const work = async (host: string): Promise<void> => {
      const slot: HostSlot = { batch: index, canary, signal, throttle };
      let r: HostResult;
      try {
        r = await opts.runHost(host, slot);
      } catch (e) {
        // A bug in one host's play must not orphan the hosts in flight beside it.
        r = { host, status: 'failed', msg: `internal error: ${(e as Error)?.message ?? String(e)}` };
        emit({ kind: 'warning', host, msg: r.msg as string });
      }
      results.set(host, r);
      tally.done++;
      if (r.status === 'unreachable') tally.unreachable++;
      else if (isFailed(r)) tally.failed++;
      if (canary && canaryFailure === undefined && (isFailed(r) || r.status === 'unreachable')) {
        canaryFailure =
          r.status === 'unreachable' ? `canary: ${host} was unreachable${r.msg ? `: ${r.msg}` : ''}`
          : r.status === 'failed' ? `canary: ${host} failed${r.msg ? `: ${r.msg}` : ''}`
          : `canary: gates did not pass on ${host}${r.msg ? `: ${r.msg}` : ''}`;
      }
      if (policy === 'host' && !signal.aborted && (isFailed(r) || r.status === 'unreachable') && mayHaveChanged(r)) await rollbackOne(host);
    };
    const shouldStop = () => signal.aborted || (canary ? canaryFailure !== undefined : overThreshold(tally, rule));
    await pump({ hosts, forks, gate, shouldStop, work });
    const reason = canary ? canaryFailure : batchStopReason(index, tally, rule);
    return { tally, reason };
  };

  /** Pause between stages; false = do not go on (operator said no, or abort). */
  const pauseBetween = async (): Promise<boolean> => {
    const p = rollout.pause;
    if (!p || (p.seconds === undefined && p.prompt === undefined)) return true;
    emit({ kind: 'pause', ...(p.seconds !== undefined ? { seconds: p.seconds } : {}), ...(p.prompt !== undefined ? { prompt: p.prompt } : {}) });
    if (p.seconds !== undefined && p.seconds > 0) {
      try {
        await clock.sleep(p.seconds * 1000, signal);
      } catch {
        // an aborted sleep: the signal check below decides
      }
    }
    if (signal.aborted) return false;
    if (p.prompt !== undefined && !(await opts.confirm(p.prompt))) {
      stopReason = 'the operator chose not to continue at the pause';
      return false;
    }
    return !signal.aborted;
  };

  const canarySet = new Set(plan.canary);
  const rest = canarySet.size > 0 ? plan.order.filter((h) => !canarySet.has(h)) : plan.order;
  function* stages(): Generator<{ hosts: string[]; canary: boolean }> {
    if (plan.canary.length > 0) yield { hosts: plan.canary, canary: true };
    for (const hosts of sliceBatches(rest, plan.batches)) yield { hosts, canary: false };
  }

  // Stage numbers: the canary stage is 0, serial batches count from 1 (with or without canary).
  let first = true;
  let index = plan.canary.length > 0 ? 0 : 1;
  for (const stage of stages()) {
    if (!first && !(await pauseBetween())) break;
    first = false;
    if (signal.aborted) break;
    emit({ kind: 'batch.start', index, hosts: stage.hosts, canary: stage.canary });
    const { tally, reason } = await runStage(stage.hosts, index, stage.canary);
    const aborted = signal.aborted && tally.done < tally.size;
    const stops = reason !== undefined || aborted;
    emit({
      kind: 'batch.end',
      index,
      failed: tally.failed,
      unreachable: tally.unreachable,
      hosts: tally.size,
      failedPct: failedPercent(tally, rule),
      aborted: stops,
      ...(reason ? { reason } : aborted ? { reason: 'aborted: hosts in flight finished, no new host started' } : {}),
    });
    if (reason !== undefined) {
      stopReason = reason;
      if (!signal.aborted && policy === 'batch') {
        await rollbackMany(stage.hosts.filter((h) => { const r = results.get(h); return r !== undefined && mayHaveChanged(r); }));
      }
      if (!signal.aborted && policy === 'run') {
        // Undo the most recent changes first.
        const changed = [...results.values()].filter(mayHaveChanged).map((r) => r.host).reverse();
        await rollbackMany(changed);
      }
      break;
    }
    if (aborted) break;
    index++;
  }
  if (signal.aborted && stopReason === undefined) stopReason = 'aborted';
  return { results, rolledBack, aborted: signal.aborted, ...(stopReason !== undefined ? { stopReason } : {}), seed };
}
