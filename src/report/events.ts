// The one event stream. Recap, JSON lines, progress, JUnit, journal: all folds over Event.

export type HostStatus = 'ok' | 'changed' | 'failed' | 'unreachable' | 'skipped';
export type PlanStatus = 'ok' | 'change' | 'skip' | 'unknown' | 'fail';

export type Event =
  | { kind: 'run.start'; runId: string; command: 'apply' | 'plan' | 'check' | 'run'; playbook?: string; hosts: number; batches: number[]; at: string }
  | { kind: 'play.start'; play: string; hosts: number }
  | { kind: 'batch.start'; index: number; hosts: string[]; canary: boolean }
  | { kind: 'host.start'; host: string }
  | { kind: 'host.fact'; host: string; fact: string; value: unknown }
  | { kind: 'host.plan'; host: string; task: string; status: PlanStatus; diff?: string; reason?: string; class?: 'reversible' | 'stateless' | 'irreversible'; /** position in the play: task index, handler or not, module (saved plans, estimates) */ index?: number; handler?: boolean; module?: string; estimateMs?: number }
  | { kind: 'host.step'; host: string; task: string; status: HostStatus; ms: number; msg?: string; stdout?: string; stderr?: string; exitCode?: number | null; rescued?: boolean; /** failed, but the task has ignore_errors: counted ok + ignored, like Ansible */ ignored?: boolean }
  | { kind: 'host.end'; host: string; status: HostStatus; msg?: string; /** the operator's abort stopped it between tasks: unfinished, for `resume` */ interrupted?: boolean }
  | { kind: 'host.check'; host: string; id: string; status: 'pass' | 'fail' | 'error'; observed?: unknown; expected?: string; msg?: string }
  | { kind: 'host.rollback'; host: string; status: 'restored' | 'failed'; msg?: string }
  | { kind: 'batch.end'; index: number; failed: number; unreachable: number; hosts: number; failedPct: number; aborted: boolean; reason?: string }
  | { kind: 'pause'; seconds?: number; prompt?: string }
  | { kind: 'warning'; msg: string; host?: string }
  | { kind: 'run.end'; exitCode: number; aborted: boolean };

export type Emit = (e: Event) => void;
