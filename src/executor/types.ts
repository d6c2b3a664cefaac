// The executor's seam: it schedules hosts; what a host's play does is runHost's business.
import type { Rollout, RollbackPolicy } from '../playbook/types.js';
import type { Emit } from '../report/events.js';

export type HostResultStatus = 'ok' | 'changed' | 'failed' | 'unreachable' | 'skipped';

export interface HostResult {
  host: string;
  status: HostResultStatus;
  msg?: string;
  /** Canary gate outcome, when this host ran in the canary stage. */
  gatesPassed?: boolean;
  /**
   * Whether a mutating step was applied (so a rollback has something to undo). When absent,
   * the executor assumes so for 'changed' and 'failed' hosts and not for the others.
   */
  touched?: boolean;
}

/** Given to runHost: per-task throttles and an abort signal; the host holds its slot meanwhile. */
export interface HostSlot {
  /** Stage number: 0 = the canary stage, serial batches count from 1. */
  batch: number;
  canary: boolean;
  signal: AbortSignal;
  /** Run fn under the task's own concurrency limit (task `throttle:`). */
  throttle<T>(key: string, limit: number, fn: () => Promise<T>): Promise<T>;
}

export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface RolloutOptions {
  hosts: string[];
  rollout: Rollout;
  /** -f/--forks overrides rollout.concurrency when given */
  forks?: number;
  groupsOf(host: string): string[];
  /** For canary `per:` selection: the distinct-value key of a host (already evaluated). */
  canaryKey?(host: string): string;
  /** Hosts the plan reached and read: only they may be canaries, and the others go last. */
  reached?(host: string): boolean;
  /** Hosts the plan found something to change on: only they may be canaries (when given). */
  actsOn?(host: string): boolean;
  /** resume: canaries the run being resumed already passed, per canary key ('' without `per:`). */
  proven?: ReadonlyMap<string, number>;
  runHost(host: string, slot: HostSlot): Promise<HostResult>;
  /** Undo a host's changes (rollback policy); absent = rollback unsupported here. */
  rollbackHost?(host: string): Promise<'restored' | 'failed'>;
  rollbackPolicy: RollbackPolicy;
  emit: Emit;
  clock: Clock;
  /** Ask the operator (pause prompts); resolves false = stop the rollout. */
  confirm(question: string): Promise<boolean>;
  signal?: AbortSignal;
  /** Seed for order: shuffle (deterministic tests). */
  seed?: number;
}

export interface RolloutResult {
  results: Map<string, HostResult>;
  rolledBack: Set<string>;
  aborted: boolean;
  /** Why the rollout stopped early (a batch over threshold, canary gate, operator). */
  stopReason?: string;
  /** The seed the host order was built with (record it to reproduce a shuffle on resume). */
  seed?: number;
}
