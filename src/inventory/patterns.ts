// Ansible host patterns (ansible/inventory/manager.py): split on ',' (or ':' when that cannot be
// an address or a range), regular patterns first, then every `&` intersection, then every `!`
// exclusion, whatever order they were written in. A word matches group names (all hosts of the
// group and its children) and, when nothing matched a group or the word is a glob/regex/has a
// dot, host names. `~re` is a Python regex anchored at the start only; globs are fnmatch.
// `[i]`, `[-1]`, `[a:b]`, `[a:]` subscripts slice a word's matches. `@file` reads one pattern a line.
import { derive } from './derived.js';
import { parseAddress } from './ranges.js';
import { LOCALHOST_NAMES } from './vars.js';
import type { Inventory } from './types.js';

export interface PatternOptions {
  cwd: string;
  /** Reads an `@file` (path as written, relative to cwd). */
  readFile(path: string): string;
  /** Ansible's --limit, applied after the pattern (itself a pattern, @file allowed). */
  limit?: string;
  /** Called for each word that matched no group and no host (Ansible warns "Could not match…"). */
  onUnmatched?: (word: string) => void;
  /** Called for deprecated syntax such as `web[0-2]` (Ansible warns too). */
  onWarning?: (message: string) => void;
}

export class PatternError extends Error {
  constructor(message: string, readonly pattern: string) {
    super(message);
    this.name = 'PatternError';
  }
}

/** split_host_pattern: 'a,b[1], c[2:3] , d' → ['a', 'b[1]', 'c[2:3]', 'd']. */
export function splitHostPattern(pattern: string): string[] {
  let parts: string[];
  if (pattern.includes(',')) parts = pattern.split(',');
  else if (parseAddress(pattern, true)) parts = [pattern];
  else parts = pattern.match(/(?:[^\s:[\]]|\[[^\]]*\])+/g) ?? [];
  return parts.map((p) => p.trim()).filter((p) => p);
}

/** order_patterns: regular words, then &intersections, then !exclusions; only &/! means all&/!. */
export function orderPatterns(patterns: string[]): string[] {
  const regular: string[] = [];
  const inter: string[] = [];
  const excl: string[] = [];
  for (const p of patterns) {
    if (!p) continue;
    if (p[0] === '!') excl.push(p);
    else if (p[0] === '&') inter.push(p);
    else regular.push(p);
  }
  return [...(regular.length ? regular : ['all']), ...inter, ...excl];
}

const SUBSCRIPT_RE = /^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$/s;

type Subscript = [number, number | null] | null;

/** _split_subscript: `web[1:3]` → ['web', [1, 3]]; regexes never carry one. */
export function splitSubscript(pattern: string, onWarning?: (m: string) => void): [string, Subscript] {
  if (pattern[0] === '~') return [pattern, null];
  const m = SUBSCRIPT_RE.exec(pattern);
  if (!m) return [pattern, null];
  const [, expr, idx, start, sep, end] = m;
  if (idx !== undefined) return [expr, [parseInt(idx, 10), null]];
  if (sep === '-') onWarning?.('Use [x:y] inclusive subscripts instead of [x-y] which has been removed');
  return [expr, [parseInt(start, 10), end ? parseInt(end, 10) : -1]];
}

function applySubscript(hosts: string[], sub: Subscript, pattern: string): string[] {
  if (!hosts.length || !sub) return hosts;
  const [start, rawEnd] = sub;
  if (rawEnd) {
    // Python: `if end:` — so [2:0] falls through to a single index, like Ansible
    const end = rawEnd === -1 ? hosts.length - 1 : rawEnd;
    return hosts.slice(start, end + 1);
  }
  const i = start < 0 ? hosts.length + start : start;
  if (i < 0 || i >= hosts.length) throw new PatternError(`No hosts matched the subscripted pattern '${pattern}'`, pattern);
  return [hosts[i]];
}

/** Python's fnmatch.translate as a JS regex source (whole-string match, `*` crosses newlines). */
export function fnmatchToRegExp(pat: string): RegExp {
  let res = '';
  let i = 0;
  const n = pat.length;
  while (i < n) {
    const c = pat[i++];
    if (c === '*') {
      if (!res.endsWith('[\\s\\S]*')) res += '[\\s\\S]*';
    } else if (c === '?') res += '[\\s\\S]';
    else if (c === '[') {
      let j = i;
      if (j < n && pat[j] === '!') j++;
      if (j < n && pat[j] === ']') j++;
      while (j < n && pat[j] !== ']') j++;
      if (j >= n) res += '\\[';
      else {
        let stuff: string;
        if (!pat.slice(i, j).includes('-')) stuff = pat.slice(i, j).replace(/\\/g, '\\\\');
        else {
          const chunks: string[] = [];
          let k = pat[i] === '!' ? i + 2 : i + 1;
          let from = i;
          for (;;) {
            k = pat.indexOf('-', k);
            if (k < 0 || k >= j) break;
            chunks.push(pat.slice(from, k));
            from = k + 1;
            k = k + 3;
          }
          const chunk = pat.slice(from, j);
          if (chunk) chunks.push(chunk);
          else chunks[chunks.length - 1] += '-';
          // drop empty ranges such as z-a, which are invalid in a regex
          for (let x = chunks.length - 1; x > 0; x--) {
            if (chunks[x - 1][chunks[x - 1].length - 1] > chunks[x][0]) {
              chunks[x - 1] = chunks[x - 1].slice(0, -1) + chunks[x].slice(1);
              chunks.splice(x, 1);
            }
          }
          stuff = chunks.map((s) => s.replace(/\\/g, '\\\\').replace(/-/g, '\\-')).join('-');
        }
        stuff = stuff.replace(/([&~|])/g, '\\$1');
        i = j + 1;
        if (!stuff) res += '(?!)';
        else if (stuff === '!') res += '[\\s\\S]';
        else {
          if (stuff[0] === '!') stuff = '^' + stuff.slice(1);
          else if (stuff[0] === '^' || stuff[0] === '[') stuff = '\\' + stuff;
          res += `[${stuff.replace(/\]/g, '\\]')}]`;
        }
      }
    } else res += c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  }
  return new RegExp(`^(?:${res})$`);
}

/** A Python `re` pattern as a JS RegExp, anchored at the start like re.match. */
export function pythonRegExp(src: string): RegExp {
  let flags = '';
  let body = src;
  const inline = /^\(\?([aiLmsux]+)\)/.exec(body);
  if (inline) {
    for (const f of inline[1]) {
      if (f === 'i' || f === 'm' || f === 's') flags += f;
      else if (f === 'x') throw new Error('verbose (?x) regexes are not supported');
    }
    body = body.slice(inline[0].length);
  }
  body = body
    .replace(/\(\?P<([A-Za-z_]\w*)>/g, '(?<$1>')
    .replace(/\(\?P=([A-Za-z_]\w*)\)/g, '\\k<$1>')
    .replace(/\\A/g, '^')
    .replace(/\\Z/g, '$(?![\\s\\S])');
  return new RegExp(`^(?:${body})`, flags);
}

function matcher(word: string): RegExp {
  try {
    return word[0] === '~' ? pythonRegExp(word.slice(1)) : fnmatchToRegExp(word);
  } catch {
    throw new PatternError(`Invalid host list pattern: ${word}`, word);
  }
}

interface Ctx {
  inv: Inventory;
  opts: PatternOptions;
  cache: Map<string, string[]>;
}

/** _enumerate_matches: hosts of matching groups, then (when due) matching host names. */
function enumerateMatches(ctx: Ctx, word: string): string[] {
  const { inv } = ctx;
  const d = derive(inv);
  const re = matcher(word);
  const results: string[] = [];
  let groupMatched = false;
  for (const g of inv.groups.keys()) {
    if (re.test(g)) {
      groupMatched = true;
      for (const h of d.groupHosts(g)) results.push(h); // no spread: 100k arguments overflow the stack
    }
  }
  if (!groupMatched || word[0] === '~' || /[.?*[]/.test(word)) {
    for (const h of d.hostsDefined) if (re.test(h)) results.push(h);
  }
  // implicit localhost: the inventory's own localhost-like host if it has one (127.0.0.1 → localhost)
  if (!results.length && LOCALHOST_NAMES.includes(word)) results.push(d.localhost ?? word);
  if (!results.length && !groupMatched && word !== 'all') ctx.opts.onUnmatched?.(word);
  return results;
}

function matchOnePattern(ctx: Ctx, pattern: string): string[] {
  const word = pattern[0] === '&' || pattern[0] === '!' ? pattern.slice(1) : pattern;
  if (!word) return [];
  let hit = ctx.cache.get(word);
  if (!hit) {
    const [expr, sub] = splitSubscript(word, ctx.opts.onWarning);
    hit = applySubscript(enumerateMatches(ctx, expr), sub, word);
    ctx.cache.set(word, hit);
  }
  return hit;
}

/**
 * _evaluate_patterns over already split words. Ansible appends duplicates and dedupes at the end
 * (first occurrence wins); keeping a Set of what is in the list gives the same order in one pass.
 */
function evaluate(ctx: Ctx, words: string[]): string[] {
  const d = derive(ctx.inv);
  let hosts: string[] = [];
  const inHosts = new Set<string>();
  const add = (h: string) => {
    if (inHosts.has(h)) return;
    inHosts.add(h);
    hosts.push(h);
  };
  for (const p of orderPatterns(words)) {
    if (d.hostSet.has(p)) {
      add(p);
      continue;
    }
    const that = matchOnePattern(ctx, p);
    if (p[0] === '!') {
      for (const h of that) inHosts.delete(h);
      hosts = hosts.filter((h) => inHosts.has(h));
    } else if (p[0] === '&') {
      const keep = new Set(that);
      hosts = hosts.filter((h) => keep.has(h));
      for (const h of inHosts) if (!keep.has(h)) inHosts.delete(h);
    } else {
      for (const h of that) add(h);
    }
  }
  return hosts;
}

/** Split a pattern and replace each `@file` word by the file's lines (one pattern per line). */
function words(pattern: string, opts: PatternOptions): string[] {
  const out: string[] = [];
  for (const w of splitHostPattern(pattern)) {
    if (w[0] !== '@') {
      out.push(w);
      continue;
    }
    let text: string;
    try {
      text = opts.readFile(w.slice(1));
    } catch (e) {
      throw new PatternError(`Unable to read limit file ${w.slice(1)}: ${(e as Error).message}`, w);
    }
    for (const line of text.split('\n')) out.push(line.trim());
  }
  return out;
}

/**
 * The hosts a pattern selects, in Ansible's order (`ansible PATTERN --list-hosts`), with
 * opts.limit applied like --limit. A pattern that matches nothing gives [] (opts.onUnmatched
 * says which words matched nothing). Throws PatternError for a bad regex, an out-of-range
 * subscript or an unreadable @file.
 */
export function selectHosts(inv: Inventory, pattern: string, opts: PatternOptions): string[] {
  const ctx: Ctx = { inv, opts, cache: new Map() };
  let hosts = evaluate(ctx, words(pattern, opts));
  if (opts.limit !== undefined) {
    const subset = new Set(evaluate(ctx, words(opts.limit, opts)));
    hosts = hosts.filter((h) => subset.has(h));
  }
  // list_hosts: a bare localhost name is always usable, even when nothing else matched
  if (hosts.length === 0 && LOCALHOST_NAMES.includes(pattern)) hosts = [pattern];
  return hosts;
}
