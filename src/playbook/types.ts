// Typed, validated playbook values. Built by playbook/load.ts from positioned YAML.
import type { Pos } from '../source/types.js';

/** An expression or template with where it came from, for errors that name the place. */
export interface Expr {
  source: string;
  pos: Pos;
  /** The file line the expression starts on (for the caret under a runtime error). */
  lineText?: string;
}

export interface Playbook {
  file: string;
  /** sha256 of the file's bytes */
  sha256: string;
  plays: Play[];
  /**
   * Where each template string of the file is (module args, vars), keyed by the raw string, so
   * a render-time error points at the string itself: `render(args, scope, task.argsPos,
   * { sources: playbook.templates })`.
   */
  templates?: Record<string, Expr>;
}

export type RollbackPolicy = 'host' | 'batch' | 'run' | 'none';
export type HostOrder = 'inventory' | 'reverse_inventory' | 'sorted' | 'reverse_sorted' | 'shuffle';

export interface Play {
  name: string;
  hosts: string;
  pos: Pos;
  vars: Record<string, unknown>;
  /** Fact names to gather in the detect phase (one batched probe per host). */
  facts: string[];
  become: boolean;
  becomeUser?: string;
  tasks: Task[];
  handlers: Task[];
  rollout: Rollout;
  compliance: Assertion[];
  rollback: RollbackPolicy;
}

export interface Task {
  name: string;
  pos: Pos;
  /** Module name, e.g. 'command', 'copy'. */
  module: string;
  /** Module arguments as validated by the module's schema (templates still unrendered). */
  args: unknown;
  argsPos: Pos;
  when?: Expr[];
  register?: string;
  notify: string[];
  retries: number;
  delayMs: number;
  until?: Expr;
  timeoutMs?: number;
  become?: boolean;
  becomeUser?: string;
  throttle?: number;
  ignoreErrors: boolean;
  /** Handlers only: names this handler also answers to. */
  listen?: string[];
}

export interface Canary {
  /** A number of hosts, or a percentage of the play's hosts. */
  count?: number | string;
  /** One host per distinct value of this expression (e.g. "{{ facts.os.distro }}"). */
  per?: Expr;
  /** Gate expressions evaluated per canary host after its play; all must hold. */
  gates: Expr[];
}

export interface Pause {
  seconds?: number;
  prompt?: string;
}

export interface Rollout {
  canary?: Canary;
  /** Ansible's serial: numbers and "N%" strings; the last item repeats. Empty = all at once. */
  serial: (number | string)[];
  maxFailPercentage?: number;
  /** Hosts in flight at once (the p-limit size); -f/--forks overrides. */
  concurrency: number;
  order: HostOrder;
  pause?: Pause;
  /** Cap of hosts in flight per inventory group (a load-balancer pool, a rack). */
  maxInFlightPerGroup?: Record<string, number>;
  /** Whether unreachable hosts count toward max_fail_percentage. Default false, like Ansible
   *  (its per-batch threshold counts failed hosts only; a batch where every host is failed or
   *  unreachable still stops the rollout). */
  unreachableCountsAsFailed: boolean;
  /** A host's whole play (facts, tasks, handlers) must end within this (ms): it caps every
   *  command, and a host over it stops, failed (then the rollback policy applies). */
  hostTimeoutMs?: number;
}

export interface Assertion {
  id: string;
  pos: Pos;
  description?: string;
  that: Expr[];
}
