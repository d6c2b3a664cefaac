// The journal's public value types. All times are epoch milliseconds from the injected clock.
import type { HostConn } from '../transport/types.js';
import type { StepClass } from '../modules/types.js';

export type { StepClass };

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'aborted' | 'rolled_back' | 'partial';
export type FinalRunStatus = Exclude<RunStatus, 'running'>;

/**
 * What `rollback` and `resume` need to reach the run's hosts again without `-i`.
 * Never a password: startRun refuses any key named like password/secret/token/passphrase.
 */
export interface RunConnection {
  /** Per inventory host name. */
  hosts: Record<string, HostConn>;
  /** become user (sudo target); its password is asked again when needed. */
  becomeUser?: string;
  /** Anything else serializable the CLI needs to rebuild the transport (ssh config path, forks…). */
  settings?: Record<string, unknown>;
}

export interface StartRun {
  /** Defaults to a new time-sortable id, e.g. 2026-11-27T09-30-00Z-ab12. */
  id?: string;
  /** apply, rollback, resume, check… */
  command: string;
  user: string;
  controllerHost: string;
  /** The controller process (for telling an interrupted run from a running one). */
  pid?: number;
  /** Already passed through redactArgv; known secrets are masked again on write. */
  argv: string[];
  playbookPath?: string;
  playbookSha256?: string;
  inventoryPaths: string[];
  inventorySha256?: string;
  connection: RunConnection;
}

export interface RunSummary {
  id: string;
  command: string;
  status: RunStatus;
  started: number;
  finished?: number;
  user: string;
  controllerHost: string;
  pid?: number;
  playbook?: string;
  /** Hosts recorded in the run. */
  hosts: number;
  /** Host count per host status. */
  hostStatus: Record<string, number>;
  /** Steps with an intent and no outcome: > 0 means the run stopped mid-step. */
  unfinished: number;
}

export type HostStatus =
  | 'pending'
  | 'running'
  | 'ok'
  | 'changed'
  | 'failed'
  | 'unreachable'
  | 'skipped'
  | 'aborted'
  | 'drifted'
  | 'rolled_back'
  | 'rollback_failed';

export interface RunHost {
  host: string;
  batch: number;
  canary: boolean;
  status: HostStatus;
  updated: number;
  /** Why it ended so (a failed step's message, a refusal, unreachable), secrets masked. */
  msg?: string;
}

export interface RunRecord extends RunSummary {
  argv: string[];
  playbookSha256?: string;
  inventoryPaths: string[];
  inventorySha256?: string;
  connection: RunConnection;
  /** In the order they were recorded. */
  hostList: RunHost[];
}

export interface Intent {
  runId: string;
  host: string;
  task: string;
  /** Position of the task in the play (resume skips what is done by index), or of the handler. */
  taskIndex: number;
  /** A handler's step (taskIndex counts the play's handlers). */
  handler?: boolean;
  module: string;
  class: StepClass;
  /** JSON-serializable; bytes as base64 strings. */
  inverse?: unknown;
  factsFingerprint: string;
  summary: string;
  diff?: string;
}

export type StepStatus = 'ok' | 'changed' | 'failed' | 'unreachable' | 'aborted';

export interface StepOutcome {
  status: StepStatus;
  /** What verify observed (JSON). */
  verification?: unknown;
  msg?: string;
  startedAt: number;
  finishedAt: number;
}

/** 'started' is written before an inverse is replayed, so a crash mid-rollback is visible. */
export type RollbackStatus = 'started' | 'restored' | 'failed' | 'skipped';

/** An intent as recorded, with what happened to it since. */
export interface StepRecord extends Intent {
  id: number;
  intentAt: number;
  /** Absent: the step may or may not have run (intent without outcome). */
  outcome?: StepOutcome;
  rollback?: { status: RollbackStatus; msg?: string; at: number };
}

export interface FactsRecord {
  runId: string;
  host: string;
  fingerprint: string;
  facts: unknown;
  at: number;
}

export type HostLockResult =
  | { ok: true; /** Set when a dead controller's lock was taken over. */ stale?: LockHolder }
  | { ok: false; heldBy: LockHolder };

export interface LockHolder {
  runId: string;
  pid: number;
  controllerHost: string;
  since: number;
}

export interface LockOwner {
  pid: number;
  controllerHost: string;
  /** Whether a pid on this controller is still running (the CLI passes a process.kill(pid, 0) probe). */
  isAlive(pid: number): boolean;
}

export type CheckStatus = 'compliant' | 'non-compliant' | 'waived' | 'unreachable' | 'error';

export interface CheckResult {
  runId: string;
  host: string;
  /** Assertion id; absent for host-level results (unreachable, error). */
  assertion?: string;
  status: CheckStatus;
  observed?: unknown;
  keysInUse?: number;
  reloadsLeft?: number;
  /** Defaults to now(). */
  at?: number;
}

export interface CheckRecord extends Required<Pick<CheckResult, 'runId' | 'host' | 'status'>> {
  id: number;
  assertion?: string;
  observed?: unknown;
  keysInUse?: number;
  reloadsLeft?: number;
  at: number;
}
