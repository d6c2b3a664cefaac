// A module: a pure planner plus apply, verify and an inverse for rollback.
// Dry run is the same road stopped before apply (two-phase), never a per-module check mode.
import type { Schema } from '../source/schema-types.js';
import type { CommandSpec, ExecOutcome, HostConn } from '../transport/types.js';

/** What a module can do on a host: run commands over the host's one connection. */
export interface HostContext {
  host: HostConn;
  exec(spec: CommandSpec): Promise<ExecOutcome>;
}

/** Classes shown in the plan: whether the step can be undone. */
export type StepClass = 'reversible' | 'stateless' | 'irreversible';

export interface Planned<Inverse = unknown> {
  status: 'ok' | 'change' | 'skip' | 'unknown' | 'fail';
  /** one line: what will happen, e.g. "write /etc/x (3 lines changed)" */
  summary: string;
  diff?: string;
  reason?: string;
  class: StepClass;
  /** What rollback needs, recorded in the journal before apply. */
  inverse?: Inverse;
  /** Whatever apply needs from planning (rendered args, probed state). */
  data?: unknown;
  /** How long apply is expected to take, when the module knows better than a default
   *  (waits, repeated reloads, downloads): for the plan's estimated duration. */
  estimateMs?: number;
}

export interface Outcome {
  status: 'ok' | 'changed' | 'failed' | 'unreachable';
  msg?: string;
  /** Registered result (for `register:`/`until:`): stdout, rc, … */
  result?: Record<string, unknown>;
}

export interface Module<Args = any, Inverse = any> {
  name: string;
  /** Argument schema; the playbook validator uses it so bad args are positioned errors. */
  schema: Schema;
  /** Turn schema-validated, template-rendered raw args into typed Args (shorthands resolved). */
  normalize?(raw: Record<string, unknown>): Args;
  /**
   * Arg fields holding conditions (bare expressions, like `that:`). The engine evaluates them
   * against the host's scope and passes `{ expr, value }` pairs instead of templates.
   */
  conditionFields?: readonly string[];
  /**
   * Read the host's current state for this step (read-only), then plan. Split into probe + pure
   * plan so plan is testable on captured output and identical in dry run and apply.
   */
  probe?(ctx: HostContext, args: Args): Promise<unknown>;
  plan(args: Args, state: unknown): Planned<Inverse>;
  apply(ctx: HostContext, args: Args, planned: Planned<Inverse>): Promise<Outcome>;
  verify?(ctx: HostContext, args: Args, planned: Planned<Inverse>): Promise<Outcome>;
  rollback?(ctx: HostContext, inverse: Inverse): Promise<Outcome>;
}
