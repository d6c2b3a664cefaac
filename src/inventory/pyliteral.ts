// Python's ast.literal_eval as Ansible's INI plugin applies it to every `key=value` value:
// what parses as a Python literal becomes that value (ints, floats, True/False/None, strings,
// lists, tuples → arrays, dicts), anything else stays the raw string. Only the success path
// matters for fidelity, so every construct literal_eval rejects simply yields `{ ok: false }`.

export type PyLiteral = { ok: true; value: unknown } | { ok: false };

/** Raised for literals Python accepts but then fails on (an unhashable dict key). */
export class PyLiteralTypeError extends Error {}

class Reject extends Error {}
const reject = (): never => {
  throw new Reject();
};

type Tok =
  | { t: 'num'; v: number; imag: boolean }
  | { t: 'str'; v: string; bytes: boolean; f: boolean }
  | { t: 'name'; v: string }
  | { t: 'op'; v: string }
  | { t: 'end' };

const DIGITS = '(?:[0-9](?:_?[0-9])*)';
const NUMBER_RES: Array<[RegExp, (s: string) => number, boolean]> = [
  [/^0[xX](?:_?[0-9a-fA-F])+/, (s) => parseInt(s.slice(2).replace(/_/g, ''), 16), false],
  [/^0[bB](?:_?[01])+/, (s) => parseInt(s.slice(2).replace(/_/g, ''), 2), false],
  [/^0[oO](?:_?[0-7])+/, (s) => parseInt(s.slice(2).replace(/_/g, ''), 8), false],
  // floats (must be tried before plain decimals)
  [new RegExp(`^(?:${DIGITS}\\.(?:${DIGITS})?|\\.${DIGITS})(?:[eE][-+]?${DIGITS})?`), (s) => Number(s.replace(/_/g, '')), true],
  [new RegExp(`^${DIGITS}[eE][-+]?${DIGITS}`), (s) => Number(s.replace(/_/g, '')), true],
  [/^(?:[1-9](?:_?[0-9])*|0+(?:_?0)*)/, (s) => Number(s.replace(/_/g, '')), false],
];

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\n': '',
};

function unescape(body: string, bytes: boolean): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = body[i + 1];
    if (n === undefined) reject();
    if (n in SIMPLE_ESCAPES) {
      out += SIMPLE_ESCAPES[n];
      i++;
    } else if (/[0-7]/.test(n)) {
      const m = /^[0-7]{1,3}/.exec(body.slice(i + 1))![0];
      out += String.fromCodePoint(parseInt(m, 8));
      i += m.length;
    } else if (n === 'x') {
      const m = /^[0-9a-fA-F]{2}/.exec(body.slice(i + 2));
      if (!m) reject();
      out += String.fromCodePoint(parseInt(m![0], 16));
      i += 3;
    } else if (!bytes && (n === 'u' || n === 'U')) {
      const len = n === 'u' ? 4 : 8;
      const m = new RegExp(`^[0-9a-fA-F]{${len}}`).exec(body.slice(i + 2));
      if (!m) reject();
      const cp = parseInt(m![0], 16);
      if (cp > 0x10ffff) reject();
      out += String.fromCodePoint(cp);
      i += 1 + len;
    } else if (!bytes && n === 'N') {
      reject(); // \N{NAME}: no Unicode name table here; the value stays the raw string
    } else {
      out += '\\' + n; // unknown escapes keep their backslash
      i++;
    }
  }
  return out;
}

function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  let depth = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === ' ' || c === '\t' || c === '\f') { i++; continue; }
    if (c === '\\' && src[i + 1] === '\n') { i += 2; continue; }
    if (c === '\n' || c === '\r') {
      if (depth === 0 && src.slice(i).trim() !== '' && !/^\s*#/.test(src.slice(i))) reject();
      i++;
      continue;
    }
    if (c === '#') {
      const nl = src.indexOf('\n', i);
      i = nl < 0 ? src.length : nl;
      continue;
    }
    const rest = src.slice(i);
    const strStart = /^([rRuUbBfF]{0,2})('''|"""|'|")/.exec(rest);
    if (strStart && /^(?:|[rR]|[uU]|[bB]|[fF]|[bB][rR]|[rR][bB]|[fF][rR]|[rR][fF])$/.test(strStart[1])) {
      const prefix = strStart[1].toLowerCase();
      const q = strStart[2];
      const raw = prefix.includes('r');
      let j = i + strStart[0].length;
      let body = '';
      for (;;) {
        if (j >= src.length) reject();
        if (src.startsWith(q, j)) break;
        const ch = src[j];
        if (ch === '\\') {
          if (j + 1 >= src.length) reject();
          body += ch + src[j + 1];
          j += 2;
          continue;
        }
        if (ch === '\n' && q.length === 1) reject();
        body += ch;
        j++;
      }
      i = j + q.length;
      const bytes = prefix.includes('b');
      if (bytes && /[^\x00-\x7f]/.test(body)) reject();
      const v = raw ? body : unescape(body, bytes);
      toks.push({ t: 'str', v, bytes, f: prefix.includes('f') });
      continue;
    }
    if (/[0-9.]/.test(c) && !(c === '.' && !/^\.[0-9]/.test(rest))) {
      let matched = false;
      for (const [re, conv, isFloat] of NUMBER_RES) {
        const m = re.exec(rest);
        if (!m) continue;
        let text = m[0];
        let j = i + text.length;
        let imag = false;
        if (src[j] === 'j' || src[j] === 'J') {
          if (!isFloat && !/^[0-9]/.test(text)) reject();
          imag = true;
          j++;
        }
        // "010" (leading zeros), "1abc", "0x1g": all SyntaxError in Python
        if (/^[A-Za-z0-9_]/.test(src.slice(j))) reject();
        if (!isFloat && !imag && /^0[0-9_]*[1-9]/.test(text)) reject();
        toks.push({ t: 'num', v: conv(text), imag });
        i = j;
        matched = true;
        break;
      }
      if (!matched) reject();
      continue;
    }
    const name = /^[A-Za-z_\u00c0-\uffff][A-Za-z0-9_\u00c0-\uffff]*/.exec(rest);
    if (name) {
      toks.push({ t: 'name', v: name[0] });
      i += name[0].length;
      continue;
    }
    if (rest.startsWith('...')) { toks.push({ t: 'op', v: '...' }); i += 3; continue; }
    if ('([{'.includes(c)) depth++;
    if (')]}'.includes(c)) depth--;
    toks.push({ t: 'op', v: c });
    i++;
  }
  toks.push({ t: 'end' });
  return toks;
}

function isHashable(v: unknown): boolean {
  return v === null || typeof v !== 'object' || (Array.isArray(v) && (v as unknown as { __tuple?: boolean }).__tuple === true);
}

/** JSON's rendering of a Python dict key (json.dumps turns 1 → "1", True → "true", None → "null"). */
function keyString(k: unknown): string {
  if (k === null) return 'null';
  if (typeof k === 'boolean') return k ? 'true' : 'false';
  return String(k);
}

class Parser {
  private i = 0;
  constructor(private readonly toks: Tok[]) {}
  private peek(): Tok {
    return this.toks[this.i];
  }
  private isOp(v: string): boolean {
    const t = this.peek();
    return t.t === 'op' && t.v === v;
  }
  private expectOp(v: string): void {
    if (!this.isOp(v)) reject();
    this.i++;
  }

  /** eval-mode top level: an expression list (a bare `1,2` is a tuple). */
  parseTop(): unknown {
    const first = this.parseExpr();
    if (!this.isOp(',')) {
      if (this.peek().t !== 'end') reject();
      return first;
    }
    const items = [first];
    while (this.isOp(',')) {
      this.i++;
      if (this.peek().t === 'end') break;
      items.push(this.parseExpr());
    }
    if (this.peek().t !== 'end') reject();
    return tuple(items);
  }

  private parseExpr(): unknown {
    const v = this.parseUnary();
    // BinOp is only accepted by literal_eval for `num ± imaginary` (a complex): not representable.
    if (this.isOp('+') || this.isOp('-')) reject();
    return v;
  }

  private parseUnary(): unknown {
    if (this.isOp('-') || this.isOp('+')) {
      const neg = this.isOp('-');
      this.i++;
      const save = this.i;
      const t = this.peek();
      // `-(1)` is UnaryOp(Constant) too: parentheses make no node.
      let operand: Tok | undefined;
      if (t.t === 'num') {
        operand = t;
        this.i++;
      } else if (this.isOp('(')) {
        let depth = 0;
        while (this.isOp('(')) { this.i++; depth++; }
        const inner = this.peek();
        if (inner.t !== 'num') reject();
        this.i++;
        for (let d = 0; d < depth; d++) this.expectOp(')');
        operand = inner;
      } else {
        this.i = save;
        reject();
      }
      const num = operand as Extract<Tok, { t: 'num' }>;
      if (num.imag) reject();
      return neg ? -num.v : num.v;
    }
    return this.parseAtom();
  }

  private parseAtom(): unknown {
    const t = this.peek();
    if (t.t === 'num') {
      this.i++;
      if (t.imag) reject();
      return t.v;
    }
    if (t.t === 'str') {
      // implicit concatenation of adjacent literals; str and bytes cannot mix
      let v = '';
      const bytes = t.bytes;
      let f = false;
      while (this.peek().t === 'str') {
        const s = this.peek() as Extract<Tok, { t: 'str' }>;
        if (s.bytes !== bytes) reject();
        f = f || s.f;
        v += s.v;
        this.i++;
      }
      if (f) reject(); // an f-string is a JoinedStr, which literal_eval refuses
      return v;
    }
    if (t.t === 'name') {
      this.i++;
      if (t.v === 'True') return true;
      if (t.v === 'False') return false;
      if (t.v === 'None') return null;
      return reject();
    }
    if (t.t === 'op') {
      if (t.v === '(') return this.parseParen();
      if (t.v === '[') return this.parseList();
      if (t.v === '{') return this.parseBrace();
    }
    return reject();
  }

  private parseParen(): unknown {
    this.expectOp('(');
    if (this.isOp(')')) {
      this.i++;
      return tuple([]);
    }
    const first = this.parseExpr();
    if (this.isOp(')')) {
      this.i++;
      return first;
    }
    const items = [first];
    while (this.isOp(',')) {
      this.i++;
      if (this.isOp(')')) break;
      items.push(this.parseExpr());
    }
    this.expectOp(')');
    return tuple(items);
  }

  private parseList(): unknown[] {
    this.expectOp('[');
    const items: unknown[] = [];
    while (!this.isOp(']')) {
      items.push(this.parseExpr());
      if (this.isOp(',')) this.i++;
      else if (!this.isOp(']')) reject();
    }
    this.i++;
    return items;
  }

  private parseBrace(): unknown {
    this.expectOp('{');
    if (this.isOp('}')) {
      this.i++;
      return {};
    }
    const first = this.parseExpr();
    if (this.isOp(':')) {
      const entries: Array<[unknown, unknown]> = [];
      this.i++;
      entries.push([first, this.parseExpr()]);
      while (this.isOp(',')) {
        this.i++;
        if (this.isOp('}')) break;
        const k = this.parseExpr();
        this.expectOp(':');
        entries.push([k, this.parseExpr()]);
      }
      this.expectOp('}');
      // Python's key equality: 1, 1.0 and True are one key (first spelling kept, last value wins)
      const out: Record<string, unknown> = {};
      const spelling = new Map<string, string>();
      for (const [k, v] of entries) {
        if (!isHashable(k)) throw new PyLiteralTypeError(`unhashable dict key ${JSON.stringify(k)}`);
        const id = typeof k === 'boolean' ? `n:${k ? 1 : 0}` : typeof k === 'number' ? `n:${k}` : `${typeof k}:${keyString(k)}`;
        if (!spelling.has(id)) spelling.set(id, keyString(k));
        out[spelling.get(id)!] = v;
      }
      return out;
    }
    // a set: JSON has none, so it becomes an array of its distinct members
    const items = [first];
    while (this.isOp(',')) {
      this.i++;
      if (this.isOp('}')) break;
      items.push(this.parseExpr());
    }
    this.expectOp('}');
    for (const k of items) if (!isHashable(k)) throw new PyLiteralTypeError(`unhashable set member ${JSON.stringify(k)}`);
    return [...new Set(items)];
  }
}

function tuple(items: unknown[]): unknown[] {
  // Tuples are hashable (usable as dict keys); JSON shows them as arrays.
  Object.defineProperty(items, '__tuple', { value: true, enumerable: false });
  return items;
}

export function literalEval(text: string): PyLiteral {
  // CPython 3.11 strips leading spaces and tabs before parsing.
  const src = text.replace(/^[ \t]+/, '');
  try {
    const toks = tokenize(src);
    if (toks.length === 1) return { ok: false };
    return { ok: true, value: new Parser(toks).parseTop() };
  } catch (e) {
    if (e instanceof Reject) return { ok: false };
    throw e;
  }
}

/** Ansible's ini `_parse_value`: literal_eval when it parses, else the string itself. */
export function iniValue(text: string): unknown {
  const r = literalEval(text);
  return r.ok ? r.value : text;
}
