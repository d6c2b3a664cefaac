// YAML with positions: every node keeps its offsets so loaders can point at file:line:col.
// Duplicate keys are reported here (with where the first one was), syntax errors positioned.
import {
  Document,
  LineCounter,
  isAlias,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  parseDocument,
  visit,
  type Node,
  type Pair,
  type YAMLMap,
} from 'yaml';
import type { Pos, Problem } from './types.js';

/** Everything a validator needs to position a problem in one file. */
export interface SourceCtx {
  file: string;
  text: string;
  lineCounter: LineCounter;
  /** The parsed document (aliases resolve against it). */
  doc?: Document;
  /**
   * Module arguments: a `{{ … }}` string stands for any scalar (int, bool, duration, enum …);
   * its value is known per host after rendering, and the module's normalize checks it then.
   */
  templatedScalars?: boolean;
}

export interface ParsedYaml {
  doc: Document.Parsed;
  lineCounter: LineCounter;
  problems: Problem[];
  ctx: SourceCtx;
}

export function parseYaml(file: string, text: string): ParsedYaml {
  const lineCounter = new LineCounter();
  // uniqueKeys off: yaml's own message lacks the first occurrence; we report both places below.
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false, merge: true });
  const ctx: SourceCtx = { file, text, lineCounter, doc };
  const problems: Problem[] = [];
  for (const err of doc.errors) {
    const pos = posAtOffset(file, lineCounter, err.pos[0]);
    problems.push({
      pos,
      message: `YAML syntax error: ${firstLine(err.message)}`,
      lineText: lineAt(text, pos.line),
    });
  }
  if (doc.errors.length === 0) problems.push(...duplicateKeys(ctx, doc));
  return { doc, lineCounter, problems, ctx };
}

function duplicateKeys(ctx: SourceCtx, doc: Document): Problem[] {
  const problems: Problem[] = [];
  visit(doc, {
    Map(_key, map) {
      const seen = new Map<string, Node>();
      for (const pair of map.items) {
        if (!isScalar(pair.key) || isMergeKey(pair.key)) continue; // merge keys may repeat
        const name = String(pair.key.value);
        const first = seen.get(name);
        if (first) {
          const firstPos = posOf(ctx.file, ctx.lineCounter, first);
          problems.push(
            problemAt(ctx, pair.key, `duplicate key '${name}' (first at line ${firstPos.line})`, {
              hint: `remove one of the two '${name}' keys; YAML would silently keep only the last`,
            }),
          );
        } else {
          seen.set(name, pair.key);
        }
      }
    },
  });
  return problems;
}

/** Position of a node's first character (1-based line and column). */
export function posOf(file: string, lineCounter: LineCounter, node: unknown): Pos {
  const offset = offsetOf(node);
  return posAtOffset(file, lineCounter, offset ?? 0);
}

export function posAtOffset(file: string, lineCounter: LineCounter, offset: number): Pos {
  const { line, col } = lineCounter.linePos(offset);
  return { file, line, col };
}

function offsetOf(node: unknown): number | undefined {
  if (isPair(node)) return offsetOf(node.key) ?? offsetOf(node.value);
  if (isNode(node) && node.range) return node.range[0];
  return undefined;
}

/**
 * Where a scalar's content starts: after the opening quote of a quoted string, on the first
 * content line of a block scalar. Expression errors add their offset to this.
 */
export function contentPosOf(ctx: SourceCtx, node: unknown): Pos {
  if (isScalar(node) && node.range) {
    const start = node.range[0];
    if (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') {
      return posAtOffset(ctx.file, ctx.lineCounter, start + 1);
    }
    if (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') {
      const nl = ctx.text.indexOf('\n', start);
      if (nl >= 0) {
        let i = nl + 1;
        while (ctx.text[i] === ' ') i++;
        return posAtOffset(ctx.file, ctx.lineCounter, i);
      }
    }
  }
  return posOf(ctx.file, ctx.lineCounter, node);
}

/** A Problem pointing at `node`, with the offending line for the caret rendering. */
export function problemAt(
  ctx: SourceCtx,
  node: unknown,
  message: string,
  extra: { expected?: string; found?: string; hint?: string } = {},
): Problem {
  const pos = posOf(ctx.file, ctx.lineCounter, node);
  return problemAtPos(ctx, pos, message, extra);
}

export function problemAtPos(
  ctx: Pick<SourceCtx, 'text'> & { lineCounter?: LineCounter },
  pos: Pos,
  message: string,
  extra: { expected?: string; found?: string; hint?: string } = {},
): Problem {
  const p: Problem = { pos, message };
  const lt = ctx.lineCounter ? lineTextAt(ctx as SourceCtx, pos.line) : lineAt(ctx.text, pos.line);
  if (lt !== undefined) p.lineText = lt;
  if (extra.expected !== undefined) p.expected = extra.expected;
  if (extra.found !== undefined) p.found = extra.found;
  if (extra.hint !== undefined) p.hint = extra.hint;
  return p;
}

/** The text of a line, found through the line index (no scan from the top of the file). */
export function lineTextAt(ctx: SourceCtx, line: number): string | undefined {
  const starts = ctx.lineCounter.lineStarts;
  const start = starts[line - 1];
  if (start === undefined) return undefined;
  const next = starts[line];
  const end = next === undefined ? ctx.text.length : next - 1;
  return ctx.text.slice(start, end).replace(/\r$/, '');
}

export function lineAt(text: string, line: number): string | undefined {
  let start = 0;
  for (let i = 1; i < line; i++) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) return undefined;
    start = nl + 1;
  }
  let end = text.indexOf('\n', start);
  if (end < 0) end = text.length;
  return text.slice(start, end).replace(/\r$/, '');
}

/** Follow an alias to the node it names (aliases are resolved against the document). */
export function resolveNode(node: unknown, doc?: Document): unknown {
  let n = node;
  for (let i = 0; i < 100 && isAlias(n); i++) n = doc ? n.resolve(doc) : undefined;
  return n;
}

/** The pairs of a mapping, with `<<: *anchor` merge keys expanded (explicit keys win). */
export function pairsOf(map: YAMLMap, doc?: Document): Pair[] {
  const own: Pair[] = [];
  const merged: Pair[] = [];
  for (const pair of map.items) {
    if (isMergeKey(pair.key)) {
      const target = resolveNode(pair.value, doc);
      const sources = isSeq(target) ? target.items.map((n) => resolveNode(n, doc)) : [target];
      for (const src of sources) if (isMap(src)) merged.push(...pairsOf(src, doc));
      continue;
    }
    own.push(pair);
  }
  if (merged.length === 0) return own;
  const ownNames = new Set(own.map((p) => keyName(p)));
  const out = [...own];
  const seen = new Set<string | undefined>();
  for (const p of merged) {
    const k = keyName(p);
    if (ownNames.has(k) || seen.has(k)) continue;
    seen.add(k);
    out.push(p);
  }
  return out;
}

export function keyName(pair: Pair): string | undefined {
  if (!isScalar(pair.key)) return undefined;
  return isMergeKey(pair.key) ? '<<' : String(pair.key.value);
}

/** `<<` (yaml parses it to a symbol when merge keys are on). */
function isMergeKey(key: unknown): boolean {
  if (!isScalar(key)) return false;
  const v = key.value;
  return v === '<<' || (typeof v === 'symbol' && v.description === '<<');
}

/** Plain JS value of a node (aliases and merge keys resolved). */
export function toJS(node: unknown, doc?: Document): unknown {
  if (node === undefined || node === null) return node ?? undefined;
  if (!isNode(node)) return node;
  const owner = doc ?? new Document();
  return node.toJS(owner, { maxAliasCount: 1000 });
}

function firstLine(s: string): string {
  const i = s.indexOf('\n');
  return (i < 0 ? s : s.slice(0, i)).replace(/:$/, '');
}
