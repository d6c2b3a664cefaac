// `{{ … }}` templates in strings, rendered recursively through lists and mappings. A string that
// is exactly one `{{ expr }}` yields the native value (a list stays a list, 3 stays 3); mixed text
// renders each value with Python's str(). `{# … #}` comments are dropped; `{% … %}` statements
// are not supported (an error says so). The result is data: callers quote it before it goes
// anywhere near a shell.
import type { Pos, Problem } from '../source/types.js';
import type { Expr } from './types.js';
import { ExprSyntaxError, parse, type Ast } from './expr-parse.js';
import { evaluateAst, type EvalEnv, type Scope } from './expr-eval.js';
import { isMapping, pyStr } from './py.js';
import { setOwn } from '../source/schema.js';
import { posAt, TemplateError, undefinedVariableOf } from './template-error.js';

export { evaluateCondition, evaluateExpr, compileExpr, exprProblems, firstFalse } from './expr.js';
export { TemplateError, undefinedVariableOf };
export type { Scope };

export type Segment = { kind: 'text'; text: string } | { kind: 'expr'; source: string; offset: number; ast: Ast };

export function hasTemplate(s: string): boolean {
  return s.includes('{{') || s.includes('{%') || s.includes('{#');
}

function syntaxError(s: string, pos: Pos, at: number, message: string, lineText?: string, extra: Partial<Problem> = {}): TemplateError {
  const p = posAt(pos, s, at);
  const problem: Problem = { pos: p, message: `template syntax error: ${message}`, ...extra };
  if (lineText !== undefined && p.line === pos.line) problem.lineText = lineText;
  return new TemplateError('syntax', problem);
}

/** Index of the `}}` closing an expression that starts at `from`, skipping strings and braces. */
function closingBraces(s: string, from: number): number {
  let quote: string | null = null;
  let depth = 0;
  for (let i = from; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '{') depth++;
    else if (c === '}') {
      if (depth === 0 && s[i + 1] === '}') return i;
      if (depth > 0) depth--;
    }
  }
  return -1;
}

/** Split a template into text and parsed expressions; throws a positioned TemplateError. */
export function parseTemplate(s: string, pos: Pos, lineText?: string): Segment[] {
  const out: Segment[] = [];
  let text = '';
  let i = 0;
  const flush = () => {
    if (text) out.push({ kind: 'text', text });
    text = '';
  };
  while (i < s.length) {
    if (s.startsWith('{{', i)) {
      let start = i + 2;
      if (s[start] === '-') {
        start++;
        text = text.replace(/\s+$/, '');
      }
      const close = closingBraces(s, start);
      if (close < 0) throw syntaxError(s, pos, i, "'{{' is never closed", lineText, { expected: "'}}'", found: 'the end of the string' });
      let end = close;
      let trimAfter = false;
      if (s[end - 1] === '-' && end - 1 >= start) {
        end--;
        trimAfter = true;
      }
      flush();
      const source = s.slice(start, end);
      let ast: Ast;
      try {
        ast = parse(source);
      } catch (e) {
        if (!(e instanceof ExprSyntaxError)) throw e;
        const extra: Partial<Problem> = {};
        if (e.expected) extra.expected = e.expected;
        if (e.found) extra.found = e.found;
        throw syntaxError(s, pos, start + e.at, e.message, lineText, extra);
      }
      out.push({ kind: 'expr', source, offset: start, ast });
      i = close + 2;
      if (trimAfter) while (i < s.length && /\s/.test(s[i]!)) i++;
      continue;
    }
    if (s.startsWith('{%', i)) {
      throw syntaxError(s, pos, i, "statements ('{% … %}') are not supported", lineText, {
        hint: "use an inline 'a if c else b', filters, or separate tasks with 'when'",
      });
    }
    if (s.startsWith('{#', i)) {
      const end = s.indexOf('#}', i + 2);
      if (end < 0) throw syntaxError(s, pos, i, "'{#' comment is never closed", lineText, { expected: "'#}'" });
      i = end + 2;
      continue;
    }
    text += s[i];
    i++;
  }
  flush();
  return out;
}

/** Syntax problems of a template string (empty when it parses). */
export function templateProblems(s: string, pos: Pos, lineText?: string): Problem[] {
  try {
    parseTemplate(s, pos, lineText);
    return [];
  } catch (e) {
    if (e instanceof TemplateError) return [e.problem];
    throw e;
  }
}

export interface RenderOpts {
  /** Positions of template strings by their raw text (Playbook.templates), for precise errors. */
  sources?: Record<string, Expr>;
  /** The file line `pos` is on, for the caret rendering. */
  lineText?: string;
}

/** Render one string: the native value for a lone `{{ expr }}`, else a string. */
export function renderString(s: string, scope: Scope, pos: Pos, opts: RenderOpts = {}): unknown {
  if (!hasTemplate(s)) return s;
  const known = opts.sources && Object.hasOwn(opts.sources, s) ? opts.sources[s] : undefined;
  const base = known?.pos ?? pos;
  const lineText = known ? known.lineText : opts.lineText;
  const segments = parseTemplate(s, base, lineText);
  const evalSeg = (seg: Extract<Segment, { kind: 'expr' }>) => {
    const env: EvalEnv = { scope, source: seg.source, pos: posAt(base, s, seg.offset) };
    if (lineText !== undefined && env.pos.line === base.line) env.lineText = lineText;
    return evaluateAst(seg.ast, env);
  };
  if (segments.length === 1 && segments[0]!.kind === 'expr') return evalSeg(segments[0]);
  return segments.map((seg) => (seg.kind === 'text' ? seg.text : pyStr(evalSeg(seg)))).join('');
}

/** Render every template string inside a value (lists and mappings recursively; keys stay). */
export function render(value: unknown, scope: Scope, pos: Pos, opts: RenderOpts = {}): unknown {
  if (typeof value === 'string') return renderString(value, scope, pos, opts);
  if (Array.isArray(value)) return value.map((v) => render(v, scope, pos, opts));
  if (isMapping(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) setOwn(out, k, render(v, scope, pos, opts));
    return out;
  }
  return value;
}

/**
 * A scope with `vars` added, each rendered on first use so vars may refer to each other in any
 * order (like Ansible's lazy vars); a cycle is an error naming it.
 */
export function resolveVars(vars: Record<string, unknown>, base: Scope, pos: Pos, opts: RenderOpts = {}): Scope {
  const scope: Scope = { ...base };
  const done = new Map<string, unknown>();
  const stack: string[] = [];
  for (const name of Object.keys(vars)) {
    Object.defineProperty(scope, name, {
      enumerable: true,
      configurable: true,
      get() {
        if (done.has(name)) return done.get(name);
        if (stack.includes(name)) {
          const cycle = [...stack.slice(stack.indexOf(name)), name].join(' → ');
          const known = typeof vars[name] === 'string' ? opts.sources?.[vars[name] as string] : undefined;
          throw new TemplateError('value', { pos: known?.pos ?? pos, message: `variable '${name}' refers to itself: ${cycle}` });
        }
        stack.push(name);
        try {
          const v = render(vars[name], scope, pos, opts);
          done.set(name, v);
          return v;
        } finally {
          stack.pop();
        }
      },
    });
  }
  // Resolve everything now so errors surface here, not at a random later use.
  for (const name of Object.keys(vars)) void scope[name];
  const out: Scope = { ...base };
  for (const name of Object.keys(vars)) out[name] = done.get(name);
  return out;
}
