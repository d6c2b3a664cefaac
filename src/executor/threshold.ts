// When a finished (or running) batch stops the rollout. Ansible's behaviour, checked in its
// source (ansible-core: plugins/strategy/linear.py and executor/playbook_executor.py):
// - max_fail_percentage: the batch stops the play when failed / batch_size > pct / 100
//   (strictly greater: 2 of 10 failed with max_fail_percentage 20 goes on).
// - whatever max_fail_percentage says, the play stops when EVERY host of a batch failed or
//   was unreachable (playbook_executor: len(batch) == failed + unreachable).
// - Ansible's percentage counts only hosts in `_failed_hosts`: a host that is unreachable does
//   not count toward max_fail_percentage (ansible/ansible#56265, still open), yet it does
//   count toward "the whole batch failed". remediate makes the first a setting,
//   `unreachableCountsAsFailed`; the whole-batch rule always counts unreachable hosts, except in
//   a batch made only of hosts apply's plan pass could not reach (remediate plans first, Ansible
//   does not: those hosts go last, and their being down again says nothing about the change).

export interface BatchTally {
  size: number;
  failed: number;
  unreachable: number;
  /** hosts that finished (any status) */
  done: number;
  /** hosts of the batch that apply's plan pass could not reach or read */
  unreachedByPlan?: number;
}

export interface ThresholdRule {
  maxFailPercentage?: number;
  unreachableCountsAsFailed: boolean;
}

/** Hosts counted against max_fail_percentage. */
export function countedFailures(t: BatchTally, rule: ThresholdRule): number {
  return t.failed + (rule.unreachableCountsAsFailed ? t.unreachable : 0);
}

/** Percentage shown in reports: counted failures of the batch size. */
export function failedPercent(t: BatchTally, rule: ThresholdRule): number {
  return t.size === 0 ? 0 : (countedFailures(t, rule) * 100) / t.size;
}

/** True once the batch is over max_fail_percentage (can already hold mid-batch). */
export function overThreshold(t: BatchTally, rule: ThresholdRule): boolean {
  if (rule.maxFailPercentage === undefined || t.size === 0) return false;
  // Same float expression as Ansible, so edge cases land on the same side.
  return countedFailures(t, rule) / t.size > rule.maxFailPercentage / 100.0;
}

/** Why this batch stops the rollout, or undefined when the rollout goes on. */
export function batchStopReason(index: number, t: BatchTally, rule: ThresholdRule): string | undefined {
  if (overThreshold(t, rule)) {
    const what = rule.unreachableCountsAsFailed ? 'failed or unreachable' : 'failed';
    return `batch ${index}: ${countedFailures(t, rule)} of ${t.size} hosts ${what} (${round(failedPercent(t, rule))}%), over max_fail_percentage ${rule.maxFailPercentage}`;
  }
  // A batch of hosts that were down when planned (they go last) tells nothing new about the change.
  if (t.size > 0 && t.failed + t.unreachable === t.size && (t.unreachedByPlan ?? 0) < t.size) return `batch ${index}: every host failed or was unreachable`;
  return undefined;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
