// Playbook-specific schema pieces built on the generic schema language: expressions (syntax
// checked at load, positioned), values that keep their position, cross-field refinements, and
// template strings whose syntax is checked and whose place is recorded for render-time errors.
import { isMap, isScalar, isSeq, visit, type Node } from 'yaml';
import { describeFound, validate } from '../source/schema.js';
import type { CheckResult, Schema } from '../source/schema-types.js';
import type { Pos, Problem } from '../source/types.js';
import { contentPosOf, lineTextAt, posOf, problemAt, type SourceCtx } from '../source/yaml.js';
import { exprProblems, unwrapBraces } from './expr.js';
import { hasTemplate, templateProblems } from './template.js';
import type { Expr } from './types.js';

/** The loader's context: a SourceCtx plus where template strings are recorded. */
export interface PlaybookCtx extends SourceCtx {
  templates: Record<string, Expr>;
}

function templatesOf(ctx: SourceCtx): Record<string, Expr> | undefined {
  return (ctx as Partial<PlaybookCtx>).templates;
}

export interface Positioned<T> {
  value: T;
  pos: Pos;
}

/** The value plus the position of its node (plays, tasks, assertions carry their place). */
export function positioned(schema: Schema): Schema {
  return {
    type: 'custom',
    expected: describeInner(schema),
    check(node, ctx, at, label): CheckResult {
      const r = validate(node, schema, ctx, { at, label });
      if (r.value === undefined) return r;
      return { value: { value: r.value, pos: posOf(ctx.file, ctx.lineCounter, node ?? at) }, problems: r.problems };
    },
  };
}

function describeInner(schema: Schema): string {
  if (schema.type === 'object' && schema.name) return `${schema.name} (a mapping)`;
  if (schema.type === 'custom' || schema.type === 'oneOf') return schema.expected;
  return 'a value';
}

/** Validate with `schema`, then apply a cross-field rule to the value. */
export function refine(
  schema: Schema,
  rule: (value: unknown, node: unknown, ctx: SourceCtx, at: unknown) => Problem[],
): Schema {
  return {
    type: 'custom',
    expected: describeInner(schema),
    check(node, ctx, at, label): CheckResult {
      const r = validate(node, schema, ctx, { at, label });
      if (r.value === undefined || r.problems.length) return r;
      return { value: r.value, problems: rule(r.value, node, ctx, at) };
    },
  };
}

/**
 * A condition or value expression: a bare expression like Ansible's `when` (a lone `{{ … }}` is
 * accepted too). YAML booleans and numbers become their expression text.
 */
export const exprSchema: Schema = {
  type: 'custom',
  expected: "an expression, e.g. facts.php.version is version('3.5.0', '>=', 'php')",
  check: (node, ctx, at, label) => checkExpr(node, ctx, at, label),
};

/** Validate one expression node (exprSchema's check, also used for module condition fields). */
export function checkExpr(node: unknown, ctx: SourceCtx, at?: unknown, label?: string): CheckResult {
  if (!isScalar(node) || node.value === null || typeof node.value === 'object') {
    const what = label ? `wrong type for ${label}` : 'wrong type';
    const where = isScalar(node) && node.value === null && at ? at : (node ?? at);
    return { value: undefined, problems: [problemAt(ctx, where, what, { expected: 'an expression (a string)', found: describeFound(node, ctx) })] };
  }
  const v = node.value;
  const source = typeof v === 'string' ? v : typeof v === 'boolean' ? (v ? 'true' : 'false') : (node.source ?? String(v));
  const pos = contentPosOf(ctx, node);
  const expr: Expr = { source, pos };
  const lt = lineTextAt(ctx, pos.line);
  if (lt !== undefined) expr.lineText = lt;
  const problems =
    source.includes('{{') && !unwrapBraces(source)
      ? [
          problemAt(ctx, node, 'a condition is a bare expression, not a template', {
            found: describeFound(node, ctx),
            hint: "write the expression without '{{ }}', e.g. when: a == b",
          }),
        ]
      : exprProblems(expr);
  const templates = templatesOf(ctx);
  if (templates && !Object.hasOwn(templates, source)) templates[source] = expr;
  return { value: expr, problems };
}

/** Check the syntax of every template string under `node` and record where each one is. */
export function checkTemplatesIn(node: unknown, ctx: SourceCtx): Problem[] {
  const problems: Problem[] = [];
  const templates = templatesOf(ctx);
  const visitScalar = (n: unknown) => {
    if (!isScalar(n) || typeof n.value !== 'string' || !hasTemplate(n.value)) return;
    const pos = contentPosOf(ctx, n);
    const lineText = lineTextAt(ctx, pos.line);
    problems.push(...templateProblems(n.value, pos, lineText));
    if (templates && !Object.hasOwn(templates, n.value)) {
      const e: Expr = { source: n.value, pos };
      if (lineText !== undefined) e.lineText = lineText;
      templates[n.value] = e;
    }
  };
  if (isScalar(node)) visitScalar(node);
  else if (isMap(node) || isSeq(node)) visit(node as Node, { Scalar: (_k, n) => visitScalar(n) });
  return problems;
}

/** Validate with `schema` and check the template strings inside (vars, names, module args). */
export function templated(schema: Schema): Schema {
  return {
    type: 'custom',
    expected: describeInner(schema),
    check(node, ctx, at, label): CheckResult {
      const r = validate(node, schema, ctx, { at, label });
      return { value: r.value, problems: [...r.problems, ...checkTemplatesIn(node, ctx)] };
    },
  };
}
