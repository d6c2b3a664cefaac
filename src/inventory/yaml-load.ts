// YAML and JSON files read the way Ansible's DataLoader reads them: JSON first (json.loads), else
// YAML 1.1 with PyYAML's implicit typing (yes/on → true, 0755 → octal, 1e3 stays a string,
// dates → ISO strings), duplicate keys keep the last value. Mappings come back as Maps so key
// order and non-string keys survive; `posAt` finds the file:line:col of any path for errors.
import {
  Document,
  LineCounter,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  parseDocument,
  visit,
  type Node,
  type ScalarTag,
} from 'yaml';
import type { Pos, Problem } from '../source/types.js';
import { InputError } from '../source/errors.js';

export interface LoadedYaml {
  file: string;
  text: string;
  /** Maps for mappings, arrays for sequences, scalars typed like PyYAML/json.loads. */
  value: unknown;
  doc: Document;
  lineCounter: LineCounter;
}

// PyYAML's implicit resolvers (yaml/resolver.py), verbatim regexes.
const BOOL_RE = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const FLOAT_RE =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const INT_RE = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const NULL_RE = /^(?:~|null|Null|NULL|)$/;
const TIMESTAMP_RE =
  /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/;

function sexagesimal(parts: string[]): number {
  let base = 1;
  let value = 0;
  for (const p of parts.reverse()) {
    value += Number(p) * base;
    base *= 60;
  }
  return value;
}

function constructInt(src: string): number {
  let v = src.replace(/_/g, '');
  let sign = 1;
  if (v[0] === '-') sign = -1;
  if (v[0] === '-' || v[0] === '+') v = v.slice(1);
  if (v === '0') return 0;
  if (v.startsWith('0b')) return sign * parseInt(v.slice(2), 2);
  if (v.startsWith('0x')) return sign * parseInt(v.slice(2), 16);
  if (v[0] === '0') return sign * parseInt(v, 8);
  if (v.includes(':')) return sign * sexagesimal(v.split(':'));
  return sign * Number(v);
}

function constructFloat(src: string): number {
  let v = src.replace(/_/g, '').toLowerCase();
  let sign = 1;
  if (v[0] === '-') sign = -1;
  if (v[0] === '-' || v[0] === '+') v = v.slice(1);
  if (v === '.inf') return sign * Infinity;
  if (v === '.nan') return NaN;
  if (v.includes(':')) return sign * sexagesimal(v.split(':'));
  return sign * Number(v);
}

/** PyYAML builds date/datetime objects; Ansible's JSON encoder prints their isoformat(). */
function constructTimestamp(src: string): string {
  const m =
    /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:[Tt]|[ \t]+)([0-9]{1,2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]*))?(?:[ \t]*(Z|([-+])([0-9]{1,2})(?::([0-9]{2}))?))?)?$/.exec(
      src,
    );
  if (!m) return src;
  const p2 = (s: string) => s.padStart(2, '0');
  const date = `${m[1]}-${p2(m[2])}-${p2(m[3])}`;
  if (m[4] === undefined) return date;
  let out = `${date}T${p2(m[4])}:${m[5]}:${m[6]}`;
  const frac = (m[7] ?? '').slice(0, 6).padEnd(6, '0');
  if (m[7] && Number(frac) !== 0) out += `.${frac}`;
  if (m[8] === 'Z') out += '+00:00';
  else if (m[9]) out += `${m[9]}${p2(m[10])}:${m[11] ?? '00'}`;
  return out;
}

const pyTags: ScalarTag[] = [
  { tag: 'tag:yaml.org,2002:null', default: true, test: NULL_RE, resolve: () => null },
  { tag: 'tag:yaml.org,2002:bool', default: true, test: BOOL_RE, resolve: (s) => ['yes', 'true', 'on'].includes(s.toLowerCase()) },
  { tag: 'tag:yaml.org,2002:int', default: true, test: INT_RE, resolve: constructInt },
  { tag: 'tag:yaml.org,2002:float', default: true, test: FLOAT_RE, resolve: constructFloat },
  { tag: 'tag:yaml.org,2002:timestamp', default: true, test: TIMESTAMP_RE, resolve: constructTimestamp },
  // Ansible's own tags: !unsafe marks a string as never-templated; vaulted values cannot be read here.
  { tag: '!unsafe', resolve: (s) => s },
  {
    tag: '!vault',
    resolve: (_s, onError) => {
      onError('Ansible Vault encrypted values are not supported by remediate inventories');
      return null;
    },
  },
];

function lineAt(text: string, line: number): string | undefined {
  return text.split(/\r?\n/)[line - 1];
}

export function posFromOffset(loaded: Pick<LoadedYaml, 'file' | 'lineCounter'>, offset: number): Pos {
  const { line, col } = loaded.lineCounter.linePos(offset);
  return { file: loaded.file, line, col };
}

/** A Problem at a position, with the source line filled in for the caret. */
export function problemAt(
  file: string,
  text: string,
  line: number,
  col: number,
  message: string,
  extra: Partial<Pick<Problem, 'expected' | 'found' | 'hint'>> = {},
): Problem {
  return { pos: { file, line, col }, message, ...extra, lineText: lineAt(text, line) };
}

/**
 * Where a YAML syntax error is best shown. The yaml library reports an unclosed `[`, `{` or quote
 * where the file ended, and a mis-indented key at the end of the line before it: point at the
 * opening character and at the offending key instead.
 */
function errorOffset(text: string, offset: number, message: string): number {
  const opener = /end with a \]/.test(message) ? '[' : /end with a \}/.test(message) ? '{' : /Missing closing "quote/.test(message) ? '"' : /Missing closing 'quote/.test(message) ? "'" : null;
  if (opener) {
    const at = text.lastIndexOf(opener, Math.max(0, offset - 1));
    if (at >= 0) return at;
  }
  if (/same column|indent/i.test(message) && (text[offset] === '\n' || text[offset] === '\r')) {
    const m = /\S/.exec(text.slice(offset));
    if (m) return offset + m.index;
  }
  return offset;
}

function looksLikeJson(text: string): boolean {
  const t = text.trimStart();
  if (!(t.startsWith('{') || t.startsWith('['))) return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Parse a YAML/JSON file like Ansible's loader; syntax errors throw an InputError with positions. */
export function loadYaml(file: string, text: string): LoadedYaml {
  if (text.startsWith('$ANSIBLE_VAULT;')) {
    throw new InputError([
      problemAt(file, text, 1, 1, 'Ansible Vault encrypted files are not supported', {
        hint: 'decrypt it (ansible-vault decrypt) or provide the values another way',
      }),
    ]);
  }
  const lineCounter = new LineCounter();
  const json = looksLikeJson(text);
  const doc = parseDocument(text, {
    lineCounter,
    uniqueKeys: false,
    prettyErrors: false,
    ...(json
      ? { schema: 'json' as const }
      : { version: '1.1' as const, schema: 'failsafe' as const, customTags: pyTags, merge: true }),
  });
  const problems: Problem[] = [];
  for (const err of doc.errors) {
    const { line, col } = lineCounter.linePos(errorOffset(text, err.pos[0], err.message));
    problems.push(problemAt(file, text, line, col, `YAML syntax error: ${err.message.split('\n')[0]}`));
  }
  if (problems.length) throw new InputError(problems);
  let value: unknown;
  try {
    value = pythonDicts(doc.toJS({ mapAsMap: true, maxAliasCount: 10000 }));
  } catch (e) {
    throw new InputError([problemAt(file, text, 1, 1, `YAML error: ${(e as Error).message}`)]);
  }
  return { file, text, value, doc, lineCounter };
}

/** The identity of a key in a Python dict: 1, 1.0 and True are one key; so are 0 and False. */
function pyKeyIdentity(k: unknown): string {
  if (typeof k === 'boolean') return `n:${k ? 1 : 0}`;
  if (typeof k === 'number') return `n:${k}`;
  if (typeof k === 'string') return `s:${k}`;
  if (k === null || k === undefined) return 'null';
  return `o:${JSON.stringify(k)}`;
}

/** Maps rebuilt with Python's key equality: the first spelling of a key stays, the last value wins. */
function pythonDicts(value: unknown): unknown {
  if (value instanceof Map) {
    const first = new Map<string, unknown>();
    const out = new Map<unknown, unknown>();
    for (const [k, v] of value) {
      const id = pyKeyIdentity(k);
      const key = first.has(id) ? first.get(id) : k;
      first.set(id, key);
      out.set(key, pythonDicts(v));
    }
    return out;
  }
  if (Array.isArray(value)) return value.map(pythonDicts);
  return value;
}

function resolve(doc: Document, node: unknown): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

function keyValue(node: unknown): unknown {
  return isScalar(node) ? node.value : node;
}

/**
 * The node at a path of keys (strings, numbers, …) and indexes; `which: 'key'` points at the
 * mapping key itself. Falls back to the deepest node found, so a position is always returned.
 */
export function posAt(loaded: LoadedYaml, path: readonly unknown[], which: 'key' | 'value' = 'value'): Pos {
  let node: unknown = loaded.doc.contents;
  let best: Node | null = (node as Node) ?? null;
  for (let i = 0; i < path.length; i++) {
    node = resolve(loaded.doc, node);
    const step = path[i];
    const last = i === path.length - 1;
    let next: unknown = undefined;
    if (isMap(node)) {
      const pair = [...node.items].reverse().find((p) => isPair(p) && sameKey(keyValue(p.key), step));
      if (pair) {
        if (last && which === 'key' && pair.key) {
          best = pair.key as Node;
          next = undefined;
          node = undefined;
          break;
        }
        next = pair.value ?? pair.key;
        if (!pair.value && pair.key) best = pair.key as Node;
      }
    } else if (isSeq(node) && typeof step === 'number') {
      next = node.items[step];
    }
    if (next === undefined || next === null) break;
    node = next;
    best = next as Node;
  }
  const range = (best as Node | null)?.range;
  const offset = range ? range[0] : 0;
  return posFromOffset(loaded, offset);
}

function sameKey(a: unknown, b: unknown): boolean {
  return a === b || (a !== null && b !== null && String(a) === String(b) && typeof a === typeof b);
}

/** A Problem at a path inside a loaded file. */
export function problemAtPath(
  loaded: LoadedYaml,
  path: readonly unknown[],
  message: string,
  extra: Partial<Pick<Problem, 'expected' | 'found' | 'hint'>> = {},
  which: 'key' | 'value' = 'value',
): Problem {
  const pos = posAt(loaded, path, which);
  return problemAt(loaded.file, loaded.text, pos.line, pos.col, message, extra);
}

/** Ansible warns about a key given twice in one mapping and keeps the last value; so do we. */
export function duplicateKeyWarnings(loaded: LoadedYaml): Problem[] {
  const warnings: Problem[] = [];
  visit(loaded.doc, {
    Map(_key, map) {
      const seen = new Map<string, Node>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const k = `${typeof pair.key.value}:${String(pair.key.value)}`;
        if (String(pair.key.value) === '<<') continue;
        const first = seen.get(k);
        if (first) {
          const at = posFromOffset(loaded, pair.key.range?.[0] ?? 0);
          const was = posFromOffset(loaded, first.range?.[0] ?? 0);
          warnings.push(
            problemAt(loaded.file, loaded.text, at.line, at.col, `duplicate key '${String(pair.key.value)}' (first at line ${was.line}): the last one is used, as Ansible does`),
          );
        } else seen.set(k, pair.key);
      }
    },
  });
  return warnings;
}

/** Maps → plain objects with keys as Python's json.dumps writes them (1 → "1", True → "true"). */
export function toPlain(value: unknown): unknown {
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of value) out[jsonKey(k)] = toPlain(v);
    return out;
  }
  if (Array.isArray(value)) return value.map(toPlain);
  if (value instanceof Set) return [...value].map(toPlain);
  return value;
}

export function jsonKey(k: unknown): string {
  if (k === null || k === undefined) return 'null';
  if (typeof k === 'boolean') return k ? 'true' : 'false';
  if (typeof k === 'string') return k;
  if (typeof k === 'number') return Number.isInteger(k) ? String(k) : String(k);
  return JSON.stringify(k);
}

/** Python truthiness of a loaded value (`if not data:`). */
export function pyTruthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Number.isNaN(v)) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map || v instanceof Set) return v.size > 0;
  if (typeof v === 'object') return Object.keys(v as object).length > 0;
  return true;
}
