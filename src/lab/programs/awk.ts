// awk (POSIX): patterns and actions, BEGIN/END, fields, associative arrays, the usual builtins
// (length substr index split sub gsub match sprintf tolower toupper int), printf, -v and -F.
import { printf as shPrintf } from '../shell/format.js';
import { cached, posixRegex, RegexError } from '../shell/pattern.js';
import { Io, type Program } from '../shell/process.js';

/** A string that came from input and looks numeric compares as a number (POSIX "strnum"). */
class StrNum {
  constructor(readonly s: string) {}
}
type Val = number | string | StrNum;

const NUMERIC = /^\s*[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)\s*$/;

function strnum(s: string): Val {
  // Most fields start with a letter or a slash: only a digit, sign, dot or space can begin a number.
  const c = s.charCodeAt(0);
  if (!(c <= 57 && (c >= 48 || c === 43 || c === 45 || c === 46 || c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12))) return s;
  return NUMERIC.test(s) ? new StrNum(s) : s;
}

function toNum(v: Val): number {
  if (typeof v === 'number') return v;
  const s = v instanceof StrNum ? v.s : v;
  const m = /^\s*([+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?))/.exec(s);
  return m ? Number(m[1]) : 0;
}

function numStr(n: number, fmt = '%.6g'): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return String(n);
  return shPrintf(fmt, [String(n)]).out;
}

function toStr(v: Val): string {
  if (typeof v === 'number') return numStr(v);
  return v instanceof StrNum ? v.s : v;
}

function isNumeric(v: Val): boolean {
  return typeof v === 'number' || (v instanceof StrNum);
}

function truthy(v: Val): boolean {
  if (typeof v === 'number') return v !== 0;
  if (v instanceof StrNum) return toNum(v) !== 0;
  return v !== '';
}

type Tok = { t: string; v?: string | number; line: number };

const KEYWORDS = new Set(['BEGIN', 'END', 'function', 'func', 'if', 'else', 'while', 'for', 'do', 'break', 'continue', 'next', 'exit', 'return', 'delete', 'in', 'getline', 'print', 'printf']);
const BUILTIN_FUNCS = new Set(['length', 'substr', 'index', 'split', 'sub', 'gsub', 'match', 'sprintf', 'tolower', 'toupper', 'int', 'sqrt', 'exp', 'log', 'sin', 'cos', 'atan2', 'rand', 'srand', 'system', 'close']);
const PUNCT = ['+=', '-=', '*=', '/=', '%=', '^=', '==', '<=', '>=', '!=', '++', '--', '&&', '||', '!~', '>>', '{', '}', '(', ')', '[', ']', ';', ',', '+', '-', '*', '/', '%', '^', '!', '>', '<', '|', '?', ':', '~', '$', '='];
/** Escape sequences awk resolves inside a regex literal (POSIX awk, Lexical Conventions). */
const REGEX_ESC: Record<string, string> = { t: '\t', n: '\n', r: '\r', f: '\f', v: '\v', a: '\x07', '"': '"' };

class AwkError extends Error {}

function lex(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  let line = 1;
  const regexAllowed = () => {
    const p = out[out.length - 1];
    if (!p) return true;
    return !['num', 'str', 'name', 'func', 'builtin', ')', ']', '$', '++', '--'].includes(p.t) || (p.t === 'name' && false);
  };
  while (i < src.length) {
    const c = src[i];
    if (c === ' ' || c === '\t' || c === '\r') { i++; continue; }
    if (c === '\\' && src[i + 1] === '\n') { i += 2; line++; continue; }
    if (c === '#') { while (i < src.length && src[i] !== '\n') i++; continue; }
    if (c === '\n') { out.push({ t: 'nl', line }); line++; i++; continue; }
    if (c === '"') {
      let s = '';
      i++;
      while (i < src.length && src[i] !== '"') {
        if (src[i] === '\\') {
          const d = src[++i];
          const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', '/': '/', a: '\x07', b: '\b', f: '\f', v: '\v' };
          if (/[0-7]/.test(d)) { let o = d; while (o.length < 3 && /[0-7]/.test(src[i + 1] ?? '')) o += src[++i]; s += String.fromCharCode(parseInt(o, 8)); }
          else s += map[d] ?? '\\' + d;
          i++;
          continue;
        }
        s += src[i++];
      }
      if (i >= src.length) throw new AwkError(`runaway string constant "${s.slice(0, 10)} ...`);
      i++;
      out.push({ t: 'str', v: s, line });
      continue;
    }
    if (c === '/' && regexAllowed()) {
      let s = '';
      i++;
      let inBr = false;
      while (i < src.length && (src[i] !== '/' || inBr)) {
        if (src[i] === '\\' && src[i + 1] === '/') { s += '/'; i += 2; continue; }
        // awk turns escape sequences into characters before the regex sees them, brackets included
        if (src[i] === '\\' && REGEX_ESC[src[i + 1]] !== undefined) { s += REGEX_ESC[src[i + 1]]; i += 2; continue; }
        if (src[i] === '\\') { s += src[i] + src[i + 1]; i += 2; continue; }
        if (src[i] === '[') inBr = true;
        else if (src[i] === ']' && inBr && s[s.length - 1] !== '[' && !/\[\^$/.test(s)) inBr = false;
        if (src[i] === '\n') throw new AwkError('newline in regex');
        s += src[i++];
      }
      i++;
      out.push({ t: 're', v: s, line });
      continue;
    }
    const num = /^(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)/.exec(src.slice(i));
    if (num) { out.push({ t: 'num', v: Number(num[0]), line }); i += num[0].length; continue; }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (name) {
      const n = name[0];
      i += n.length;
      if (KEYWORDS.has(n)) out.push({ t: n === 'func' ? 'function' : n, line });
      else if (BUILTIN_FUNCS.has(n)) out.push({ t: 'builtin', v: n, line });
      else if (src[i] === '(') out.push({ t: 'func', v: n, line });
      else out.push({ t: 'name', v: n, line });
      continue;
    }
    const p = PUNCT.find((x) => src.startsWith(x, i));
    if (!p) throw new AwkError(`syntax error at source line ${line}: invalid char '${c}'`);
    out.push({ t: p, line });
    i += p.length;
  }
  out.push({ t: 'eof', line });
  return out;
}

// AST
type Expr =
  | { k: 'num'; v: number } | { k: 'str'; v: string } | { k: 're'; v: string }
  | { k: 'var'; name: string } | { k: 'field'; e: Expr } | { k: 'idx'; name: string; subs: Expr[] }
  | { k: 'assign'; op: string; target: Expr; e: Expr }
  | { k: 'cond'; c: Expr; a: Expr; b: Expr }
  | { k: 'bin'; op: string; a: Expr; b: Expr }
  | { k: 'un'; op: string; e: Expr }
  | { k: 'incdec'; op: string; prefix: boolean; target: Expr }
  | { k: 'in'; subs: Expr[]; arr: string }
  | { k: 'match'; neg: boolean; a: Expr; re: Expr }
  | { k: 'call'; name: string; args: Expr[]; builtin: boolean }
  | { k: 'group'; e: Expr };

type Stmt =
  | { k: 'expr'; e: Expr }
  | { k: 'print'; args: Expr[]; printf: boolean; redir?: { op: string; e: Expr } }
  | { k: 'if'; c: Expr; a: Stmt; b?: Stmt }
  | { k: 'while'; c: Expr; body: Stmt; doWhile: boolean }
  | { k: 'for'; init?: Stmt; c?: Expr; step?: Stmt; body: Stmt }
  | { k: 'forin'; v: string; arr: string; body: Stmt }
  | { k: 'block'; body: Stmt[] }
  | { k: 'next' } | { k: 'exit'; e?: Expr } | { k: 'break' } | { k: 'continue' } | { k: 'return'; e?: Expr }
  | { k: 'delete'; arr: string; subs?: Expr[] };

interface Item { kind: 'begin' | 'end' | 'main'; pat?: Expr; pat2?: Expr; body?: Stmt[] }
interface Func { params: string[]; body: Stmt[] }

class AwkParser {
  i = 0;
  funcs = new Map<string, Func>();
  constructor(private toks: Tok[]) {}
  peek(o = 0): Tok { return this.toks[this.i + o]; }
  next(): Tok { return this.toks[this.i++]; }
  is(t: string): boolean { return this.peek().t === t; }
  eat(t: string): Tok {
    const x = this.next();
    if (x.t !== t) throw new AwkError(`syntax error at source line ${x.line}: expected ${t}, found ${x.t === 'nl' ? 'newline' : x.v ?? x.t}`);
    return x;
  }
  nls(): void { while (this.is('nl')) this.next(); }
  terms(): void { while (this.is('nl') || this.is(';')) this.next(); }

  program(): Item[] {
    const items: Item[] = [];
    this.terms();
    while (!this.is('eof')) {
      if (this.is('BEGIN')) { this.next(); items.push({ kind: 'begin', body: this.block() }); }
      else if (this.is('END')) { this.next(); items.push({ kind: 'end', body: this.block() }); }
      else if (this.is('function')) {
        this.next();
        const n = this.next();
        this.eat('(');
        const params: string[] = [];
        while (!this.is(')')) { params.push(String(this.eat('name').v)); if (this.is(',')) { this.next(); this.nls(); } }
        this.eat(')');
        this.nls();
        this.funcs.set(String(n.v), { params, body: this.block() });
      } else {
        const item: Item = { kind: 'main' };
        if (!this.is('{')) {
          item.pat = this.expr();
          if (this.is(',')) { this.next(); this.nls(); item.pat2 = this.expr(); }
        }
        if (this.is('{')) item.body = this.block();
        items.push(item);
      }
      this.terms();
    }
    return items;
  }

  block(): Stmt[] {
    this.eat('{');
    const body: Stmt[] = [];
    this.terms();
    while (!this.is('}')) {
      body.push(this.stmt());
      this.terms();
    }
    this.eat('}');
    return body;
  }

  simpleEnd(): void {
    if (this.is(';') || this.is('nl')) { this.next(); return; }
    if (this.is('}') || this.is('eof')) return;
    const t = this.peek();
    throw new AwkError(`syntax error at source line ${t.line}: unexpected ${t.v ?? t.t}`);
  }

  stmt(): Stmt {
    const t = this.peek();
    switch (t.t) {
      case '{': return { k: 'block', body: this.block() };
      case 'if': {
        this.next(); this.eat('('); const c = this.expr(); this.eat(')'); this.nls();
        const a = this.stmt();
        const save = this.i;
        this.terms();
        if (this.is('else')) { this.next(); this.nls(); return { k: 'if', c, a, b: this.stmt() }; }
        this.i = save;
        return { k: 'if', c, a };
      }
      case 'while': { this.next(); this.eat('('); const c = this.expr(); this.eat(')'); this.nls(); return { k: 'while', c, body: this.stmt(), doWhile: false }; }
      case 'do': {
        this.next(); this.nls(); const body = this.stmt(); this.terms(); this.eat('while'); this.eat('('); const c = this.expr(); this.eat(')'); this.simpleEnd();
        return { k: 'while', c, body, doWhile: true };
      }
      case 'for': {
        this.next(); this.eat('(');
        if (this.peek().t === 'name' && this.peek(1).t === 'in' && this.peek(2).t === 'name' && this.peek(3).t === ')') {
          const v = String(this.next().v); this.next(); const arr = String(this.next().v); this.eat(')'); this.nls();
          return { k: 'forin', v, arr, body: this.stmt() };
        }
        const init = this.is(';') ? undefined : { k: 'expr' as const, e: this.expr() };
        this.eat(';'); this.nls();
        const c = this.is(';') ? undefined : this.expr();
        this.eat(';'); this.nls();
        const step = this.is(')') ? undefined : { k: 'expr' as const, e: this.expr() };
        this.eat(')'); this.nls();
        return { k: 'for', init, c, step, body: this.stmt() };
      }
      case ';': this.next(); return { k: 'block', body: [] };
      case 'next': this.next(); this.simpleEnd(); return { k: 'next' };
      case 'break': this.next(); this.simpleEnd(); return { k: 'break' };
      case 'continue': this.next(); this.simpleEnd(); return { k: 'continue' };
      case 'exit': case 'return': {
        this.next();
        const e = this.is(';') || this.is('nl') || this.is('}') ? undefined : this.expr();
        this.simpleEnd();
        return t.t === 'exit' ? { k: 'exit', e } : { k: 'return', e };
      }
      case 'delete': {
        this.next();
        const arr = String(this.eat('name').v);
        let subs: Expr[] | undefined;
        if (this.is('[')) { this.next(); subs = this.exprList(']'); this.eat(']'); }
        this.simpleEnd();
        return { k: 'delete', arr, subs };
      }
      case 'print': case 'printf': {
        this.next();
        let args: Expr[] = [];
        if (this.is('(') ) {
          // print (a, b) > "f"  or  print (a) b
          const save = this.i;
          this.next();
          const inner = this.exprList(')', true);
          this.eat(')');
          if (this.is(';') || this.is('nl') || this.is('}') || this.is('>') || this.is('>>') || this.is('|') || this.is('eof')) args = inner;
          else { this.i = save; args = this.exprList(null, true); }
        } else if (!(this.is(';') || this.is('nl') || this.is('}') || this.is('eof'))) args = this.exprList(null, true);
        let redir: { op: string; e: Expr } | undefined;
        if (this.is('>') || this.is('>>') || this.is('|')) { const op = this.next().t; redir = { op, e: this.concat(true) }; }
        this.simpleEnd();
        return { k: 'print', args, printf: t.t === 'printf', redir };
      }
    }
    const e = this.expr();
    this.simpleEnd();
    return { k: 'expr', e };
  }

  exprList(end: string | null, noGt = false): Expr[] {
    const out: Expr[] = [];
    if (end && this.is(end)) return out;
    out.push(this.expr(noGt));
    while (this.is(',')) { this.next(); this.nls(); out.push(this.expr(noGt)); }
    return out;
  }

  expr(noGt = false): Expr { return this.assign(noGt); }

  assign(noGt: boolean): Expr {
    const left = this.ternary(noGt);
    const t = this.peek().t;
    if (['=', '+=', '-=', '*=', '/=', '%=', '^='].includes(t) && (left.k === 'var' || left.k === 'field' || left.k === 'idx')) {
      this.next(); this.nls();
      return { k: 'assign', op: t, target: left, e: this.assign(noGt) };
    }
    return left;
  }

  ternary(noGt: boolean): Expr {
    const c = this.or(noGt);
    if (!this.is('?')) return c;
    this.next(); this.nls();
    const a = this.assign(noGt); this.nls();
    this.eat(':'); this.nls();
    const b = this.assign(noGt);
    return { k: 'cond', c, a, b };
  }

  or(noGt: boolean): Expr {
    let a = this.and(noGt);
    while (this.is('||')) { this.next(); this.nls(); a = { k: 'bin', op: '||', a, b: this.and(noGt) }; }
    return a;
  }

  and(noGt: boolean): Expr {
    let a = this.inExpr(noGt);
    while (this.is('&&')) { this.next(); this.nls(); a = { k: 'bin', op: '&&', a, b: this.inExpr(noGt) }; }
    return a;
  }

  inExpr(noGt: boolean): Expr {
    let a = this.matchExpr(noGt);
    while (this.is('in')) { this.next(); a = { k: 'in', subs: a.k === 'group' && false ? [] : [a], arr: String(this.eat('name').v) }; }
    return a;
  }

  matchExpr(noGt: boolean): Expr {
    let a = this.rel(noGt);
    while (this.is('~') || this.is('!~')) { const neg = this.next().t === '!~'; a = { k: 'match', neg, a, re: this.rel(noGt) }; }
    return a;
  }

  rel(noGt: boolean): Expr {
    const a = this.concat(noGt);
    const t = this.peek().t;
    if (['<', '<=', '==', '!=', '>=', ...(noGt ? [] : ['>'])].includes(t)) { this.next(); return { k: 'bin', op: t, a, b: this.concat(noGt) }; }
    return a;
  }

  startsPrimary(): boolean {
    const t = this.peek().t;
    return ['num', 'str', 're', 'name', 'func', 'builtin', '$', '(', '!', '-', '+', '++', '--'].includes(t) && !['-', '+', '!'].includes(t);
  }

  concat(noGt: boolean): Expr {
    let a = this.additive();
    while (this.startsPrimary() && !this.is('in')) a = { k: 'bin', op: 'concat', a, b: this.additive() };
    void noGt;
    return a;
  }

  additive(): Expr {
    let a = this.mul();
    while (this.is('+') || this.is('-')) { const op = this.next().t; a = { k: 'bin', op, a, b: this.mul() }; }
    return a;
  }

  mul(): Expr {
    let a = this.unary();
    while (this.is('*') || this.is('/') || this.is('%')) { const op = this.next().t; a = { k: 'bin', op, a, b: this.unary() }; }
    return a;
  }

  unary(): Expr {
    if (this.is('!')) { this.next(); return { k: 'un', op: '!', e: this.unary() }; }
    if (this.is('-') || this.is('+')) { const op = this.next().t; return { k: 'un', op, e: this.unary() }; }
    return this.pow();
  }

  pow(): Expr {
    const a = this.postfix();
    if (this.is('^')) { this.next(); return { k: 'bin', op: '^', a, b: this.unary() }; }
    return a;
  }

  postfix(): Expr {
    if (this.is('++') || this.is('--')) { const op = this.next().t; return { k: 'incdec', op, prefix: true, target: this.postfix() }; }
    const e = this.primary();
    if ((this.is('++') || this.is('--')) && (e.k === 'var' || e.k === 'field' || e.k === 'idx')) {
      const op = this.next().t;
      return { k: 'incdec', op, prefix: false, target: e };
    }
    return e;
  }

  primary(): Expr {
    const t = this.next();
    switch (t.t) {
      case 'num': return { k: 'num', v: t.v as number };
      case 'str': return { k: 'str', v: t.v as string };
      case 're': return { k: 're', v: t.v as string };
      case '$': return { k: 'field', e: this.postfixNoIncdec() };
      case '(': {
        const list = this.exprList(')');
        this.eat(')');
        if (list.length > 1 && this.is('in')) { this.next(); return { k: 'in', subs: list, arr: String(this.eat('name').v) }; }
        return { k: 'group', e: list[0] };
      }
      case 'name': {
        if (this.is('[')) { this.next(); const subs = this.exprList(']'); this.eat(']'); return { k: 'idx', name: String(t.v), subs }; }
        return { k: 'var', name: String(t.v) };
      }
      case 'builtin': case 'func': {
        let args: Expr[] = [];
        if (this.is('(')) { this.next(); this.nls(); args = this.exprList(')'); this.nls(); this.eat(')'); }
        return { k: 'call', name: String(t.v), args, builtin: t.t === 'builtin' };
      }
      case '-': return { k: 'un', op: '-', e: this.unary() };
      case '!': return { k: 'un', op: '!', e: this.unary() };
    }
    throw new AwkError(`syntax error at source line ${t.line}: unexpected ${t.t === 'nl' ? 'newline' : t.v ?? t.t}`);
  }

  postfixNoIncdec(): Expr {
    if (this.is('++') || this.is('--')) { const op = this.next().t; return { k: 'incdec', op, prefix: true, target: this.primary() }; }
    if (this.is('-')) { this.next(); return { k: 'un', op: '-', e: this.primary() }; }
    return this.primary();
  }
}

class NextSig {}
class ExitSig { constructor(readonly code: number) {} }
class BreakSig {}
class ContSig {}
class RetSig { constructor(readonly v: Val) {} }

const parsedPrograms = new Map<string, { items: Item[]; funcs: Map<string, Func> } | AwkError | RegexError>();

/** A program's syntax tree (read-only while it runs), parsed once per text: probes repeat on every host. */
function parseAwk(src: string): { items: Item[]; funcs: Map<string, Func> } | AwkError | RegexError {
  let r = parsedPrograms.get(src);
  if (!r) {
    try {
      const parser = new AwkParser(lex(src));
      const items = parser.program();
      r = { items, funcs: parser.funcs };
    } catch (e) {
      if (!(e instanceof AwkError || e instanceof RegexError)) throw e;
      r = e;
    }
    if (parsedPrograms.size > 2000) parsedPrograms.clear();
    parsedPrograms.set(src, r);
  }
  return r;
}

export const awk: Program = (p) => {
  const io = new Io(p, 'awk');
  const args = p.argv.slice(1);
  const assigns: [string, string][] = [];
  let fs: string | null = null;
  let src: string | null = null;
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i];
    if (a === '--') { i++; break; }
    if (a === '-v') { const kv = args[++i] ?? ''; const eq = kv.indexOf('='); assigns.push([kv.slice(0, eq), kv.slice(eq + 1)]); continue; }
    if (a.startsWith('-v') && a.length > 2) { const kv = a.slice(2); const eq = kv.indexOf('='); assigns.push([kv.slice(0, eq), kv.slice(eq + 1)]); continue; }
    if (a === '-F') { fs = args[++i] ?? ' '; continue; }
    if (a.startsWith('-F')) { fs = a.slice(2); continue; }
    if (a === '-f') {
      try { src = p.m.fs.readFile(args[++i], p.cred, p.cwd); } catch { return io.fail(`fatal: can't open source file \`${args[i]}'`, 2); }
      continue;
    }
    break;
  }
  if (src === null) {
    if (i >= args.length) { io.err('usage: awk [-F fs][-v var=value][prog | -f progfile][file ...]\n'); return 2; }
    src = args[i++];
  }
  const operands = args.slice(i);
  const parsed = parseAwk(src);
  if (parsed instanceof Error) { io.err(`awk: ${parsed.message}\n`); return 2; }
  const { items, funcs } = parsed;
  const unescape = (s: string) => s.replace(/\\(n|t|\\|")/g, (_, c: string) => ({ n: '\n', t: '\t', '\\': '\\', '"': '"' } as Record<string, string>)[c]);
  const globals = new Map<string, Val>([['FS', fs === null ? ' ' : fs === 't' ? '\t' : unescape(fs)], ['OFS', ' '], ['ORS', '\n'], ['NR', 0], ['NF', 0], ['FNR', 0], ['SUBSEP', '\x1c'], ['RSTART', 0], ['RLENGTH', -1], ['FILENAME', ''], ['OFMT', '%.6g'], ['CONVFMT', '%.6g'], ['RS', '\n']]);
  for (const [k, v] of assigns) globals.set(k, strnum(unescape(v)));
  const arrays = new Map<string, Map<string, Val>>();
  const envArr = new Map<string, Val>();
  for (const [k, v] of p.env) envArr.set(k, strnum(v));
  arrays.set('ENVIRON', envArr);
  let fields: Val[] = [''];
  let record = '';
  const locals: Map<string, Val | Map<string, Val>>[] = [];
  const outFiles = new Map<string, boolean>();
  let out = '';
  const flush = () => { if (out) { io.out(out); out = ''; } };

  const regex = (v: Val | Expr): RegExp => {
    const s = typeof v === 'object' && 'k' in (v as object) ? '' : toStr(v as Val);
    return cached(posixRegex(s, true));
  };
  const splitRecord = (s: string, sep: string): string[] => {
    if (sep === ' ') return s.split(/[ \t\n]+/).filter((x) => x !== '');
    if (s === '') return [];
    if (sep.length === 1 && sep !== '\\') return s.split(sep);
    return s.split(cached(posixRegex(sep, true), 'g'));
  };
  const setRecord = (s: string) => {
    record = s;
    const parts = splitRecord(s, toStr(globals.get('FS') ?? ' '));
    fields = [strnum(s), ...parts.map(strnum)];
    globals.set('NF', parts.length);
  };
  const rebuild = () => {
    const nf = toNum(globals.get('NF') ?? 0);
    fields.length = Math.max(nf + 1, 1);
    for (let k = 1; k <= nf; k++) if (fields[k] === undefined) fields[k] = '';
    record = fields.slice(1, nf + 1).map(toStr).join(toStr(globals.get('OFS') ?? ' '));
    fields[0] = record;
  };
  const getArr = (name: string): Map<string, Val> => {
    const l = locals[locals.length - 1];
    if (l?.has(name)) {
      const v = l.get(name);
      if (v instanceof Map) return v;
      const m = new Map<string, Val>();
      l.set(name, m);
      return m;
    }
    let a = arrays.get(name);
    if (!a) { a = new Map(); arrays.set(name, a); }
    return a;
  };
  const subKey = (subs: Expr[]) => subs.map((s) => toStr(ev(s))).join(toStr(globals.get('SUBSEP') ?? '\x1c'));
  const getVar = (name: string): Val => {
    const l = locals[locals.length - 1];
    if (l?.has(name)) { const v = l.get(name); return v instanceof Map ? '' : v ?? ''; }
    return globals.get(name) ?? new StrNum('');
  };
  const setVar = (name: string, v: Val) => {
    const l = locals[locals.length - 1];
    if (l?.has(name)) { l.set(name, v); return; }
    globals.set(name, v);
    if (name === 'NF') rebuild();
  };
  const get = (e: Expr): Val => ev(e);
  const set = (e: Expr, v: Val): void => {
    if (e.k === 'var') setVar(e.name, v);
    else if (e.k === 'idx') getArr(e.name).set(subKey(e.subs), v);
    else if (e.k === 'field') {
      const n = Math.trunc(toNum(ev(e.e)));
      if (n === 0) setRecord(toStr(v));
      else {
        fields[n] = v;
        if (n > toNum(globals.get('NF') ?? 0)) globals.set('NF', n);
        rebuild();
      }
    } else if (e.k === 'group') set(e.e, v);
    else throw new AwkError('assignment to a non-variable');
  };
  const compare = (a: Val, b: Val, op: string): boolean => {
    let c: number;
    if (isNumeric(a) && isNumeric(b)) c = toNum(a) - toNum(b);
    else { const x = toStr(a); const y = toStr(b); c = x < y ? -1 : x > y ? 1 : 0; }
    switch (op) {
      case '<': return c < 0; case '<=': return c <= 0; case '>': return c > 0; case '>=': return c >= 0;
      case '==': return c === 0; default: return c !== 0;
    }
  };
  const matchOf = (e: Expr): RegExp => (e.k === 're' ? cached(posixRegex(e.v, true)) : regex(ev(e)));
  const sprintf = (fmtv: Val, argv: Val[]): string => {
    const fmt = toStr(fmtv);
    const conv: string[] = [];
    fmt.replace(/%[-+ #0]*(\*|\d+)?(\.(\*|\d*))?([a-zA-Z%])/g, (m, w, _p, pr, c: string) => { if (w === '*') conv.push('*'); if (pr === '*') conv.push('*'); if (c !== '%') conv.push(c); return m; });
    const sargs = argv.map((a, k) => {
      const c = conv[k];
      if (c === 'd' || c === 'i' || c === 'o' || c === 'x' || c === 'X' || c === 'u' || c === '*') return String(Math.trunc(toNum(a)));
      if (c === 'c') return typeof a === 'number' ? String.fromCharCode(a) : toStr(a).slice(0, 1);
      if (c === 'e' || c === 'f' || c === 'g' || c === 'E' || c === 'G') return String(toNum(a));
      return toStr(a);
    });
    return shPrintf(fmt.replace(/\\/g, '\\\\'), sargs).out;
  };
  const subst = (e: Expr[], global: boolean): number => {
    const re = matchOf(e[0]);
    const repl = toStr(ev(e[1]));
    const target = e[2] ?? { k: 'field', e: { k: 'num', v: 0 } } as Expr;
    const s = toStr(ev(target));
    let n = 0;
    const g = cached(re.source, 'g');
    const r = s.replace(g, (m) => {
      if (!global && n > 0) return m;
      n++;
      let o = '';
      for (let k = 0; k < repl.length; k++) {
        if (repl[k] === '\\' && repl[k + 1] === '&') { o += '&'; k++; }
        else if (repl[k] === '\\' && repl[k + 1] === '\\') { o += '\\'; k++; }
        else if (repl[k] === '&') o += m;
        else o += repl[k];
      }
      return o;
    });
    if (n) set(target, r);
    return n;
  };
  const call = (e: Extract<Expr, { k: 'call' }>): Val => {
    const a = e.args;
    if (e.builtin) {
      switch (e.name) {
        case 'length': {
          if (a[0]?.k === 'var' && (arrays.has(a[0].name) || locals[locals.length - 1]?.get(a[0].name) instanceof Map)) return getArr(a[0].name).size;
          return toStr(a.length ? ev(a[0]) : fields[0]).length;
        }
        case 'substr': {
          const s = toStr(ev(a[0]));
          const m = Math.round(toNum(ev(a[1])));
          const n = a[2] ? Math.round(toNum(ev(a[2]))) : Infinity;
          const start = Math.max(m, 1);
          const end = n === Infinity ? s.length + 1 : m + n;
          return end <= start ? '' : s.slice(start - 1, end - 1);
        }
        case 'index': return toStr(ev(a[0])).indexOf(toStr(ev(a[1]))) + 1;
        case 'split': {
          const s = toStr(ev(a[0]));
          const name = (a[1] as { name: string }).name;
          const sep = a[2] ? (a[2].k === 're' ? a[2].v : toStr(ev(a[2]))) : toStr(globals.get('FS') ?? ' ');
          const parts = splitRecord(s, sep);
          const arr = getArr(name);
          arr.clear();
          parts.forEach((x, k) => arr.set(String(k + 1), strnum(x)));
          return parts.length;
        }
        case 'sub': return subst(a, false);
        case 'gsub': return subst(a, true);
        case 'match': {
          const s = toStr(ev(a[0]));
          const m = matchOf(a[1]).exec(s);
          globals.set('RSTART', m ? m.index + 1 : 0);
          globals.set('RLENGTH', m ? m[0].length : -1);
          return m ? m.index + 1 : 0;
        }
        case 'sprintf': return sprintf(ev(a[0]), a.slice(1).map(ev));
        case 'tolower': return toStr(ev(a[0])).toLowerCase();
        case 'toupper': return toStr(ev(a[0])).toUpperCase();
        case 'int': return Math.trunc(toNum(ev(a[0])));
        case 'sqrt': return Math.sqrt(toNum(ev(a[0])));
        case 'exp': return Math.exp(toNum(ev(a[0])));
        case 'log': return Math.log(toNum(ev(a[0])));
        case 'sin': return Math.sin(toNum(ev(a[0])));
        case 'cos': return Math.cos(toNum(ev(a[0])));
        case 'atan2': return Math.atan2(toNum(ev(a[0])), toNum(ev(a[1])));
        case 'rand': return 0.237788;
        case 'srand': return 0;
        case 'close': return 0;
        case 'system': { flush(); return p.spawn(['/bin/sh', '-c', toStr(ev(a[0]))]); }
      }
      throw new AwkError(`function ${e.name} not supported`);
    }
    const f = funcs.get(e.name);
    if (!f) throw new AwkError(`function \`${e.name}' not defined`);
    const frame = new Map<string, Val | Map<string, Val>>();
    f.params.forEach((name, k) => {
      const arg = a[k];
      if (arg && arg.k === 'var' && (arrays.has(arg.name))) frame.set(name, getArr(arg.name));
      else frame.set(name, arg ? ev(arg) : '');
    });
    locals.push(frame);
    try {
      runBlock(f.body);
      return '';
    } catch (s) {
      if (s instanceof RetSig) return s.v;
      throw s;
    } finally {
      locals.pop();
    }
  };
  function ev(e: Expr): Val {
    switch (e.k) {
      case 'num': return e.v;
      case 'str': return e.v;
      case 're': return cached(posixRegex(e.v, true)).test(toStr(fields[0])) ? 1 : 0;
      case 'var': return getVar(e.name);
      case 'field': { const n = Math.trunc(toNum(ev(e.e))); return n === 0 ? fields[0] : fields[n] ?? new StrNum(''); }
      case 'idx': { const arr = getArr(e.name); const k = subKey(e.subs); let v = arr.get(k); if (v === undefined) { v = new StrNum(''); arr.set(k, v); } return v; }
      case 'group': return ev(e.e);
      case 'assign': {
        let v = ev(e.e);
        if (e.op !== '=') {
          const a = toNum(get(e.target));
          const b = toNum(v);
          v = e.op === '+=' ? a + b : e.op === '-=' ? a - b : e.op === '*=' ? a * b : e.op === '/=' ? a / b : e.op === '%=' ? a % b : a ** b;
        } else if (v instanceof StrNum) v = new StrNum(v.s);
        set(e.target, v);
        return v;
      }
      case 'cond': return truthy(ev(e.c)) ? ev(e.a) : ev(e.b);
      case 'un': {
        const v = ev(e.e);
        return e.op === '!' ? (truthy(v) ? 0 : 1) : e.op === '-' ? -toNum(v) : toNum(v);
      }
      case 'incdec': {
        const old = toNum(get(e.target));
        const nv = e.op === '++' ? old + 1 : old - 1;
        set(e.target, nv);
        return e.prefix ? nv : old;
      }
      case 'in': return getArr(e.arr).has(subKey(e.subs)) ? 1 : 0;
      case 'match': { const r = matchOf(e.re).test(toStr(ev(e.a))); return r !== e.neg ? 1 : 0; }
      case 'call': return call(e);
      case 'bin': {
        if (e.op === '&&') return truthy(ev(e.a)) && truthy(ev(e.b)) ? 1 : 0;
        if (e.op === '||') return truthy(ev(e.a)) || truthy(ev(e.b)) ? 1 : 0;
        const a = ev(e.a);
        const b = ev(e.b);
        switch (e.op) {
          case 'concat': return toStr(a) + toStr(b);
          case '+': return toNum(a) + toNum(b);
          case '-': return toNum(a) - toNum(b);
          case '*': return toNum(a) * toNum(b);
          case '/': { const d = toNum(b); if (d === 0) throw new AwkError('division by zero'); return toNum(a) / d; }
          case '%': { const d = toNum(b); if (d === 0) throw new AwkError('division by zero in %'); return toNum(a) % d; }
          case '^': return toNum(a) ** toNum(b);
          default: return compare(a, b, e.op) ? 1 : 0;
        }
      }
    }
  }
  function runBlock(body: Stmt[]): void {
    for (const s of body) run(s);
  }
  function run(s: Stmt): void {
    p.m.budget.steps--;
    switch (s.k) {
      case 'expr': ev(s.e); return;
      case 'print': {
        let text: string;
        if (s.printf) text = s.args.length ? sprintf(ev(s.args[0]), s.args.slice(1).map(ev)) : '';
        else {
          const vals = s.args.length ? s.args.map((a) => { const v = ev(a); return typeof v === 'number' ? numStr(v, toStr(globals.get('OFMT') ?? '%.6g')) : toStr(v); }) : [toStr(fields[0])];
          text = vals.join(toStr(globals.get('OFS') ?? ' ')) + toStr(globals.get('ORS') ?? '\n');
        }
        if (s.redir) {
          const f = toStr(ev(s.redir.e));
          if (s.redir.op === '|') { flush(); throw new AwkError('pipes are not supported'); }
          const append = s.redir.op === '>>' || outFiles.has(f);
          if (f === '/dev/stderr') io.err(text);
          else if (f === '/dev/stdout' || f === '-') out += text;
          else p.m.fs.writeFile(f, text, p.cred, { append, cwd: p.cwd });
          outFiles.set(f, true);
        } else out += text;
        if (out.length > 65536) flush();
        return;
      }
      case 'if': if (truthy(ev(s.c))) run(s.a); else if (s.b) run(s.b); return;
      case 'while': {
        if (s.doWhile) {
          do { try { run(s.body); } catch (x) { if (x instanceof BreakSig) break; if (!(x instanceof ContSig)) throw x; } } while (truthy(ev(s.c)));
          return;
        }
        while (truthy(ev(s.c))) { try { run(s.body); } catch (x) { if (x instanceof BreakSig) break; if (!(x instanceof ContSig)) throw x; } }
        return;
      }
      case 'for': {
        if (s.init) run(s.init);
        while (!s.c || truthy(ev(s.c))) {
          try { run(s.body); } catch (x) { if (x instanceof BreakSig) break; if (!(x instanceof ContSig)) throw x; }
          if (s.step) run(s.step);
        }
        return;
      }
      case 'forin': {
        for (const k of [...getArr(s.arr).keys()]) {
          setVar(s.v, strnum(k));
          try { run(s.body); } catch (x) { if (x instanceof BreakSig) break; if (!(x instanceof ContSig)) throw x; }
        }
        return;
      }
      case 'block': runBlock(s.body); return;
      case 'next': throw new NextSig();
      case 'exit': throw new ExitSig(s.e ? Math.trunc(toNum(ev(s.e))) : 0);
      case 'break': throw new BreakSig();
      case 'continue': throw new ContSig();
      case 'return': throw new RetSig(s.e ? ev(s.e) : '');
      case 'delete': { const a = getArr(s.arr); if (s.subs) a.delete(subKey(s.subs)); else a.clear(); return; }
    }
  }

  let exitCode = 0;
  const ranges = new Map<Item, boolean>();
  try {
    try {
      for (const it of items) if (it.kind === 'begin') runBlock(it.body!);
      const mains = items.filter((x) => x.kind === 'main');
      const hasMainOrEnd = items.some((x) => x.kind !== 'begin');
      if (hasMainOrEnd) {
        const files = operands.filter((o) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(o));
        const srcs = files.length ? operands : ['-'];
        for (const f of srcs) {
          const as = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(f);
          if (as) { globals.set(as[1], strnum(unescape(as[2]))); continue; }
          const data = f === '-' ? io.stdin() : io.read(f);
          if (data === null) { exitCode = 2; continue; }
          globals.set('FILENAME', f === '-' ? '' : f);
          globals.set('FNR', 0);
          const recs = data.split('\n');
          if (recs[recs.length - 1] === '') recs.pop();
          for (const r of recs) {
            globals.set('NR', toNum(globals.get('NR') ?? 0) + 1);
            globals.set('FNR', toNum(globals.get('FNR') ?? 0) + 1);
            setRecord(r);
            try {
              for (const it of mains) {
                let sel: boolean;
                if (!it.pat) sel = true;
                else if (!it.pat2) sel = truthy(ev(it.pat));
                else if (ranges.get(it)) { sel = true; if (truthy(ev(it.pat2))) ranges.set(it, false); }
                else if (truthy(ev(it.pat))) { sel = true; ranges.set(it, !truthy(ev(it.pat2))); }
                else sel = false;
                if (!sel) continue;
                if (it.body) runBlock(it.body);
                else out += toStr(fields[0]) + toStr(globals.get('ORS') ?? '\n');
              }
            } catch (x) {
              if (!(x instanceof NextSig)) throw x;
            }
            if (p.m.budget.steps < 0) throw new AwkError('step budget');
          }
        }
      }
    } catch (x) {
      if (!(x instanceof ExitSig)) throw x;
      exitCode = x.code;
    }
    try {
      for (const it of items) if (it.kind === 'end') runBlock(it.body!);
    } catch (x) {
      if (!(x instanceof ExitSig)) throw x;
      exitCode = x.code;
    }
  } catch (e) {
    if (e instanceof AwkError || e instanceof RegexError) { flush(); io.err(`awk: ${e.message}\n`); return 2; }
    throw e;
  }
  flush();
  return exitCode;
};
