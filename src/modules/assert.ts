// assert: conditions over facts, vars and registered results. Planned and applied the same way:
// a false condition is a failed host (and a `fail` line in the plan), never a change.
import type { Schema } from '../source/schema-types.js';
import type { Module, Planned } from './types.js';

export interface EvaluatedCondition { expr: string; value: boolean }
export interface AssertArgs { that: EvaluatedCondition[]; fail_msg?: string; success_msg?: string }

export const assertSchema: Schema = {
  type: 'object',
  scalarField: 'that',
  fields: {
    that: { schema: { type: 'list', items: { type: 'string', nonEmpty: true }, single: true, minItems: 1 }, required: true },
    fail_msg: { schema: { type: 'string' } },
    success_msg: { schema: { type: 'string' } },
  },
};

export function planAssert(args: AssertArgs): Planned {
  const failed = args.that.filter((c) => !c.value);
  if (failed.length === 0) return { status: 'ok', summary: args.success_msg ?? 'all assertions passed', class: 'stateless' };
  return { status: 'fail', summary: args.fail_msg ?? `assertion failed: ${failed.map((c) => c.expr).join('; ')}`, class: 'stateless' };
}

export const assertModule: Module<AssertArgs> = {
  name: 'assert',
  schema: assertSchema,
  conditionFields: ['that'],
  normalize: (raw) => raw as unknown as AssertArgs,
  plan: (args) => planAssert(args),
  async apply(_ctx, args, planned) {
    return planned.status === 'ok' ? { status: 'ok', msg: planned.summary } : { status: 'failed', msg: planned.summary };
  },
};
