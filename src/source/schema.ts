// Validates positioned YAML nodes against the schema language (schema-types.ts).
// Every problem is collected (never stop at the first) and says where, what was expected,
// what was found, and for near-miss keys "did you mean …?".
import { isMap, isScalar, isSeq, type Pair } from 'yaml';
import type { Field, Schema } from './schema-types.js';
import type { Problem } from './types.js';
import { didYouMean } from './suggest.js';
import { keyName, pairsOf, problemAt, resolveNode, toJS, type SourceCtx } from './yaml.js';

export interface Validated<T = unknown> {
  value: T;
  problems: Problem[];
}

export interface ValidateOpts {
  /** Where to point when the node is empty or absent (usually the key of the pair). */
  at?: unknown;
  /** The value's name in messages: "'retries'", "item 2 of 'serial'". */
  label?: string;
}

const SCALAR_TYPES = new Set(['string', 'int', 'number', 'bool', 'count-or-percent', 'duration', 'oneOf']);

export function validate(node: unknown, schema: Schema, ctx: SourceCtx, opts: ValidateOpts = {}): Validated {
  const n = resolveNode(node, ctx.doc);
  if (ctx.templatedScalars && SCALAR_TYPES.has(schema.type) && isScalar(n) && typeof n.value === 'string' && n.value.includes('{{')) {
    return { value: n.value, problems: [] };
  }
  switch (schema.type) {
    case 'string':
      return validateString(n, schema, ctx, opts);
    case 'int':
    case 'number':
      return validateNumber(n, schema, ctx, opts);
    case 'bool':
      return validateBool(n, schema, ctx, opts);
    case 'count-or-percent':
      return validateCountOrPercent(n, schema, ctx, opts);
    case 'duration':
      return validateDuration(n, schema, ctx, opts);
    case 'list':
      return validateList(n, schema, ctx, opts);
    case 'map':
      return validateMap(n, schema, ctx, opts);
    case 'object':
      return validateObject(n, schema, ctx, opts);
    case 'oneOf':
      return validateOneOf(n, schema, ctx, opts);
    case 'any':
      return { value: isEmpty(n) ? null : toJS(n, ctx.doc), problems: [] };
    case 'custom':
      return schema.check(n, ctx, opts.at, opts.label);
  }
}

// ---------------------------------------------------------------- descriptions

/** What a schema accepts, in words: "an integer from 0 to 100". */
export function describeExpected(schema: Schema): string {
  switch (schema.type) {
    case 'string':
      if (schema.enum) return `one of ${schema.enum.map((e) => `'${e}'`).join(', ')}`;
      return schema.nonEmpty ? 'a non-empty string' : 'a string';
    case 'int':
      return 'an integer' + rangeWords(schema.min, schema.max);
    case 'number':
      return 'a number' + rangeWords(schema.min, schema.max);
    case 'bool':
      return 'true or false';
    case 'count-or-percent':
      return 'a positive integer or a percentage like "30%"';
    case 'duration':
      return 'a duration like 30s, 5m, 1h or a number of seconds';
    case 'list':
      return schema.single ? `a list (or a single item: ${describeExpected(schema.items)})` : 'a list';
    case 'map':
      return 'a mapping';
    case 'object': {
      const base = schema.name ? `${schema.name} (a mapping)` : 'a mapping';
      if (!schema.scalarField) return base;
      const f = schema.fields[schema.scalarField];
      return `${base} or ${f ? describeExpected(f.schema) : 'a single value'}`;
    }
    case 'oneOf':
      return schema.expected;
    case 'any':
      return 'any value';
    case 'custom':
      return schema.expected;
  }
}

function rangeWords(min?: number, max?: number): string {
  if (min !== undefined && max !== undefined) return ` from ${min} to ${max}`;
  if (min !== undefined) return ` of at least ${min}`;
  if (max !== undefined) return ` of at most ${max}`;
  return '';
}

/** What a node is, in words: "a string 'ten'", "an integer 10", "a list", "an empty value". */
export function describeFound(node: unknown, ctx?: SourceCtx): string {
  const n = resolveNode(node, ctx?.doc);
  if (n === undefined || n === null) return 'nothing';
  if (isSeq(n)) return 'a list';
  if (isMap(n)) return 'a mapping';
  if (isScalar(n)) {
    const v = n.value;
    if (v === null) return 'an empty value';
    if (typeof v === 'boolean') return `a boolean ${v}`;
    if (typeof v === 'number') return `${Number.isInteger(v) ? 'an integer' : 'a number'} ${n.source ?? String(v)}`;
    if (typeof v === 'string') return v === '' ? 'an empty string' : `a string '${clip(v)}'`;
    return `a ${typeof v}`;
  }
  return 'an unsupported YAML value';
}

function clip(s: string): string {
  const one = s.replace(/\n/g, '\\n');
  return one.length > 60 ? one.slice(0, 57) + '...' : one;
}

export function isEmpty(n: unknown): boolean {
  return n === undefined || n === null || (isScalar(n) && n.value === null);
}

/** Where a problem about `n` should point: an empty value has no column of its own. */
function where(n: unknown, opts: ValidateOpts): unknown {
  if (isEmpty(n) && opts.at !== undefined) return opts.at;
  return n ?? opts.at;
}

function wrongType(n: unknown, schema: Schema, ctx: SourceCtx, opts: ValidateOpts): Problem {
  const what = opts.label ? `wrong type for ${opts.label}` : 'wrong type';
  return problemAt(ctx, where(n, opts), what, { expected: describeExpected(schema), found: describeFound(n, ctx) });
}

function badValue(n: unknown, schema: Schema, ctx: SourceCtx, opts: ValidateOpts, hint?: string): Problem {
  const what = opts.label ? `invalid value for ${opts.label}` : 'invalid value';
  const extra: { expected: string; found: string; hint?: string } = {
    expected: describeExpected(schema),
    found: describeFound(n, ctx),
  };
  if (hint) extra.hint = hint;
  return problemAt(ctx, where(n, opts), what, extra);
}

const fail = (p: Problem): Validated => ({ value: undefined, problems: [p] });

// ---------------------------------------------------------------- scalars

function validateString(
  n: unknown,
  schema: Extract<Schema, { type: 'string' }>,
  ctx: SourceCtx,
  opts: ValidateOpts,
): Validated {
  if (!isScalar(n) || n.value === null || typeof n.value === 'boolean') return fail(wrongType(n, schema, ctx, opts));
  // A number where a string is expected keeps its source text: `version: 3.10` stays "3.10".
  const value = typeof n.value === 'string' ? n.value : (n.source ?? String(n.value));
  if (typeof n.value !== 'string' && typeof n.value !== 'number') return fail(wrongType(n, schema, ctx, opts));
  if (schema.nonEmpty && value.trim() === '') return fail(badValue(n, schema, ctx, opts));
  if (schema.enum && !schema.enum.includes(value)) {
    const guess = didYouMean(value, schema.enum);
    const what = opts.label ? `unknown value '${value}' for ${opts.label}` : `unknown value '${value}'`;
    const extra: { expected: string; found: string; hint?: string } = {
      expected: describeExpected(schema),
      found: describeFound(n, ctx),
    };
    if (guess) extra.hint = `did you mean '${guess}'?`;
    return fail(problemAt(ctx, n, what, extra));
  }
  return { value, problems: [] };
}

function validateNumber(
  n: unknown,
  schema: Extract<Schema, { type: 'int' | 'number' }>,
  ctx: SourceCtx,
  opts: ValidateOpts,
): Validated {
  if (!isScalar(n) || typeof n.value !== 'number') return fail(wrongType(n, schema, ctx, opts));
  const v = n.value;
  if (schema.type === 'int' && !Number.isInteger(v)) return fail(wrongType(n, schema, ctx, opts));
  if (!Number.isFinite(v) || (schema.min !== undefined && v < schema.min) || (schema.max !== undefined && v > schema.max)) {
    return fail(badValue(n, schema, ctx, opts));
  }
  return { value: v, problems: [] };
}

const YAML11_BOOLS: Record<string, boolean> = { yes: true, no: false, on: true, off: false, true: true, false: false };

function validateBool(n: unknown, schema: Schema, ctx: SourceCtx, opts: ValidateOpts): Validated {
  if (isScalar(n) && typeof n.value === 'boolean') return { value: n.value, problems: [] };
  // Ansible reads YAML 1.1, where yes/no/on/off are booleans: accept them in boolean fields only.
  if (isScalar(n) && typeof n.value === 'string') {
    const b = YAML11_BOOLS[n.value.toLowerCase()];
    if (b !== undefined) return { value: b, problems: [] };
  }
  return fail(wrongType(n, schema, ctx, opts));
}

function validateCountOrPercent(n: unknown, schema: Schema, ctx: SourceCtx, opts: ValidateOpts): Validated {
  if (isScalar(n) && typeof n.value === 'number') {
    if (Number.isInteger(n.value) && n.value >= 1) return { value: n.value, problems: [] };
    return fail(badValue(n, schema, ctx, opts, n.value === 0 ? 'a count must be at least 1' : undefined));
  }
  if (!isScalar(n) || typeof n.value !== 'string') return fail(wrongType(n, schema, ctx, opts));
  const s = n.value;
  if (/^\d+$/.test(s) && Number(s) >= 1) return { value: Number(s), problems: [] };
  const pct = /^(\d+)%$/.exec(s);
  if (pct) {
    const v = Number(pct[1]);
    if (v >= 1 && v <= 100) return { value: `${v}%`, problems: [] };
    return fail(badValue(n, schema, ctx, opts, 'a percentage must be between 1% and 100%'));
  }
  let hint: string | undefined;
  const spaced = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(s);
  if (spaced && spaced[1]!.includes('.')) hint = 'percentages are whole numbers, like Ansible\'s serial';
  else if (spaced) hint = `write '${spaced[1]}%' without spaces`;
  return fail(badValue(n, schema, ctx, opts, hint));
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "1h30m" → 5400000; "10" and 10 are seconds. Undefined when not a duration. */
export function parseDuration(v: string | number): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? Math.round(v * 1000) : undefined;
  const s = v.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d)\s*)+$/.test(s)) return undefined;
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) total += Number(m[1]) * UNIT_MS[m[2]!]!;
  return Math.round(total);
}

function validateDuration(n: unknown, schema: Schema, ctx: SourceCtx, opts: ValidateOpts): Validated {
  if (!isScalar(n) || (typeof n.value !== 'number' && typeof n.value !== 'string')) {
    return fail(wrongType(n, schema, ctx, opts));
  }
  const ms = parseDuration(n.value);
  if (ms === undefined) return fail(badValue(n, schema, ctx, opts));
  return { value: ms, problems: [] };
}

// ---------------------------------------------------------------- collections

function validateList(
  n: unknown,
  schema: Extract<Schema, { type: 'list' }>,
  ctx: SourceCtx,
  opts: ValidateOpts,
): Validated {
  const problems: Problem[] = [];
  let items: unknown[];
  if (isSeq(n)) items = n.items;
  else if (isEmpty(n)) items = [];
  else if (schema.single && (isScalar(n) || isMap(n))) {
    const r = validate(n, schema.items, ctx, opts);
    return { value: r.value === undefined ? [] : [r.value], problems: r.problems };
  } else return fail(wrongType(n, schema, ctx, opts));
  const out: unknown[] = [];
  items.forEach((item, i) => {
    const label = opts.label ? `item ${i + 1} of ${opts.label}` : `item ${i + 1}`;
    const r = validate(item, schema.items, ctx, { at: item ?? n, label });
    problems.push(...r.problems);
    if (r.value !== undefined) out.push(r.value);
  });
  if (schema.minItems !== undefined && items.length < schema.minItems) {
    const what = opts.label ? `too few items in ${opts.label}` : 'too few items';
    problems.push(
      problemAt(ctx, where(n, opts), what, {
        expected: `at least ${schema.minItems} item${schema.minItems === 1 ? '' : 's'}`,
        found: `${items.length} item${items.length === 1 ? '' : 's'}`,
      }),
    );
  }
  return { value: out, problems };
}

function validateMap(
  n: unknown,
  schema: Extract<Schema, { type: 'map' }>,
  ctx: SourceCtx,
  opts: ValidateOpts,
): Validated {
  if (isEmpty(n)) return { value: {}, problems: [] };
  if (!isMap(n)) return fail(wrongType(n, schema, ctx, opts));
  const problems: Problem[] = [];
  const out: Record<string, unknown> = {};
  for (const pair of pairsOf(n, ctx.doc)) {
    const name = keyName(pair);
    if (name === undefined) {
      problems.push(problemAt(ctx, pair.key ?? n, 'a key must be a plain scalar', { found: describeFound(pair.key, ctx) }));
      continue;
    }
    const r = validate(pair.value ?? null, schema.values, ctx, { at: pair.key, label: `'${name}'` });
    problems.push(...r.problems);
    if (r.value !== undefined) setOwn(out, name, r.value);
  }
  return { value: out, problems };
}

/** Assign as an own property even for a key like "__proto__" (user data must not reach prototypes). */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

export function validateObject(
  n: unknown,
  schema: Extract<Schema, { type: 'object' }>,
  ctx: SourceCtx,
  opts: ValidateOpts = {},
): Validated<Record<string, unknown> | undefined> {
  const problems: Problem[] = [];
  const out: Record<string, unknown> = {};
  const seen = new Set<string>();
  let pairs: Pair[] = [];
  if (isMap(n)) pairs = pairsOf(n, ctx.doc);
  else if (isEmpty(n)) pairs = [];
  else if (schema.scalarField && schema.fields[schema.scalarField]) {
    const name = schema.scalarField;
    const r = validate(n, schema.fields[name]!.schema, ctx, { at: opts.at ?? n, label: opts.label ?? `'${name}'` });
    problems.push(...r.problems);
    if (r.value !== undefined) out[name] = r.value;
    seen.add(name);
  } else {
    return { value: undefined, problems: [wrongType(n, schema, ctx, opts)] };
  }

  const names = Object.keys(schema.fields);
  for (const pair of pairs) {
    const name = keyName(pair);
    if (name === undefined) {
      problems.push(problemAt(ctx, pair.key ?? n, 'a key must be a plain scalar', { found: describeFound(pair.key, ctx) }));
      continue;
    }
    const field = Object.hasOwn(schema.fields, name) ? schema.fields[name] : undefined;
    if (!field) {
      const hint = schema.unknownKeyHints && Object.hasOwn(schema.unknownKeyHints, name) ? schema.unknownKeyHints[name] : undefined;
      problems.push(unknownKeyProblem(ctx, pair.key, name, names, schema.name, hint));
      continue;
    }
    seen.add(name);
    const r = validate(pair.value ?? null, field.schema, ctx, { at: pair.key, label: `'${name}'` });
    problems.push(...r.problems);
    if (r.value !== undefined) out[name] = r.value;
  }

  for (const [name, field] of Object.entries(schema.fields)) {
    if (seen.has(name)) continue;
    if (field.required) {
      const what = schema.name ? `missing required key '${name}' in ${schema.name}` : `missing required key '${name}'`;
      problems.push(
        problemAt(ctx, isMap(n) ? n : where(n, opts), what, {
          expected: `'${name}': ${describeExpected(field.schema)}`,
        }),
      );
    } else if (field.default !== undefined) {
      out[name] = withDefaults(field.schema, structuredClone(field.default));
    }
  }
  return { value: out, problems };
}

/** Fill nested defaults into a default value (a `rollout: {}` default gets concurrency 50 …). */
export function withDefaults(schema: Schema, value: unknown): unknown {
  if (schema.type !== 'object' || typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const out = value as Record<string, unknown>;
  for (const [name, field] of Object.entries(schema.fields)) {
    if (out[name] === undefined && field.default !== undefined) out[name] = withDefaults(field.schema, structuredClone(field.default));
  }
  return out;
}

/** "unknown key 'hots' in a play; did you mean 'hosts'?" */
export function unknownKeyProblem(
  ctx: SourceCtx,
  keyNode: unknown,
  name: string,
  candidates: readonly string[],
  what?: string,
  hint?: string,
): Problem {
  const guess = didYouMean(name, candidates);
  const extra: { expected?: string; found?: string; hint?: string } = {};
  if (candidates.length > 0 && candidates.length <= 24) extra.expected = `one of ${candidates.join(', ')}`;
  // Explicit advice (an Ansible-only key) beats an edit-distance guess: 'tags' is not a typo of 'tasks'.
  if (hint) extra.hint = hint;
  else if (guess) extra.hint = `did you mean '${guess}'?`;
  return problemAt(ctx, keyNode, what ? `unknown key '${name}' in ${what}` : `unknown key '${name}'`, extra);
}

function validateOneOf(
  n: unknown,
  schema: Extract<Schema, { type: 'oneOf' }>,
  ctx: SourceCtx,
  opts: ValidateOpts,
): Validated {
  const tries = schema.options.map((o) => ({ schema: o, result: validate(n, o, ctx, opts) }));
  const ok = tries.find((t) => t.result.problems.length === 0);
  if (ok) return ok.result;
  // When only one option has the node's shape (a list vs a scalar), its problems are the precise ones.
  const shaped = tries.filter((t) => shapeMatches(n, t.schema));
  if (shaped.length === 1) return shaped[0]!.result;
  const what = opts.label ? `wrong value for ${opts.label}` : 'wrong value';
  return fail(problemAt(ctx, where(n, opts), what, { expected: schema.expected, found: describeFound(n, ctx) }));
}

function shapeMatches(n: unknown, schema: Schema): boolean {
  switch (schema.type) {
    case 'list':
      return isSeq(n);
    case 'map':
      return isMap(n);
    case 'object':
      return isMap(n) || (!!schema.scalarField && isScalar(n));
    case 'oneOf':
      return schema.options.some((o) => shapeMatches(n, o));
    case 'any':
    case 'custom':
      return true;
    default:
      return isScalar(n);
  }
}

export type { Field };
