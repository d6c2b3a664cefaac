// An estimated duration for a rollout, from the plan: each host costs what its detect+plan
// took (measured in the plan pass) plus its steps (what the same task took in earlier runs, as
// the journal measured it, else the module's own estimate, else a default per module); a stage
// of hosts on `forks` slots lasts about max(longest host, total / forks); stages run one after
// another, with the rollout's pause between them.
import type { Rollout } from '../playbook/types.js';
import type { RolloutPlan } from '../executor/rollout.js';
import type { HostPlan } from './types.js';

/** Typical apply cost of one changed step, by module, when the module gives no estimate. */
const DEFAULT_STEP_MS: Record<string, number> = {
  package: 30_000,
  service: 2_000,
  canary_reload: 10_000,
  command: 1_000,
  shell: 1_000,
};
const OTHER_STEP_MS = 300;

/** A task's step time from earlier runs (the journal's median), by module and task name. */
export type MeasuredStep = (module: string, task: string) => number | undefined;

export function hostEstimateMs(h: HostPlan, measured?: MeasuredStep): number {
  let ms = h.ms;
  for (const s of h.steps) {
    if (s.status !== 'change' && s.status !== 'unknown') continue;
    ms += (s.module !== undefined ? measured?.(s.module, s.task) : undefined) ?? s.estimateMs ?? DEFAULT_STEP_MS[s.module ?? ''] ?? OTHER_STEP_MS;
  }
  return ms;
}

export interface StageEstimate {
  label: string;
  hosts: number;
  ms: number;
}

export function estimateRollout(schedule: RolloutPlan, rollout: Rollout, forks: number, hostMs: (host: string) => number): { stages: StageEstimate[]; totalMs: number } {
  const stages: StageEstimate[] = [];
  let at = 0;
  const order = schedule.order.filter((h) => !schedule.canary.includes(h));
  const stage = (label: string, hosts: readonly string[]) => {
    const costs = hosts.map(hostMs);
    const longest = costs.reduce((a, b) => Math.max(a, b), 0);
    const total = costs.reduce((a, b) => a + b, 0);
    stages.push({ label, hosts: hosts.length, ms: Math.max(longest, total / Math.max(1, forks)) });
  };
  if (schedule.canary.length) stage('canary', schedule.canary);
  schedule.batches.forEach((size, i) => {
    stage(`batch ${i + 1}`, order.slice(at, at + size));
    at += size;
  });
  const pauseMs = rollout.pause?.seconds ? rollout.pause.seconds * 1000 * Math.max(0, stages.length - 1) : 0;
  return { stages, totalMs: stages.reduce((a, s) => a + s.ms, 0) + pauseMs };
}

export function humanMs(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}
