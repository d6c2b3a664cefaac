// The expression language of conditions (`when`, `until`, compliance `that`, canary gates):
// a Jinja-like subset with Ansible's filters and tests, including `is version(…)` with PHP, dpkg
// and rpm orderings. Hand-written parser and tree walker: no eval, no Function.
//
// Semantics worth knowing:
// - An undefined variable is an error naming it and its place, except under `| default(…)` and
//   `is defined` / `is undefined`. Attribute chains stay undefined (`facts.apache.mpm is defined`
//   is false when `facts.apache` is missing) instead of failing, unlike plain Jinja.
// - A condition must evaluate to true or false (like ansible-core 2.19): `when: result.stdout`
//   is an error, write `result.stdout | length > 0`.
// - `x is version(v, op, type)` defaults to Ansible's 'loose' ordering, which puts 3.5.0RC1 *after*
//   3.5.0; for PHP extensions pass 'php', for packages 'dpkg' or 'rpm'.
import type { Problem } from '../source/types.js';
import type { Expr } from './types.js';
import { ExprSyntaxError, parse, type Ast } from './expr-parse.js';
import { evaluateAst, type EvalEnv, type Scope } from './expr-eval.js';
import { describeValue } from './py.js';
import { posAt, TemplateError } from './template-error.js';

export type { Scope };
export type { Ast };
export { TemplateError };

export interface CompiledExpr {
  expr: Expr;
  ast: Ast;
  /** Where the parsed text starts within expr.source (after stripped `{{`). */
  offset: number;
}

/** `{{ x }}` written where a bare expression is expected: the inner text and its offset. */
export function unwrapBraces(source: string): { inner: string; offset: number } | undefined {
  const m = /^(\s*\{\{-?)([\s\S]*?)-?\}\}\s*$/.exec(source);
  if (!m || m[2]!.includes('{{')) return undefined;
  return { inner: m[2]!, offset: m[1]!.length };
}

/** Parse once; throws a positioned TemplateError on a syntax error. */
export function compileExpr(expr: Expr): CompiledExpr {
  const unwrapped = unwrapBraces(expr.source);
  const text = unwrapped ? unwrapped.inner : expr.source;
  const offset = unwrapped ? unwrapped.offset : 0;
  try {
    return { expr, ast: parse(text), offset };
  } catch (e) {
    if (!(e instanceof ExprSyntaxError)) throw e;
    throw syntaxError(expr, offset + e.at, e);
  }
}

function syntaxError(expr: Expr, at: number, e: ExprSyntaxError): TemplateError {
  const pos = posAt(expr.pos, expr.source, at);
  const problem: Problem = { pos, message: `expression syntax error: ${e.message}` };
  if (e.expected) problem.expected = e.expected;
  if (e.found) problem.found = e.found;
  if (expr.lineText !== undefined && pos.line === expr.pos.line) problem.lineText = expr.lineText;
  return new TemplateError('syntax', problem);
}

/** Syntax problems of an expression (empty when it parses): for loaders that collect problems. */
export function exprProblems(expr: Expr): Problem[] {
  try {
    compileExpr(expr);
    return [];
  } catch (e) {
    if (e instanceof TemplateError) return [e.problem];
    throw e;
  }
}

function envOf(c: CompiledExpr, scope: Scope): EvalEnv {
  const { expr, offset } = c;
  const env: EvalEnv = { scope, source: expr.source.slice(offset), pos: posAt(expr.pos, expr.source, offset) };
  if (expr.lineText !== undefined && env.pos.line === expr.pos.line) env.lineText = expr.lineText;
  return env;
}

export function evaluateCompiled(c: CompiledExpr, scope: Scope): unknown {
  return evaluateAst(c.ast, envOf(c, scope));
}

/** The value of an expression (native: a list stays a list). */
export function evaluateExpr(expr: Expr | CompiledExpr, scope: Scope): unknown {
  const c = 'ast' in expr ? expr : compileExpr(expr);
  return evaluateCompiled(c, scope);
}

/** A `when` / `until` / compliance condition: must be true or false. */
export function evaluateCondition(expr: Expr | CompiledExpr, scope: Scope): boolean {
  const c = 'ast' in expr ? expr : compileExpr(expr);
  const v = evaluateCompiled(c, scope);
  if (typeof v === 'boolean') return v;
  const env = envOf(c, scope);
  const problem: Problem = {
    pos: env.pos,
    message: 'a condition must be true or false',
    expected: 'true or false',
    found: describeValue(v),
    hint: "say what you mean: 'x | bool', 'x | length > 0', 'x is defined', 'x == \"yes\"'",
  };
  if (env.lineText !== undefined) problem.lineText = env.lineText;
  throw new TemplateError('type', problem);
}

/** The first condition of a list (a task's `when`) that is false; undefined when all hold. */
export function firstFalse(exprs: readonly (Expr | CompiledExpr)[], scope: Scope): Expr | undefined {
  for (const e of exprs) {
    if (!evaluateCondition(e, scope)) return 'ast' in e ? e.expr : e;
  }
  return undefined;
}
