// Walks the expression tree over a scope of plain values. Missing names become UndefinedMarker
// values that only `default`, `is defined` and attribute chains may carry; any other use throws a
// TemplateError naming the variable and pointing at it in the file.
import type { Pos } from '../source/types.js';
import type { Ast, CmpOp } from './expr-parse.js';
import { FILTERS, LENIENT_FILTERS, LENIENT_TESTS, NotYetKnown, PartlyKnown, TESTS, UndefinedMarker, methodNames, methodOf, type CallCtx } from './expr-builtins.js';
import { describeValue, isMapping, pyCompare, pyEq, PyTypeError, pyStr, truthy, typeWord } from './py.js';
import { posAt, TemplateError, type TemplateErrorKind } from './template-error.js';
import { didYouMean } from '../source/suggest.js';
import { setOwn } from '../source/schema.js';

export type Scope = Record<string, unknown>;

export interface EvalEnv {
  scope: Scope;
  /** The expression's source text and where it starts in the file. */
  source: string;
  pos: Pos;
  /** The file line the expression starts on, for the caret rendering. */
  lineText?: string;
}

export function fail(env: EvalEnv, at: number, kind: TemplateErrorKind, message: string, hint?: string, variable?: string): never {
  const pos = posAt(env.pos, env.source, at);
  const problem: TemplateError['problem'] = { pos, message };
  if (hint) problem.hint = hint;
  if (env.lineText !== undefined && pos.line === env.pos.line) problem.lineText = env.lineText;
  throw new TemplateError(kind, problem, variable);
}

function undefinedError(env: EvalEnv, u: UndefinedMarker, fallbackAt: number): never {
  let message: string;
  if (!u.path) message = `undefined value: ${u.reason}`;
  else if (u.rootVar !== undefined) {
    message = `undefined variable '${u.rootVar}'${u.path !== u.rootVar ? ` (in '${u.path}')` : ''}${u.reason ? `: ${u.reason}` : ''}`;
  } else message = `undefined variable '${u.path}': ${u.reason}`;
  const hint =
    u.rootVar !== undefined ? `define '${u.rootVar}' in vars, facts or with -e, or guard it with 'is defined' or '| default(...)'` : undefined;
  return fail(env, u.path ? u.at : fallbackAt, 'undefined', message, hint, u.path || undefined);
}

/** The same missing value seen through a longer path (`pkgs` → `pkgs[0]`). */
function extend(u: UndefinedMarker, path: string): UndefinedMarker {
  return new UndefinedMarker(u.reason, path, u.at, u.rootVar);
}

/** The dotted path of a lookup, for messages: facts.apache.mpm, pkgs[0]. */
export function pathOf(ast: Ast): string {
  switch (ast.k) {
    case 'var':
      return ast.name;
    case 'attr':
      return `${pathOf(ast.obj)}.${ast.name}`;
    case 'index':
      return ast.index.k === 'lit' ? `${pathOf(ast.obj)}[${JSON.stringify(ast.index.v)}]` : `${pathOf(ast.obj)}[…]`;
    default:
      return '(…)';
  }
}

/** Evaluate and require a defined value. */
export function evaluateAst(ast: Ast, env: EvalEnv): unknown {
  return strict(ev(ast, env), ast, env);
}

function strict(v: unknown, ast: Ast, env: EvalEnv): unknown {
  if (v instanceof UndefinedMarker) undefinedError(env, v, ast.at);
  // A dry run's partly known result used whole (rendered, compared, passed to a filter): what
  // it holds is not known yet.
  if (v instanceof PartlyKnown) throw new NotYetKnown(v.variable);
  return v;
}

function lookup(container: unknown, key: string | number, path: string, parentPath: string, at: number): unknown {
  if (container instanceof PartlyKnown) {
    if (Object.hasOwn(container.known, String(key))) return container.known[String(key)];
    throw new NotYetKnown(path);
  }
  if (container === null || container === undefined) return new UndefinedMarker(`'${parentPath}' is none`, path, at);
  if (isMapping(container)) {
    const k = String(key);
    if (Object.hasOwn(container, k) && container[k] !== undefined) return container[k];
    const guess = didYouMean(k, Object.keys(container));
    return new UndefinedMarker(`'${parentPath}' has no key '${k}'${guess ? ` (did you mean '${guess}'?)` : ''}`, path, at);
  }
  if ((Array.isArray(container) || typeof container === 'string') && typeof key === 'number' && Number.isInteger(key)) {
    const i = key < 0 ? container.length + key : key;
    if (i >= 0 && i < container.length) return container[i];
    return new UndefinedMarker(`'${parentPath}' has no item ${key} (it has ${container.length})`, path, at);
  }
  return new UndefinedMarker(`'${parentPath}' is ${typeWord(container)}, it has no ${typeof key === 'number' ? 'item' : 'key'} ${JSON.stringify(key)}`, path, at);
}

function ev(ast: Ast, env: EvalEnv): unknown {
  switch (ast.k) {
    case 'lit':
      return ast.v;
    case 'var': {
      const { scope } = env;
      if (Object.hasOwn(scope, ast.name) && scope[ast.name] !== undefined) return scope[ast.name];
      const guess = didYouMean(ast.name, Object.keys(scope));
      return new UndefinedMarker(guess ? `did you mean '${guess}'?` : '', ast.name, ast.at, ast.name);
    }
    case 'attr': {
      const o = ev(ast.obj, env);
      if (o instanceof UndefinedMarker) return extend(o, pathOf(ast));
      return lookup(o, ast.name, pathOf(ast), pathOf(ast.obj), ast.at + 1);
    }
    case 'index': {
      const o = ev(ast.obj, env);
      if (o instanceof UndefinedMarker) return extend(o, pathOf(ast));
      const idx = evaluateAst(ast.index, env);
      if (typeof idx !== 'string' && typeof idx !== 'number') {
        fail(env, ast.index.at, 'type', `an index must be a string or an integer, found ${describeValue(idx)}`);
      }
      return lookup(o, idx, pathOf(ast), pathOf(ast.obj), ast.index.at);
    }
    case 'slice':
      return slice(ast, env);
    case 'list':
      return ast.items.map((i) => evaluateAst(i, env));
    case 'dict': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of ast.entries) setOwn(out, pyStr(evaluateAst(k, env)), evaluateAst(v, env));
      return out;
    }
    case 'unary': {
      const x = evaluateAst(ast.x, env);
      if (typeof x !== 'number' && typeof x !== 'boolean') fail(env, ast.at, 'type', `cannot negate ${describeValue(x)}`);
      return ast.op === '-' ? -Number(x) : Number(x);
    }
    case 'not':
      return !truthy(evaluateAst(ast.x, env));
    case 'and': {
      const l = evaluateAst(ast.l, env);
      return truthy(l) ? evaluateAst(ast.r, env) : l;
    }
    case 'or': {
      const l = evaluateAst(ast.l, env);
      return truthy(l) ? l : evaluateAst(ast.r, env);
    }
    case 'bin':
      return binary(ast.op, evaluateAst(ast.l, env), evaluateAst(ast.r, env), ast.at, env);
    case 'cmp': {
      let left = evaluateAst(ast.first, env);
      for (const [op, rAst, at] of ast.rest) {
        const right = evaluateAst(rAst, env);
        if (!compare(op, left, right, at, env)) return false;
        left = right;
      }
      return true;
    }
    case 'filter':
      return callBuiltin('filter', ast.name, FILTERS, LENIENT_FILTERS, ast, env);
    case 'test': {
      const r = truthy(callBuiltin('test', ast.name, TESTS, LENIENT_TESTS, ast, env));
      return ast.negated ? !r : r;
    }
    case 'call':
      return call(ast, env);
    case 'cond':
      if (truthy(evaluateAst(ast.cond, env))) return ev(ast.then, env);
      return ast.otherwise ? ev(ast.otherwise, env) : new UndefinedMarker("the 'if' was false and there is no 'else'", '', ast.at);
  }
}

function normaliseName(name: string): string {
  return name.replace(/^ansible\.(builtin|legacy)\./, '');
}

function callBuiltin(
  kind: 'filter' | 'test',
  rawName: string,
  table: Record<string, (x: unknown, a: unknown[], k: Record<string, unknown>, c: CallCtx) => unknown>,
  lenient: Set<string>,
  ast: Extract<Ast, { k: 'filter' | 'test' }>,
  env: EvalEnv,
): unknown {
  const name = normaliseName(rawName);
  const fn = Object.hasOwn(table, name) ? table[name] : undefined;
  if (!fn) {
    const guess = didYouMean(name, Object.keys(table));
    fail(env, ast.at, 'syntax', `unknown ${kind} '${rawName}'`, guess ? `did you mean '${guess}'?` : `known ${kind}s: ${Object.keys(table).join(', ')}`);
  }
  const x = lenient.has(name) ? ev(ast.x, env) : evaluateAst(ast.x, env);
  const args = ast.args.map((a) => evaluateAst(a, env));
  const kw: Record<string, unknown> = {};
  for (const [k, v] of ast.kwargs) kw[k] = evaluateAst(v, env);
  const ctx: CallCtx = { what: `${kind} '${rawName}'`, fail: (m, k = 'type') => fail(env, ast.at, k, m) };
  return fn(x, args, kw, ctx);
}

function call(ast: Extract<Ast, { k: 'call' }>, env: EvalEnv): unknown {
  if (ast.fn.k !== 'attr') {
    const name = ast.fn.k === 'var' ? ast.fn.name : pathOf(ast.fn);
    fail(env, ast.fn.at, 'syntax', `unknown function '${name}'`, "use filters (x | int) and tests (x is defined) instead");
  }
  const self = evaluateAst(ast.fn.obj, env);
  const method = methodOf(self, ast.fn.name);
  if (!method) {
    const names = methodNames(self);
    const guess = didYouMean(ast.fn.name, names);
    fail(
      env,
      ast.fn.at + 1,
      'type',
      `${typeWord(self)} has no method '${ast.fn.name}'`,
      guess ? `did you mean '${guess}'?` : names.length ? `methods: ${names.join(', ')}` : undefined,
    );
  }
  const args = ast.args.map((a) => evaluateAst(a, env));
  const kw: Record<string, unknown> = {};
  for (const [k, v] of ast.kwargs) kw[k] = evaluateAst(v, env);
  return method(self, args, kw, { what: `method '${ast.fn.name}'`, fail: (m, k = 'type') => fail(env, ast.at, k, m) });
}

function slice(ast: Extract<Ast, { k: 'slice' }>, env: EvalEnv): unknown {
  const o = evaluateAst(ast.obj, env);
  if (!Array.isArray(o) && typeof o !== 'string') fail(env, ast.at, 'type', `cannot slice ${describeValue(o)}`);
  const num = (a: Ast | undefined): number | undefined => {
    if (!a) return undefined;
    const v = evaluateAst(a, env);
    if (v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v)) fail(env, a.at, 'type', `a slice bound must be an integer, found ${describeValue(v)}`);
    return v;
  };
  const n = o.length;
  const step = num(ast.step) ?? 1;
  if (step === 0) fail(env, ast.at, 'value', 'slice step cannot be zero');
  const clamp = (v: number | undefined, def: number, lo: number, hi: number) => {
    if (v === undefined) return def;
    const x = v < 0 ? v + n : v;
    return Math.min(Math.max(x, lo), hi);
  };
  const out: unknown[] = [];
  if (step > 0) {
    const start = clamp(num(ast.start), 0, 0, n);
    const stop = clamp(num(ast.stop), n, 0, n);
    for (let i = start; i < stop; i += step) out.push(o[i]);
  } else {
    const start = clamp(num(ast.start), n - 1, -1, n - 1);
    const stop = clamp(num(ast.stop), -1, -1, n - 1);
    for (let i = start; i > stop; i += step) out.push(o[i]);
  }
  return typeof o === 'string' ? out.join('') : out;
}

const isNum = (v: unknown): v is number | boolean => typeof v === 'number' || typeof v === 'boolean';

function binary(op: string, l: unknown, r: unknown, at: number, env: EvalEnv): unknown {
  const bad = (verb: string): never =>
    fail(env, at, 'type', `cannot ${verb} ${describeValue(l)} and ${describeValue(r)} with '${op}'`);
  switch (op) {
    case '~':
      return pyStr(l) + pyStr(r);
    case '+':
      if (isNum(l) && isNum(r)) return Number(l) + Number(r);
      if (typeof l === 'string' && typeof r === 'string') return l + r;
      if (Array.isArray(l) && Array.isArray(r)) return [...l, ...r];
      return bad('add');
    case '-':
      if (isNum(l) && isNum(r)) return Number(l) - Number(r);
      return bad('subtract');
    case '*':
      if (isNum(l) && isNum(r)) return Number(l) * Number(r);
      if (typeof l === 'string' && typeof r === 'number' && Number.isInteger(r)) return l.repeat(Math.max(0, r));
      if (Array.isArray(l) && typeof r === 'number' && Number.isInteger(r)) return Array.from({ length: Math.max(0, r) }, () => l).flat();
      return bad('multiply');
    case '/':
    case '//':
    case '%': {
      if (!isNum(l) || !isNum(r)) return bad('divide');
      const x = Number(l);
      const y = Number(r);
      if (y === 0) fail(env, at, 'value', `division by zero in '${op}'`);
      if (op === '/') return x / y;
      if (op === '//') return Math.floor(x / y);
      return x - y * Math.floor(x / y); // Python's modulo takes the divisor's sign
    }
    case '**':
      if (isNum(l) && isNum(r)) return Number(l) ** Number(r);
      return bad('raise');
  }
  return fail(env, at, 'syntax', `unknown operator '${op}'`);
}

function compare(op: CmpOp, l: unknown, r: unknown, at: number, env: EvalEnv): boolean {
  switch (op) {
    case '==':
      return pyEq(l, r);
    case '!=':
      return !pyEq(l, r);
    case 'in':
    case 'not in': {
      let found: boolean;
      if (typeof r === 'string') {
        if (typeof l !== 'string') fail(env, at, 'type', `'in <string>' needs a string on the left, found ${describeValue(l)}`);
        found = r.includes(l);
      } else if (Array.isArray(r)) {
        found = r.some((x) => pyEq(x, l));
      } else if (isMapping(r)) {
        found = typeof l === 'string' || typeof l === 'number' ? Object.hasOwn(r, String(l)) : false;
      } else {
        return fail(env, at, 'type', `cannot look inside ${describeValue(r)} with '${op}'`);
      }
      return op === 'in' ? found : !found;
    }
    default:
      try {
        const c = pyCompare(l, r);
        if (op === '<') return c < 0;
        if (op === '<=') return c <= 0;
        if (op === '>') return c > 0;
        return c >= 0;
      } catch (e) {
        if (!(e instanceof PyTypeError)) throw e;
        const versionish = (v: unknown) => typeof v === 'string' && /^\d+(\.\d+)+/.test(v);
        const hint =
          versionish(l) || versionish(r)
            ? `to compare versions write: x is version('${typeof r === 'string' ? r : pyStr(r)}', '${op}', 'php')`
            : undefined;
        return fail(env, at, 'type', `cannot compare ${describeValue(l)} with ${describeValue(r)} using '${op}'`, hint);
      }
  }
}
