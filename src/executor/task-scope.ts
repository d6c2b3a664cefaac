// Rendering a task's args and conditions against a host's scope. In a dry run, a registered
// result of a task that will change does not exist yet: touching it makes the step `unknown`.
import type { Module } from '../modules/types.js';
import type { Expr, Task } from '../playbook/types.js';
import { evaluateCondition, render, undefinedVariableOf } from '../playbook/template.js';
import { NotYetKnown, PartlyKnown } from '../playbook/expr-builtins.js';

export type Scope = Record<string, unknown>;

export class UnknownDependency extends Error {
  constructor(readonly variable: string) {
    super(`depends on '${variable}', which is not known until an earlier task has run`);
  }
}

/** Rethrow an undefined-variable error on a pending registered name as UnknownDependency. */
function guard<T>(pending: ReadonlySet<string>, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof NotYetKnown) throw new UnknownDependency(e.path);
    const name = undefinedVariableOf(e);
    if (name !== undefined && pending.has(name.split(/[.[]/)[0])) throw new UnknownDependency(name);
    throw e;
  }
}

/**
 * What a dry run registers for a step, as apply would: a step that would change the host
 * registers `changed: true` and nothing else known; one whose outcome the plan cannot tell,
 * nothing known at all; the others their outcome (`changed: false`, `failed` for a refusal).
 */
export function plannedRegister(variable: string, status: 'ok' | 'change' | 'skip' | 'unknown' | 'fail', msg: string): unknown {
  if (status === 'change') return new PartlyKnown(variable, { changed: true, failed: false, skipped: false });
  if (status === 'unknown') return new PartlyKnown(variable, {});
  return { msg, changed: false, failed: status === 'fail' };
}

export function evaluateTaskConditions(conds: readonly Expr[], scope: Scope, pending: ReadonlySet<string>): boolean {
  return guard(pending, () => conds.every((c) => evaluateCondition(c, scope)));
}

/** Render templates in args; fields a module lists as conditions become `{ expr, value }`. */
export function renderTaskArgs(module: Module, task: Task, scope: Scope, pending: ReadonlySet<string>, sources?: Record<string, Expr>): unknown {
  return guard(pending, () => {
    const raw = (task.args ?? {}) as Record<string, unknown>;
    const condFields = new Set(module.conditionFields ?? []);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(raw)) {
      if (condFields.has(k)) {
        const list = Array.isArray(v) ? v : [v];
        out[k] = list.map((src) => ({ expr: String(src), value: evaluateCondition(sources?.[String(src)] ?? { source: String(src), pos: task.argsPos }, scope) }));
      } else {
        out[k] = render(v, scope, task.argsPos, { sources });
      }
    }
    return module.normalize ? module.normalize(out) : out;
  });
}
