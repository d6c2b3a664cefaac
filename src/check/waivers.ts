// Waivers: a YAML file of accepted exceptions to compliance. Each waiver names the hosts (a glob
// on inventory host names, like `web0*`), the assertion id (or a glob), a justification
// (required: a waiver nobody can explain is a hole) and an expiry date. An expired waiver stops
// counting (the host is non-compliant again) and is reported as expired, so it gets renewed or
// removed rather than forgotten.
//
//   waivers:
//     - hosts: "legacy-*"
//       assertion: single-thread
//       justification: "vendor image, replaced by INFRA-123 in January"
//       expires: 2026-12-31
//       by: alice            # optional
import { isScalar, isSeq } from 'yaml';
import { fnmatchToRegExp } from '../inventory/patterns.js';
import { InputError } from '../source/errors.js';
import type { Schema } from '../source/schema-types.js';
import { describeFound, validate } from '../source/schema.js';
import type { Pos, Problem } from '../source/types.js';
import { parseYaml, posOf, problemAt, resolveNode } from '../source/yaml.js';
import type { AppliedWaiver, ExpiredWaiver, HostCheckRow, WaiverRef } from '../report/check-report.js';

export interface Waiver {
  hosts: string;
  assertion: string;
  justification: string;
  /** YYYY-MM-DD: counts up to and including this day (UTC). */
  expires: string;
  by?: string;
  pos: Pos;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

const dateSchema: Schema = {
  type: 'custom',
  expected: 'a date YYYY-MM-DD',
  check(node, ctx, at, label) {
    const v = isScalar(node) ? node.value : undefined;
    const s = typeof v === 'string' ? v : v instanceof Date ? v.toISOString().slice(0, 10) : undefined;
    const m = s !== undefined ? DATE.exec(s) : null;
    // A real calendar day: 2026-02-30 is refused rather than rolled into March.
    const real = m && new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s;
    if (!m || !real) {
      return { value: undefined, problems: [problemAt(ctx, node ?? at, `wrong value for ${label ?? 'the date'}`, { expected: 'a date YYYY-MM-DD (the last day the waiver counts)', found: describeFound(node, ctx) })] };
    }
    return { value: s, problems: [] };
  },
};

const globSchema = (what: string): Schema => ({
  type: 'custom',
  expected: `${what} (a glob such as 'web0*')`,
  check(node, ctx, at, label) {
    const r = validate(node, { type: 'string', nonEmpty: true }, ctx, { at, label });
    if (r.problems.length || typeof r.value !== 'string') return r;
    try {
      fnmatchToRegExp(r.value);
    } catch (e) {
      return { value: undefined, problems: [problemAt(ctx, node, `invalid pattern for ${label}`, { expected: `${what} (a glob)`, found: `'${r.value}' (${(e as Error).message})` })] };
    }
    return r;
  },
});

const WAIVER: Schema = {
  type: 'object',
  name: 'a waiver',
  fields: {
    hosts: { schema: globSchema('inventory host names'), required: true, doc: 'glob on inventory host names' },
    assertion: { schema: globSchema('an assertion id'), required: true, doc: "the compliance assertion's id, or a glob" },
    // nonEmpty also refuses a justification of only spaces.
    justification: { schema: { type: 'string', nonEmpty: true }, required: true, doc: 'why this exception is accepted' },
    expires: { schema: dateSchema, required: true },
    by: { schema: { type: 'string', nonEmpty: true } },
  },
};

/** Parse and validate a waivers file; every problem at once, positioned (InputError). */
export function parseWaivers(file: string, text: string): Waiver[] {
  const y = parseYaml(file, text);
  if (y.problems.length) throw new InputError(y.problems);
  const root = resolveNode(y.doc.contents, y.doc);
  const problems: Problem[] = [];
  let list: unknown = root;
  if (root === null || root === undefined) return [];
  if (!isSeq(root)) {
    const top = validate(root, { type: 'object', name: 'the waivers file', fields: { waivers: { schema: { type: 'any' }, required: true } } }, y.ctx);
    if (top.problems.length) throw new InputError(top.problems);
    list = (root as { get(k: string, keep: boolean): unknown }).get('waivers', true);
  }
  list = resolveNode(list, y.doc);
  if (list === null || list === undefined || (isScalar(list) && list.value === null)) return [];
  if (!isSeq(list)) throw new InputError([problemAt(y.ctx, list, "wrong type for 'waivers'", { expected: 'a list of waivers', found: describeFound(list, y.ctx) })]);
  const out: Waiver[] = [];
  list.items.forEach((item, i) => {
    const r = validate(item, WAIVER, y.ctx, { at: item, label: `waiver ${i + 1}` });
    problems.push(...r.problems);
    if (r.problems.length === 0 && r.value) out.push({ ...(r.value as Omit<Waiver, 'pos'>), pos: posOf(file, y.lineCounter, item) });
  });
  if (problems.length) throw new InputError(problems);
  return out;
}

export function waiverRef(w: Waiver): WaiverRef {
  return { at: `${w.pos.file}:${w.pos.line}`, hosts: w.hosts, assertion: w.assertion, justification: w.justification, expires: w.expires };
}

export function isExpired(w: Pick<Waiver, 'expires'>, now: Date): boolean {
  return w.expires < now.toISOString().slice(0, 10);
}

function matches(w: Waiver): { host(h: string): boolean; assertion(a: string): boolean } {
  const h = fnmatchToRegExp(w.hosts);
  const a = fnmatchToRegExp(w.assertion);
  return { host: (x) => h.test(x), assertion: (x) => a.test(x) };
}

/**
 * Waive the failing assertions a current waiver covers; a host whose every failure is waived
 * (and nothing errored) becomes `waived`. Expired waivers waive nothing and are listed, with
 * the hosts they would have covered.
 */
export function applyWaivers(rows: readonly HostCheckRow[], waivers: readonly Waiver[], now: Date): { rows: HostCheckRow[]; applied: AppliedWaiver[]; expired: ExpiredWaiver[] } {
  const live = waivers.filter((w) => !isExpired(w, now)).map((w) => ({ w, m: matches(w), hosts: new Set<string>() }));
  const dead = waivers.filter((w) => isExpired(w, now)).map((w) => ({ w, m: matches(w), hosts: new Set<string>() }));
  const out = rows.map((row) => {
    if (row.status !== 'non-compliant') return row;
    const assertions = row.assertions.map((a) => {
      if (a.status !== 'fail') return a;
      for (const d of dead) if (d.m.host(row.host) && d.m.assertion(a.id)) d.hosts.add(row.host);
      const hit = live.find((l) => l.m.host(row.host) && l.m.assertion(a.id));
      if (!hit) return a;
      hit.hosts.add(row.host);
      return { ...a, status: 'waived' as const, waiver: waiverRef(hit.w) };
    });
    if (assertions.some((a) => a.status === 'fail')) return { ...row, assertions };
    const ws = assertions.filter((a) => a.waiver);
    return {
      ...row, assertions, status: 'waived' as const, compliant: true,
      reason: `waived: ${ws.map((a) => `${a.id} until ${a.waiver!.expires} (${a.waiver!.justification})`).join('; ')}`,
    };
  });
  return {
    rows: out,
    applied: live.filter((l) => l.hosts.size > 0).map((l) => ({ ...waiverRef(l.w), hosts_matched: [...l.hosts] })),
    expired: dead.map((d) => ({ ...waiverRef(d.w), hosts_matched: [...d.hosts] })),
  };
}
