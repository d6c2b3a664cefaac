// Filters (`x | name(args)`), tests (`x is name(args)`) and string/mapping methods, with Jinja's
// and Ansible's semantics. Each gets its arguments already evaluated; `fail` raises a positioned
// error at the filter or test in the expression.
import type { TemplateErrorKind } from './template-error.js';
import { describeValue, isMapping, pyCompare, pyEq, pyRepr, pyStr, truthy, typeWord } from './py.js';
import { isVersionType, VERSION_TYPES, versionTest, type VersionType } from './version.js';

export interface CallCtx {
  /** What is being called, for messages: "filter 'int'", "test 'version'". */
  what: string;
  fail(message: string, kind?: TemplateErrorKind): never;
}

export type Builtin = (x: unknown, args: unknown[], kw: Record<string, unknown>, c: CallCtx) => unknown;

/** Positional argument i, or keyword `name`, or the default. */
function arg(args: unknown[], kw: Record<string, unknown>, i: number, name: string, def?: unknown): unknown {
  if (i < args.length) return args[i];
  if (Object.hasOwn(kw, name)) return kw[name];
  return def;
}

function needString(v: unknown, c: CallCtx, role = 'its input'): string {
  if (typeof v === 'string') return v;
  return c.fail(`${c.what} needs a string as ${role}, found ${describeValue(v)}`, 'type');
}

function needList(v: unknown, c: CallCtx): unknown[] {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [...v];
  if (isMapping(v)) return Object.keys(v);
  return c.fail(`${c.what} needs a list, found ${describeValue(v)}`, 'type');
}

function needNumber(v: unknown, c: CallCtx): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return c.fail(`${c.what} needs a number, found ${describeValue(v)}`, 'type');
}

/** Python int(str): optional sign, digits with single underscores, surrounding whitespace. */
function pyIntOfString(s: string, base: number): number | undefined {
  const t = s.trim().replace(/(?<=[0-9a-zA-Z])_(?=[0-9a-zA-Z])/g, '');
  const digits = base === 16 ? '[0-9a-fA-F]' : base === 8 ? '[0-7]' : base === 2 ? '[01]' : '[0-9]';
  const m = new RegExp(`^([+-]?)(${digits}+)$`).exec(t);
  if (!m) return undefined;
  const v = parseInt(m[2]!, base);
  return m[1] === '-' ? -v : v;
}

function pyFloatOfString(s: string): number | undefined {
  const t = s.trim().toLowerCase();
  if (/^[+-]?(inf|infinity)$/.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/.test(t)) return NaN;
  if (!/^[+-]?(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(e[+-]?\d+)?$/.test(t)) return undefined;
  return Number(t.replace(/_/g, ''));
}

/** Jinja's int filter: int(x), else int(float(x)), else the default (0). */
function toInt(v: unknown, def: unknown, base: number): unknown {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : def;
  if (typeof v === 'string') {
    const i = pyIntOfString(v, base);
    if (i !== undefined) return i;
    const f = pyFloatOfString(v);
    if (f !== undefined && Number.isFinite(f)) return Math.trunc(f);
  }
  return def;
}

function toFloat(v: unknown, def: unknown): unknown {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return pyFloatOfString(v) ?? def;
  return def;
}

/** Ansible's bool filter: yes/on/1/true (any case) are true, anything else false; none stays none. */
function toBool(v: unknown): unknown {
  if (v === null || v === undefined || typeof v === 'boolean') return v ?? null;
  if (typeof v === 'number') return v === 1;
  if (typeof v === 'string') return ['yes', 'on', '1', 'true'].includes(v.toLowerCase());
  return false;
}

function length(v: unknown, c: CallCtx): number {
  if (typeof v === 'string' || Array.isArray(v)) return v.length;
  if (isMapping(v)) return Object.keys(v).length;
  return c.fail(`${c.what} needs a string, list or mapping, found ${describeValue(v)}`, 'type');
}

function roundCommon(x: number, precision: number, method: string, c: CallCtx): number {
  const f = 10 ** precision;
  if (method === 'common') return (Math.sign(x) * Math.round(Math.abs(x) * f)) / f;
  if (method === 'ceil') return Math.ceil(x * f) / f;
  if (method === 'floor') return Math.floor(x * f) / f;
  return c.fail(`${c.what}: method must be 'common', 'ceil' or 'floor', found '${method}'`, 'value');
}

function sortValues(xs: unknown[], c: CallCtx): unknown[] {
  try {
    return [...xs].sort((a, b) => pyCompare(a, b));
  } catch (e) {
    return c.fail(`${c.what}: ${(e as Error).message}`, 'type');
  }
}

/** Ansible's version test: version(other, operator='eq', strict=None, version_type=None). */
const versionBuiltin: Builtin = (x, args, kw, c) => {
  const asVersion = (v: unknown, role: string): string => {
    if (typeof v === 'string') return v;
    if (typeof v === 'number') return pyStr(v);
    return c.fail(`${c.what} needs a version string as ${role}, found ${describeValue(v)}`, 'type');
  };
  const value = asVersion(x, 'the value to compare');
  const other = asVersion(arg(args, kw, 0, 'version'), 'the version to compare against');
  const operator = arg(args, kw, 1, 'operator', 'eq');
  if (typeof operator !== 'string') return c.fail(`${c.what}: the operator must be a string like '>='`, 'type');
  // Third positional: Ansible's `strict` flag, or (our extension) a version_type name.
  const third = args[2];
  let type: unknown = kw['version_type'];
  let strict: unknown = kw['strict'];
  if (typeof third === 'string') type = third;
  else if (third !== undefined) strict = third;
  if (type !== undefined && type !== null && strict !== undefined && strict !== null) {
    return c.fail(`${c.what}: give either strict or version_type, not both`, 'value');
  }
  let vt: VersionType = 'loose';
  if (strict === true) vt = 'strict';
  if (type !== undefined && type !== null) {
    if (typeof type !== 'string' || !isVersionType(type)) {
      return c.fail(`${c.what}: unknown version_type ${pyRepr(type)} (expected one of ${VERSION_TYPES.join(', ')})`, 'value');
    }
    vt = type;
  }
  try {
    return versionTest(value, other, operator, vt);
  } catch (e) {
    return c.fail(`${c.what}: ${(e as Error).message}`, 'value');
  }
};

export const FILTERS: Record<string, Builtin> = {
  default: (x, args, kw) => {
    const def = arg(args, kw, 0, 'default_value', '');
    const boolean = arg(args, kw, 1, 'boolean', false);
    if (x instanceof UndefinedMarker || x === undefined) return def;
    if (boolean && !truthy(x)) return def;
    return x;
  },
  int: (x, args, kw) => toInt(x, arg(args, kw, 0, 'default', 0), Number(arg(args, kw, 1, 'base', 10))),
  float: (x, args, kw) => toFloat(x, arg(args, kw, 0, 'default', 0)),
  string: (x) => pyStr(x),
  lower: (x) => pyStr(x).toLowerCase(),
  upper: (x) => pyStr(x).toUpperCase(),
  trim: (x) => pyStr(x).trim(),
  length: (x, _a, _k, c) => length(x, c),
  bool: (x) => toBool(x),
  join: (x, args, kw, c) => {
    const sep = arg(args, kw, 0, 'd', '');
    return needList(x, c)
      .map((v) => pyStr(v))
      .join(pyStr(sep));
  },
  split: (x, args, kw, c) => pyStrSplit(needString(x, c), arg(args, kw, 0, 'sep', null), Number(arg(args, kw, 1, 'maxsplit', -1))),
  replace: (x, args, kw, c) => {
    const s = pyStr(x);
    const old = needString(arg(args, kw, 0, 'old'), c, 'the text to replace');
    const neu = needString(arg(args, kw, 1, 'new'), c, 'the replacement');
    const count = Number(arg(args, kw, 2, 'count', -1));
    return pyReplace(s, old, neu, count);
  },
  first: (x, _a, _k, c) => needList(x, c)[0] ?? new UndefinedMarker('the list is empty'),
  last: (x, _a, _k, c) => {
    const l = needList(x, c);
    return l.length ? l[l.length - 1] : new UndefinedMarker('the list is empty');
  },
  min: (x, _a, _k, c) => sortValues(needList(x, c), c)[0] ?? new UndefinedMarker('the list is empty'),
  max: (x, _a, _k, c) => {
    const l = sortValues(needList(x, c), c);
    return l.length ? l[l.length - 1] : new UndefinedMarker('the list is empty');
  },
  abs: (x, _a, _k, c) => Math.abs(needNumber(x, c)),
  round: (x, args, kw, c) =>
    roundCommon(needNumber(x, c), Number(arg(args, kw, 0, 'precision', 0)), String(arg(args, kw, 1, 'method', 'common')), c),
  list: (x, _a, _k, c) => needList(x, c),
  unique: (x, _a, _k, c) => {
    const out: unknown[] = [];
    for (const v of needList(x, c)) if (!out.some((o) => pyEq(o, v))) out.push(v);
    return out;
  },
  sort: (x, args, kw, c) => {
    const sorted = sortValues(needList(x, c), c);
    return arg(args, kw, 0, 'reverse', false) ? sorted.reverse() : sorted;
  },
  version_compare: versionBuiltin,
  version: versionBuiltin,
};
FILTERS['d'] = FILTERS['default']!;
FILTERS['count'] = FILTERS['length']!;

/** Filters that receive an undefined value instead of failing on it. */
export const LENIENT_FILTERS = new Set(['default', 'd']);

function regexOf(p: unknown, c: CallCtx): RegExp {
  const src = needString(p, c, 'the pattern');
  try {
    return new RegExp(src);
  } catch (e) {
    return c.fail(`${c.what}: invalid regular expression: ${(e as Error).message}`, 'value');
  }
}

export const TESTS: Record<string, Builtin> = {
  defined: (x) => !(x instanceof UndefinedMarker),
  undefined: (x) => x instanceof UndefinedMarker,
  none: (x) => x === null,
  version: versionBuiltin,
  version_compare: versionBuiltin,
  string: (x) => typeof x === 'string',
  number: (x) => typeof x === 'number',
  integer: (x) => typeof x === 'number' && Number.isInteger(x),
  float: (x) => typeof x === 'number' && !Number.isInteger(x),
  boolean: (x) => typeof x === 'boolean',
  mapping: (x) => isMapping(x),
  sequence: (x) => Array.isArray(x) || typeof x === 'string',
  iterable: (x) => Array.isArray(x) || typeof x === 'string' || isMapping(x),
  true: (x) => x === true,
  false: (x) => x === false,
  even: (x, _a, _k, c) => needNumber(x, c) % 2 === 0,
  odd: (x, _a, _k, c) => Math.abs(needNumber(x, c) % 2) === 1,
  divisibleby: (x, args, kw, c) => needNumber(x, c) % needNumber(arg(args, kw, 0, 'num'), c) === 0,
  match: (x, args, kw, c) => {
    const re = regexOf(arg(args, kw, 0, 'pattern'), c);
    const m = re.exec(needString(x, c));
    return m !== null && m.index === 0;
  },
  search: (x, args, kw, c) => regexOf(arg(args, kw, 0, 'pattern'), c).test(needString(x, c)),
  eq: (x, args, kw) => pyEq(x, arg(args, kw, 0, 'other')),
  ne: (x, args, kw) => !pyEq(x, arg(args, kw, 0, 'other')),
};
TESTS['regex'] = TESTS['search']!;
TESTS['equalto'] = TESTS['eq']!;

export const LENIENT_TESTS = new Set(['defined', 'undefined']);

/** Python str.split. */
function pyStrSplit(s: string, sep: unknown, maxsplit: number): string[] {
  if (sep === null || sep === undefined) {
    const parts = s.trim().split(/\s+/).filter((p) => p !== '');
    if (maxsplit < 0 || parts.length <= maxsplit + 1) return parts;
    // re-split keeping the remainder intact
    const out: string[] = [];
    let rest = s.trimStart();
    for (let i = 0; i < maxsplit; i++) {
      const m = /\s+/.exec(rest);
      if (!m) break;
      out.push(rest.slice(0, m.index));
      rest = rest.slice(m.index + m[0].length);
    }
    out.push(rest);
    return out;
  }
  const d = String(sep);
  const all = s.split(d);
  if (maxsplit < 0 || all.length <= maxsplit + 1) return all;
  return [...all.slice(0, maxsplit), all.slice(maxsplit).join(d)];
}

function pyReplace(s: string, old: string, neu: string, count: number): string {
  if (count < 0) return s.split(old).join(neu);
  let out = s;
  let from = 0;
  for (let i = 0; i < count; i++) {
    const at = out.indexOf(old, from);
    if (at < 0) break;
    out = out.slice(0, at) + neu + out.slice(at + old.length);
    from = at + neu.length;
  }
  return out;
}

function pyStrip(s: string, chars: unknown, side: 'both' | 'left' | 'right'): string {
  const set = chars === null || chars === undefined ? null : String(chars);
  const strip = (ch: string) => (set === null ? /\s/.test(ch) : set.includes(ch));
  let a = 0;
  let b = s.length;
  if (side !== 'right') while (a < b && strip(s[a]!)) a++;
  if (side !== 'left') while (b > a && strip(s[b - 1]!)) b--;
  return s.slice(a, b);
}

type Method = (self: unknown, args: unknown[], kw: Record<string, unknown>, c: CallCtx) => unknown;

const STRING_METHODS: Record<string, Method> = {
  startswith: (s, args, kw) => {
    const p = arg(args, kw, 0, 'prefix');
    const ps = Array.isArray(p) ? p : [p];
    return ps.some((x) => (s as string).startsWith(pyStr(x)));
  },
  endswith: (s, args, kw) => {
    const p = arg(args, kw, 0, 'suffix');
    const ps = Array.isArray(p) ? p : [p];
    return ps.some((x) => (s as string).endsWith(pyStr(x)));
  },
  split: (s, args, kw) => pyStrSplit(s as string, arg(args, kw, 0, 'sep', null), Number(arg(args, kw, 1, 'maxsplit', -1))),
  strip: (s, args, kw) => pyStrip(s as string, arg(args, kw, 0, 'chars', null), 'both'),
  lstrip: (s, args, kw) => pyStrip(s as string, arg(args, kw, 0, 'chars', null), 'left'),
  rstrip: (s, args, kw) => pyStrip(s as string, arg(args, kw, 0, 'chars', null), 'right'),
  lower: (s) => (s as string).toLowerCase(),
  upper: (s) => (s as string).toUpperCase(),
  replace: (s, args, kw, c) =>
    pyReplace(
      s as string,
      needString(arg(args, kw, 0, 'old'), c, 'the text to replace'),
      needString(arg(args, kw, 1, 'new'), c, 'the replacement'),
      Number(arg(args, kw, 2, 'count', -1)),
    ),
  isdigit: (s) => /^\d+$/.test(s as string),
};

const MAPPING_METHODS: Record<string, Method> = {
  keys: (m) => Object.keys(m as object),
  values: (m) => Object.values(m as object),
  items: (m) => Object.entries(m as object),
  get: (m, args, kw) => {
    const k = pyStr(arg(args, kw, 0, 'key'));
    const o = m as Record<string, unknown>;
    return Object.hasOwn(o, k) ? o[k] : arg(args, kw, 1, 'default', null);
  },
};

export function methodOf(self: unknown, name: string): Method | undefined {
  if (typeof self === 'string') return Object.hasOwn(STRING_METHODS, name) ? STRING_METHODS[name] : undefined;
  if (isMapping(self)) return Object.hasOwn(MAPPING_METHODS, name) ? MAPPING_METHODS[name] : undefined;
  return undefined;
}

export function methodNames(self: unknown): string[] {
  if (typeof self === 'string') return Object.keys(STRING_METHODS);
  if (isMapping(self)) return Object.keys(MAPPING_METHODS);
  return [];
}

/**
 * A dry run's registered result of a step that would change the host: whether it changed is
 * known (the plan assumes the step succeeds, as Ansible's check mode does), the rest (a command's
 * output, what was installed) is not until it runs. Reading an unknown key throws NotYetKnown,
 * which no `default` swallows: the plan then calls the task unknown instead of guessing.
 */
export class PartlyKnown {
  constructor(
    readonly variable: string,
    readonly known: Readonly<Record<string, unknown>>,
  ) {}
}

export class NotYetKnown extends Error {
  constructor(readonly path: string) {
    super(`'${path}' is not known until an earlier task has run`);
  }
}

/**
 * An undefined value in flight: lookups of missing names produce it, `default` and `is defined`
 * accept it, every other use is an error naming the variable.
 */
export class UndefinedMarker {
  constructor(
    /** why it is undefined, e.g. "'facts' has no key 'apache'" */
    readonly reason: string,
    /** the full lookup path, e.g. "facts.apache.mpm" ('' for values like an empty list's first) */
    readonly path = '',
    /** offset in the expression source of the part that is missing */
    readonly at = 0,
    /** set when a top-level variable is missing: its name (the rest of the path hangs off it) */
    readonly rootVar?: string,
  ) {}
}

export { typeWord };
