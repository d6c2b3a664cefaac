// One host's play, from detect to handlers: the unit of work the rollout schedules.
// Dry run (`plan`) is this same road stopped before apply: probes and planning run in both
// modes, only `apply`/`verify`/journal writes are gated by the mode, in one place.
import type { Module, HostContext, Outcome, Planned } from '../modules/types.js';
import type { ModuleRegistry } from '../modules/registry.js';
import type { Play, Task } from '../playbook/types.js';
import type { Emit } from '../report/events.js';
import type { CommandSpec, HostConn, Transport } from '../transport/types.js';
import type { Clock, HostResult, HostSlot } from './types.js';
import { evaluateTaskConditions, plannedRegister, renderTaskArgs, UnknownDependency, type Scope } from './task-scope.js';
import { withBecome } from './become.js';
import { hostBudget, type HostBudget } from './budget.js';

/** Where mutating steps are recorded before they run (the journal implements it). */
export interface StepRecorder {
  intent(host: string, taskIndex: number, task: Task, planned: Planned, handler?: boolean): number | string;
  outcome(id: number | string, o: { status: string; msg?: string; verified?: boolean; startedAt: number; finishedAt: number }): void;
}

export interface FactGatherer {
  (ctx: HostContext, names: readonly string[], vars: Record<string, unknown>): Promise<{ ok: true; facts: Record<string, unknown> } | { ok: false; unreachable: boolean; msg: string }>;
}

export interface PlayHostDeps {
  mode: 'plan' | 'apply';
  transport: Transport;
  modules: ModuleRegistry;
  emit: Emit;
  clock: Clock;
  gatherFacts?: FactGatherer;
  recorder?: StepRecorder;
  /** sudo password (from a prompt or env), passed over stdin only. */
  becomePassword?: string;
  /** Irreversible steps run only when the operator said so (--allow-irreversible). */
  allowIrreversible?: boolean;
  /** Facts of this host's detect phase, for the journal's fingerprint. */
  onFacts?(host: string, facts: Record<string, unknown>): void;
  /** Where each template string sits in the playbook (precise error positions). */
  templates?: Record<string, import('../playbook/types.js').Expr>;
  /** resume: task indexes this host already finished in the run being resumed. */
  doneTasks?(host: string): ReadonlySet<number>;
  /** resume: tasks that changed the host (or may have, cut off mid-step) in that run: their
   *  handlers are notified again, as nobody knows whether those ran before it stopped. */
  touchedTasks?(host: string): ReadonlySet<number>;
  /** Default per-command timeout when a task sets none. */
  defaultTimeoutMs?: number;
  /** plan mode: this host would be a canary (so `when: is_canary` steps are planned too). */
  planAsCanary?: boolean;
  /**
   * Called with the host's facts before any task: a message refuses the host (a saved plan's
   * drift check), nothing having been changed.
   */
  admit?(host: string, facts: Record<string, unknown>): string | undefined;
  /** Handlers notified before the play starts (rollback: those the undone steps notified). */
  notified?: readonly string[];
  /** Set by playHost from `rollout.host_timeout`: caps every command of this host's play. */
  budget?: HostBudget;
}

interface TaskRun {
  status: 'ok' | 'changed' | 'failed' | 'unreachable' | 'skipped';
  msg?: string;
  /** stopped by the operator's abort, between tasks */
  interrupted?: boolean;
}

/** How a host's commands run: the task's (else the play's) become with the run's password, its time limit, capped by the host's budget. check-host uses it too. */
export function hostContext(transport: Transport, conn: HostConn, task: Task | undefined, play: Play, deps: Pick<PlayHostDeps, 'becomePassword' | 'defaultTimeoutMs' | 'budget'>): HostContext {
  const become = task?.become ?? play.become;
  const user = task?.becomeUser ?? play.becomeUser;
  const timeoutMs = task?.timeoutMs ?? deps.defaultTimeoutMs;
  return {
    host: conn,
    exec(spec: CommandSpec) {
      const t = spec.timeoutMs ?? timeoutMs;
      return transport.exec(conn, withBecome({ ...spec, timeoutMs: deps.budget ? deps.budget.cap(t) : t }, become ? { user } : undefined, deps.becomePassword));
    },
  };
}

function isUnreachableError(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { unreachable?: boolean }).unreachable === true;
}

export async function playHost(host: string, conn: HostConn, play: Play, baseScope: Scope, hostDeps: PlayHostDeps, slot?: HostSlot): Promise<HostResult> {
  // One budget for the whole play (facts, tasks, handlers): a sick host whose every command is
  // slow must not hold its batch for the sum of its per-command timeouts.
  const budget = hostBudget(play.rollout.hostTimeoutMs, hostDeps.clock);
  const deps = { ...hostDeps, budget };
  const overdue = budget.spent;
  const overBudget = (where: string) => budget.message('play', where);
  const { emit } = deps;
  emit({ kind: 'host.start', host });
  try {
    const scope: Scope = { ...baseScope, is_canary: (slot?.canary || deps.planAsCanary) ?? false };
    if (play.facts.length > 0 && deps.gatherFacts) {
      const g = await deps.gatherFacts(hostContext(deps.transport, conn, undefined, play, deps), play.facts, scope);
      if (!g.ok) {
        const status = g.unreachable ? 'unreachable' : 'failed';
        const msg = overdue() ? overBudget(`facts: ${g.msg}`) : g.msg;
        emit({ kind: 'host.end', host, status, msg });
        return { host, status, msg };
      }
      scope.facts = g.facts;
      deps.onFacts?.(host, g.facts);
      const refused = deps.admit?.(host, g.facts);
      if (refused) {
        emit({ kind: 'host.end', host, status: 'failed', msg: refused });
        return { host, status: 'failed', msg: refused, touched: false };
      }
      for (const [name, value] of Object.entries(g.facts)) emit({ kind: 'host.fact', host, fact: name, value });
    }
    const pending = new Set<string>();
    const notified = new Set<string>(deps.notified ?? []);
    let changed = false;
    const done = deps.doneTasks?.(host);
    const touched = deps.touchedTasks?.(host);

    // plan: handlers flushed mid-play (a restart) change what later steps find; those steps
    // are planned on today's state, so a failure predicted there is only "unknown".
    const flushedChanges: string[] = [];
    const runList = async (tasks: Task[], isHandler: boolean): Promise<TaskRun | undefined> => {
      for (let i = 0; i < tasks.length; i++) {
        const task = tasks[i];
        // Where the stopped run changed the host (or may have), its notifications stand.
        if (!isHandler && touched?.has(i)) for (const n of task.notify) notified.add(n);
        if (!isHandler && done?.has(i)) {
          emit({ kind: 'host.step', host, task: task.name, status: 'skipped', ms: 0, msg: 'done in the run being resumed' });
          continue;
        }
        if (isHandler && !notified.has(task.name) && !(task.listen ?? []).some((l) => notified.has(l))) continue;
        // Ctrl-C: a host stops before its next task (none after its last: it is done).
        if (slot?.signal.aborted && deps.mode === 'apply') return { status: 'failed', msg: 'aborted before the next task', interrupted: true };
        if (overdue()) return { status: 'failed', msg: overBudget(`stopped before ${isHandler ? 'handler' : 'task'} '${task.name}'`) };
        if (!isHandler && task.module === 'meta' && task.args === 'flush_handlers') {
          const flushed = await runList(play.handlers, true);
          notified.clear();
          if (flushed) return flushed;
          continue;
        }
        const exec = () => runTask(host, conn, play, task, i, isHandler, scope, pending, deps, isHandler ? [] : flushedChanges);
        const r = task.throttle && slot ? await slot.throttle(`${play.name}\0${i}\0${isHandler}`, task.throttle, exec) : await exec();
        if (r.status === 'changed') {
          changed = true;
          if (isHandler && deps.mode === 'plan') flushedChanges.push(task.name);
          for (const n of task.notify) notified.add(n);
        }
        if (r.status === 'unreachable') return r;
        if (r.status === 'failed' && !task.ignoreErrors) return overdue() ? { ...r, msg: overBudget(`'${task.name}': ${r.msg ?? 'failed'}`) } : r;
      }
      return undefined;
    };
    const stop = (await runList(play.tasks, false)) ?? (await runList(play.handlers, true));
    let status: HostResult['status'] = stop ? (stop.status as HostResult['status']) : changed ? 'changed' : 'ok';
    let msg = stop?.msg;
    // Canary gates: evaluated on the canary host's final scope (facts + registered results).
    let gatesPassed: boolean | undefined;
    if (slot?.canary && deps.mode === 'apply' && play.rollout.canary?.gates.length && !stop) {
      gatesPassed = true;
      for (const g of play.rollout.canary.gates) {
        let ok = false;
        let why: string | undefined;
        try { ok = evaluateTaskConditions([g], scope, new Set()); } catch (e) { why = (e as Error).message; }
        emit({ kind: 'host.check', host, id: `canary-gate: ${g.source}`, status: why ? 'error' : ok ? 'pass' : 'fail', msg: why });
        if (!ok) { gatesPassed = false; status = 'failed'; msg = `canary gate failed: ${g.source}${why ? ` (${why})` : ''}`; break; }
      }
    }
    emit({ kind: 'host.end', host, status, msg, ...(stop?.interrupted ? { interrupted: true } : {}) });
    return { host, status, msg, gatesPassed };
  } finally {
    await deps.transport.close(conn).catch(() => undefined);
  }
}

async function runTask(host: string, conn: HostConn, play: Play, task: Task, index: number, handler: boolean, scope: Scope, pending: Set<string>, deps: PlayHostDeps, afterHandlers: readonly string[]): Promise<TaskRun> {
  const { emit, mode } = deps;
  const t0 = deps.clock.now();
  const module = deps.modules.get(task.module) as Module;
  const step = (status: TaskRun['status'], msg?: string, extra: Record<string, unknown> = {}): TaskRun => {
    if (mode === 'apply') emit({ kind: 'host.step', host, task: task.name, status, ms: deps.clock.now() - t0, msg, ...(status === 'failed' && task.ignoreErrors ? { ignored: true } : {}), ...extra });
    return { status, msg };
  };
  const where = { index, handler, module: task.module };
  const planned = (status0: Planned['status'], summary: string, p?: Partial<Planned>): TaskRun => {
    let status = status0;
    if (status === 'fail' && afterHandlers.length) {
      status = 'unknown';
      p = { ...p, reason: `runs after ${afterHandlers.map((h) => `'${h}'`).join(', ')}, which change what it will find; as things stand now: ${p?.reason ?? summary}` };
    }
    emit({ kind: 'host.plan', host, task: task.name, status, diff: p?.diff, reason: p?.reason ?? summary, class: status === 'change' ? p?.class : undefined, ...(status === 'change' && p?.estimateMs !== undefined ? { estimateMs: p.estimateMs } : {}), ...where });
    if (task.register) {
      // Later tasks of the plan see what apply would register (`changed` of a step about to change).
      scope[task.register] = plannedRegister(task.register, status, summary);
      if (status === 'change' || status === 'unknown') pending.add(task.register);
    }
    return { status: status === 'fail' ? 'failed' : status === 'change' ? 'changed' : status === 'skip' ? 'skipped' : 'ok', msg: summary };
  };
  const ctx = hostContext(deps.transport, conn, task, play, deps);
  try {
    if (task.when && !evaluateTaskConditions(task.when, scope, pending)) {
      if (task.register) scope[task.register] = { skipped: true, changed: false };
      return mode === 'plan' ? planned('skip', 'condition false') : step('skipped', 'condition false');
    }
    const args = renderTaskArgs(module, task, scope, pending, deps.templates);
    // retries/until: attempts = retries + 1; `until` decides, else success ends the loop.
    const attempts = task.until || task.retries > 0 ? Math.max(1, task.retries) + 1 : 1;
    let last: TaskRun = { status: 'ok' };
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const state = module.probe ? await module.probe(ctx, args) : undefined;
      const p = module.plan(args, state);
      if (mode === 'plan') return planned(p.status, p.summary, p);
      last = await applyPlanned(host, module, ctx, args, p, task, index, handler, scope, deps);
      if (last.status === 'unreachable') break;
      const done = task.until ? evaluateTaskConditions([task.until], scope, pending) : last.status !== 'failed';
      if (done) break;
      if (attempt < attempts) await deps.clock.sleep(task.delayMs);
      else if (task.until && last.status !== 'failed') last = { status: 'failed', msg: `until condition still false after ${attempts} attempts: ${task.until.source}` };
    }
    return step(last.status, last.msg);
  } catch (e) {
    if (e instanceof UnknownDependency) {
      return mode === 'plan' ? planned('unknown', `depends on ${e.variable}, which an earlier task will change`) : step('failed', e.message);
    }
    if (isUnreachableError(e)) return mode === 'plan' ? (emit({ kind: 'host.plan', host, task: task.name, status: 'unknown', reason: `unreachable: ${(e as Error).message}`, ...where }), { status: 'unreachable', msg: (e as Error).message }) : step('unreachable', (e as Error).message);
    const msg = (e as Error).message;
    if (mode === 'plan') return planned('fail', msg, { reason: msg });
    return step('failed', msg);
  }
}

async function applyPlanned(host: string, module: Module, ctx: HostContext, args: unknown, p: Planned, task: Task, index: number, handler: boolean, scope: Scope, deps: PlayHostDeps): Promise<TaskRun> {
  const register = (o: Outcome, changed: boolean) => {
    if (task.register) scope[task.register] = { ...(o.result ?? {}), changed, failed: o.status === 'failed', msg: o.msg };
  };
  if (p.status === 'ok' || p.status === 'skip') {
    const o: Outcome = { status: 'ok', msg: p.summary, result: { msg: p.summary } };
    register(o, false);
    return { status: p.status === 'skip' ? 'skipped' : 'ok', msg: o.msg ?? p.summary };
  }
  if (p.status === 'fail') {
    register({ status: 'failed', msg: p.summary }, false);
    return { status: 'failed', msg: p.summary };
  }
  if (p.class === 'irreversible' && !deps.allowIrreversible) {
    return { status: 'failed', msg: `refused: '${task.name}' cannot be undone (${p.summary}); pass --allow-irreversible to run it` };
  }
  const startedAt = deps.clock.now();
  // Journal first: a controller killed after this line leaves an intent whose inverse can be replayed.
  // Stateless steps too (a restart, a canary's reloads): nothing to undo, but what was done to
  // a host, and when, is on record.
  const id = deps.recorder?.intent(host, index, task, p, handler);
  let o = await module.apply(ctx, args, p);
  let verified: boolean | undefined;
  if (o.status === 'changed' && module.verify) {
    const v = await module.verify(ctx, args, p);
    verified = v.status === 'ok';
    if (!verified) o = { ...o, status: v.status === 'unreachable' ? 'unreachable' : 'failed', msg: v.msg };
  }
  if (id !== undefined) deps.recorder?.outcome(id, { status: o.status, msg: o.msg, verified, startedAt, finishedAt: deps.clock.now() });
  register(o, o.status === 'changed');
  return { status: o.status, msg: o.msg ?? (o.status === 'changed' ? p.summary : undefined) };
}
