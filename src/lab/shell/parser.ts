// A recursive-descent parser for the POSIX shell command language (XCU 2.3 token recognition,
// 2.6 word structure, 2.10 grammar), with dash's syntax error messages. Words keep their
// quoting structure (parts) so that expansion can tell quoted from unquoted text.
//
// Hand-written rather than a library: mvdan-sh (GopherJS) needs 35-100 ms for one batched fact
// probe, sh-syntax instantiates a WebAssembly module per call and its JSON loses node types,
// and bash-parser rejects the product's own scripts (`4>&-`, here-documents).
import type { AndOr, Assign, Command, List, Part, ParamOp, Pipeline, Redir, Word } from './ast.js';

export class ShellSyntaxError extends Error {
  constructor(readonly line: number, readonly detail: string) {
    super(`${line}: Syntax error: ${detail}`);
  }
}

type Tok =
  | { k: 'word'; w: Word; raw: string; line: number }
  | { k: 'op'; v: string; line: number }
  | { k: 'io'; n: number; line: number }
  | { k: 'eof'; line: number };

const OPS = ['&&', '||', ';;', '<<-', '<<', '>>', '<&', '>&', '<>', '>|', ';', '&', '|', '(', ')', '<', '>'];
const META = new Set([' ', '\t', '\n', ';', '&', '|', '<', '>', '(', ')']);
/** What ends or interrupts plain text in a word: metacharacters, quotes, expansions, newlines. */
const SPECIAL_IN_WORD = new Set([' ', '\t', '\n', ';', '&', '|', '<', '>', '(', ')', '\\', "'", '"', '$', '`']);
const SPECIAL_IN_DQ = new Set(['"', '\\', '$', '`', '\n']);
const REDIR_OPS = new Set(['<', '>', '>>', '>|', '<>', '<&', '>&', '<<', '<<-']);
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SPECIAL = new Set(['@', '*', '#', '?', '-', '$', '!']);
const CLOSERS = new Set(['then', 'else', 'elif', 'fi', 'do', 'done', 'esac', '}']);

function litOf(t: Tok): string | null {
  if (t.k !== 'word' || t.w.parts.length !== 1 || t.w.parts[0].t !== 'lit') return null;
  return t.w.parts[0].v;
}

function show(t: Tok): string {
  if (t.k === 'eof') return 'end of file';
  if (t.k === 'op') return t.v === '\n' ? 'newline' : `"${t.v}"`;
  if (t.k === 'io') return `"${t.n}"`;
  return `"${t.raw}"`;
}

export class Parser {
  private pos = 0;
  private line: number;
  private peeked: Tok | null = null;
  private pending: Redir[] = [];

  constructor(private readonly src: string, firstLine = 1) {
    this.line = firstLine;
  }

  parseProgram(): List {
    const list = this.parseList(() => false);
    const t = this.peek();
    if (t.k !== 'eof') throw this.unexpected(t);
    return list;
  }

  // ---- token level --------------------------------------------------------------------------

  private peek(): Tok {
    if (!this.peeked) this.peeked = this.lex();
    return this.peeked;
  }

  private next(): Tok {
    const t = this.peek();
    this.peeked = null;
    return t;
  }

  private unexpected(t: Tok, expecting?: string): ShellSyntaxError {
    return new ShellSyntaxError(t.line, `${show(t)} unexpected${expecting ? ` (expecting "${expecting}")` : ''}`);
  }

  private skipBlanks(): void {
    const s = this.src;
    for (;;) {
      const c = s[this.pos];
      if (c === ' ' || c === '\t') this.pos++;
      else if (c === '\\' && s[this.pos + 1] === '\n') { this.pos += 2; this.line++; }
      else if (c === '#') { while (this.pos < s.length && s[this.pos] !== '\n') this.pos++; }
      else return;
    }
  }

  private lex(): Tok {
    this.skipBlanks();
    const s = this.src;
    const line = this.line;
    if (this.pos >= s.length) return { k: 'eof', line };
    if (s[this.pos] === '\n') {
      this.pos++;
      this.line++;
      if (this.pending.length) this.readHeredocs();
      return { k: 'op', v: '\n', line };
    }
    for (const op of OPS) {
      if (s.startsWith(op, this.pos)) { this.pos += op.length; return { k: 'op', v: op, line }; }
    }
    // IO_NUMBER: digits directly followed by < or >
    let i = this.pos;
    while (i < s.length && s[i] >= '0' && s[i] <= '9') i++;
    if (i > this.pos && (s[i] === '<' || s[i] === '>')) {
      const n = Number(s.slice(this.pos, i));
      this.pos = i;
      return { k: 'io', n, line };
    }
    const start = this.pos;
    const w = this.lexWord('normal');
    return { k: 'word', w, raw: s.slice(start, this.pos), line };
  }

  /** Word text up to a metacharacter (normal), `}` (param) or `))` (arith). */
  private lexWord(mode: 'normal' | 'param' | 'arith'): Word {
    const s = this.src;
    const parts: Part[] = [];
    let lit = '';
    const flush = () => { if (lit) { parts.push({ t: 'lit', v: lit }); lit = ''; } };
    // Adjacent quoted pieces are one quoted text: a shQuote'd script ('…'\''…') stays one part
    // instead of thousands (a batched probe arrives that way, nested twice, on every host).
    const quoted = (v: string) => {
      flush();
      const last = parts.length > 0 ? parts[parts.length - 1] : undefined;
      if (last !== undefined && last.t === 'sq') last.v += v;
      else parts.push({ t: 'sq', v });
    };
    let depth = 0;
    for (;;) {
      if (this.pos >= s.length) {
        if (mode === 'param') throw new ShellSyntaxError(this.line, 'Missing \'}\'');
        if (mode === 'arith') throw new ShellSyntaxError(this.line, 'Missing \'))\'');
        break;
      }
      const c = s[this.pos];
      if (mode === 'normal') {
        // a run of ordinary characters in one slice
        let j = this.pos;
        while (j < s.length && !SPECIAL_IN_WORD.has(s[j])) j++;
        if (j > this.pos) { lit += s.slice(this.pos, j); this.pos = j; continue; }
      }
      if (mode === 'normal' && META.has(c)) break;
      if (mode === 'param' && c === '}') break;
      if (mode === 'arith') {
        if (c === '(') depth++;
        else if (c === ')') {
          if (depth === 0 && s[this.pos + 1] === ')') break;
          depth--;
        }
      }
      if (c === '\\') {
        const d = s[this.pos + 1];
        if (d === '\n') { this.pos += 2; this.line++; continue; }
        if (d === undefined) { lit += '\\'; this.pos++; continue; }
        quoted(d);
        this.pos += 2;
        continue;
      }
      if (c === "'" && mode !== 'arith') {
        const end = s.indexOf("'", this.pos + 1);
        if (end < 0) throw new ShellSyntaxError(this.line, 'Unterminated quoted string');
        const v = s.slice(this.pos + 1, end);
        this.line += count(v, '\n');
        quoted(v);
        this.pos = end + 1;
        continue;
      }
      if (c === '"') {
        flush();
        this.pos++;
        parts.push({ t: 'dq', parts: this.lexDq() });
        continue;
      }
      if (c === '$') {
        const p = this.lexDollar();
        if (p) { flush(); parts.push(p); continue; }
        lit += '$';
        this.pos++;
        continue;
      }
      if (c === '`') {
        flush();
        parts.push(this.lexBackquote(false));
        continue;
      }
      if (c === '\n') this.line++;
      lit += c;
      this.pos++;
    }
    flush();
    return mkWord(parts);
  }

  /** Inside "…": only $, `, \ and the closing quote are special. */
  private lexDq(): Part[] {
    const s = this.src;
    const parts: Part[] = [];
    let lit = '';
    const flush = () => { if (lit) { parts.push({ t: 'lit', v: lit }); lit = ''; } };
    for (;;) {
      if (this.pos >= s.length) throw new ShellSyntaxError(this.line, 'Unterminated quoted string');
      let j = this.pos;
      while (j < s.length && !SPECIAL_IN_DQ.has(s[j])) j++;
      if (j > this.pos) { lit += s.slice(this.pos, j); this.pos = j; continue; }
      const c = s[this.pos];
      if (c === '"') { this.pos++; break; }
      if (c === '\\') {
        const d = s[this.pos + 1];
        if (d === '\n') { this.pos += 2; this.line++; continue; }
        if (d === '$' || d === '`' || d === '"' || d === '\\') { lit += d; this.pos += 2; continue; }
        lit += '\\';
        this.pos++;
        continue;
      }
      if (c === '$') {
        const p = this.lexDollar();
        if (p) { flush(); parts.push(p); continue; }
        lit += '$';
        this.pos++;
        continue;
      }
      if (c === '`') { flush(); parts.push(this.lexBackquote(true)); continue; }
      if (c === '\n') this.line++;
      lit += c;
      this.pos++;
    }
    flush();
    // A quoted literal is not subject to globbing or splitting: mark it quoted.
    return parts.map((p) => (p.t === 'lit' ? { t: 'sq', v: p.v } : p));
  }

  /** At a `$`: returns the expansion, or null when the `$` is literal. */
  private lexDollar(): Part | null {
    const s = this.src;
    const c = s[this.pos + 1];
    if (c === '(' && s[this.pos + 2] === '(') {
      this.pos += 3;
      const expr = this.lexWord('arith');
      this.pos += 2;
      return { t: 'arith', expr };
    }
    if (c === '(') {
      this.pos += 2;
      const saved = this.peeked;
      this.peeked = null;
      const body = this.parseList((t) => t.k === 'op' && t.v === ')');
      const close = this.next();
      if (close.k !== 'op' || close.v !== ')') throw this.unexpected(close, ')');
      this.peeked = saved;
      return { t: 'cmd', body };
    }
    if (c === '{') {
      this.pos += 2;
      return this.lexBraceParam();
    }
    if (c !== undefined && (SPECIAL.has(c) || (c >= '0' && c <= '9'))) {
      this.pos += 2;
      return { t: 'param', name: c };
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(this.pos + 1, this.pos + 200));
    if (m) {
      this.pos += 1 + m[0].length;
      return { t: 'param', name: m[0] };
    }
    return null;
  }

  private lexBraceParam(): Part {
    const s = this.src;
    let length = false;
    if (s[this.pos] === '#' && s[this.pos + 1] !== '}' && /[A-Za-z_0-9@*#?$!-]/.test(s[this.pos + 1] ?? '')) {
      // ${#name}; but ${#-x} / ${#?x} would be ${#} with an operator: dash treats ${#-} as length of $-.
      length = true;
      this.pos++;
    }
    let name: string;
    const m = /^([A-Za-z_][A-Za-z0-9_]*|[0-9]+|[@*#?$!0-])/.exec(s.slice(this.pos, this.pos + 200));
    if (!m) throw new ShellSyntaxError(this.line, 'Bad substitution');
    name = m[1];
    this.pos += name.length;
    if (length) {
      if (s[this.pos] !== '}') throw new ShellSyntaxError(this.line, 'Bad substitution');
      this.pos++;
      return { t: 'param', name, length: true };
    }
    if (s[this.pos] === '}') { this.pos++; return { t: 'param', name }; }
    let op: ParamOp | null = null;
    for (const o of [':-', ':=', ':?', ':+', '%%', '##', '-', '=', '?', '+', '%', '#'] as ParamOp[]) {
      if (s.startsWith(o, this.pos)) { op = o; break; }
    }
    if (!op) throw new ShellSyntaxError(this.line, 'Bad substitution');
    this.pos += op.length;
    const word = this.lexWord('param');
    this.pos++; // }
    return { t: 'param', name, op, word };
  }

  private lexBackquote(inDq: boolean): Part {
    const s = this.src;
    const startLine = this.line;
    let text = '';
    this.pos++;
    for (;;) {
      if (this.pos >= s.length) throw new ShellSyntaxError(this.line, 'EOF in backquote substitution');
      const c = s[this.pos];
      if (c === '`') { this.pos++; break; }
      if (c === '\\') {
        const d = s[this.pos + 1];
        if (d === '\\' || d === '`' || d === '$' || (inDq && d === '"')) { text += d; this.pos += 2; continue; }
        if (d === '\n') { this.pos += 2; this.line++; continue; }
      }
      if (c === '\n') this.line++;
      text += c;
      this.pos++;
    }
    return { t: 'cmd', body: new Parser(text, startLine).parseProgram() };
  }

  private readHeredocs(): void {
    const s = this.src;
    for (const r of this.pending) {
      const quoted = r.target.parts.some((p) => p.t !== 'lit');
      const delim = wordText(r.target);
      const strip = r.op === '<<-';
      let body = '';
      const bodyLine = this.line;
      for (;;) {
        if (this.pos >= s.length) break;
        let end = s.indexOf('\n', this.pos);
        if (end < 0) end = s.length;
        let l = s.slice(this.pos, end);
        this.pos = Math.min(end + 1, s.length);
        this.line++;
        if (strip) l = l.replace(/^\t+/, '');
        if (l === delim) break;
        body += l + '\n';
      }
      r.heredoc = quoted ? mkWord([{ t: 'sq', v: body }]) : new Parser(body, bodyLine).heredocWord();
    }
    this.pending = [];
  }

  /** The whole source as an unquoted here-document body: $, ` and \ are special, quotes are not. */
  heredocWord(): Word {
    const s = this.src;
    const parts: Part[] = [];
    let lit = '';
    const flush = () => { if (lit) { parts.push({ t: 'sq', v: lit }); lit = ''; } };
    while (this.pos < s.length) {
      const c = s[this.pos];
      if (c === '\\') {
        const d = s[this.pos + 1];
        if (d === '\n') { this.pos += 2; continue; }
        if (d === '$' || d === '`' || d === '\\') { lit += d; this.pos += 2; continue; }
        lit += '\\';
        this.pos++;
        continue;
      }
      if (c === '$') {
        const p = this.lexDollar();
        if (p) { flush(); parts.push(p); continue; }
      }
      if (c === '`') { flush(); parts.push(this.lexBackquote(false)); continue; }
      lit += c;
      this.pos++;
    }
    flush();
    return mkWord(parts);
  }

  // ---- grammar ------------------------------------------------------------------------------

  private skipNewlines(): void {
    for (;;) {
      const t = this.peek();
      if (t.k === 'op' && t.v === '\n') this.next();
      else return;
    }
  }

  private isReserved(t: Tok, ...words: string[]): boolean {
    const l = litOf(t);
    return l !== null && words.includes(l);
  }

  /** A compound list, stopping (without consuming) at a token `stop` accepts or a closing reserved word. */
  private parseList(stop: (t: Tok) => boolean): List {
    const list: AndOr[] = [];
    for (;;) {
      this.skipNewlines();
      const t = this.peek();
      if (t.k === 'eof' || stop(t)) break;
      if (litOf(t) !== null && CLOSERS.has(litOf(t)!)) break;
      if (t.k === 'op' && (t.v === ')' || t.v === ';;')) break;
      const ao = this.parseAndOr();
      list.push(ao);
      const sep = this.peek();
      if (sep.k === 'op' && (sep.v === ';' || sep.v === '&')) {
        this.next();
        if (sep.v === '&') ao.background = true;
        continue;
      }
      if (sep.k === 'op' && sep.v === '\n') continue;
      if (sep.k === 'eof' || stop(sep)) break;
      if (litOf(sep) !== null && CLOSERS.has(litOf(sep)!)) break;
      if (sep.k === 'op' && (sep.v === ')' || sep.v === ';;')) break;
      throw this.unexpected(sep);
    }
    return list;
  }

  private parseAndOr(): AndOr {
    const first = this.parsePipeline();
    const rest: AndOr['rest'] = [];
    for (;;) {
      const t = this.peek();
      if (t.k === 'op' && (t.v === '&&' || t.v === '||')) {
        this.next();
        this.skipNewlines();
        rest.push({ op: t.v, p: this.parsePipeline() });
      } else break;
    }
    return { first, rest, background: false };
  }

  private parsePipeline(): Pipeline {
    let negate = false;
    if (this.isReserved(this.peek(), '!')) { this.next(); negate = true; }
    const cmds = [this.parseCommand()];
    for (;;) {
      const t = this.peek();
      if (t.k === 'op' && t.v === '|') {
        this.next();
        this.skipNewlines();
        cmds.push(this.parseCommand());
      } else break;
    }
    return { negate, cmds };
  }

  private expectReserved(word: string): void {
    const t = this.next();
    if (!this.isReserved(t, word)) throw this.unexpected(t, word);
  }

  private expectOp(op: string): void {
    const t = this.next();
    if (t.k !== 'op' || t.v !== op) throw this.unexpected(t, op);
  }

  private parseCommand(): Command {
    const t = this.peek();
    const line = t.line;
    const lit = litOf(t);
    let cmd: Command;
    if (lit === '{') {
      this.next();
      const body = this.parseList(() => false);
      this.expectReserved('}');
      cmd = { t: 'group', line, body, redirs: [] };
    } else if (t.k === 'op' && t.v === '(') {
      this.next();
      const body = this.parseList(() => false);
      this.expectOp(')');
      cmd = { t: 'subshell', line, body, redirs: [] };
    } else if (lit === 'if') {
      this.next();
      const clauses: { cond: List; body: List }[] = [];
      let orElse: List | null = null;
      for (;;) {
        const cond = this.parseList(() => false);
        this.expectReserved('then');
        const body = this.parseList(() => false);
        clauses.push({ cond, body });
        const e = this.next();
        if (this.isReserved(e, 'elif')) continue;
        if (this.isReserved(e, 'else')) {
          orElse = this.parseList(() => false);
          this.expectReserved('fi');
          break;
        }
        if (this.isReserved(e, 'fi')) break;
        throw this.unexpected(e, 'fi');
      }
      cmd = { t: 'if', line, clauses, orElse, redirs: [] };
    } else if (lit === 'while' || lit === 'until') {
      this.next();
      const cond = this.parseList(() => false);
      this.expectReserved('do');
      const body = this.parseList(() => false);
      this.expectReserved('done');
      cmd = { t: 'loop', line, until: lit === 'until', cond, body, redirs: [] };
    } else if (lit === 'for') {
      this.next();
      const n = this.next();
      const name = litOf(n);
      if (name === null || !NAME.test(name)) throw new ShellSyntaxError(n.line, `Bad for loop variable`);
      let items: Word[] | null = null;
      this.skipNewlines();
      if (this.isReserved(this.peek(), 'in')) {
        this.next();
        items = [];
        for (;;) {
          const w = this.peek();
          if (w.k !== 'word') break;
          this.next();
          items.push(w.w);
        }
        const sep = this.next();
        if (!(sep.k === 'op' && (sep.v === ';' || sep.v === '\n'))) throw this.unexpected(sep, 'do');
      } else if (this.peek().k === 'op' && (this.peek() as { v: string }).v === ';') this.next();
      this.skipNewlines();
      this.expectReserved('do');
      const body = this.parseList(() => false);
      this.expectReserved('done');
      cmd = { t: 'for', line, name, items, body, redirs: [] };
    } else if (lit === 'case') {
      this.next();
      const subj = this.next();
      if (subj.k !== 'word') throw this.unexpected(subj, 'word');
      this.skipNewlines();
      this.expectReserved('in');
      const items: { patterns: Word[]; body: List }[] = [];
      for (;;) {
        this.skipNewlines();
        if (this.isReserved(this.peek(), 'esac')) { this.next(); break; }
        if (this.peek().k === 'op' && (this.peek() as { v: string }).v === '(') this.next();
        const patterns: Word[] = [];
        for (;;) {
          const p = this.next();
          if (p.k !== 'word') throw this.unexpected(p, 'word');
          patterns.push(p.w);
          const sep = this.next();
          if (sep.k === 'op' && sep.v === '|') continue;
          if (sep.k === 'op' && sep.v === ')') break;
          throw this.unexpected(sep, ')');
        }
        const body = this.parseList(() => false);
        items.push({ patterns, body });
        const e = this.peek();
        if (e.k === 'op' && e.v === ';;') { this.next(); continue; }
        if (this.isReserved(e, 'esac')) { this.next(); break; }
        throw this.unexpected(e, ';;');
      }
      cmd = { t: 'case', line, subject: subj.w, items, redirs: [] };
    } else if (lit !== null && CLOSERS.has(lit)) {
      throw this.unexpected(t);
    } else if (t.k === 'op' && !REDIR_OPS.has(t.v)) {
      throw this.unexpected(t);
    } else if (t.k === 'eof') {
      throw this.unexpected(t);
    } else {
      return this.parseSimple();
    }
    this.parseRedirs(cmd.redirs);
    return cmd;
  }

  private parseRedirs(into: Redir[]): void {
    for (;;) {
      const r = this.tryRedir();
      if (!r) return;
      into.push(r);
    }
  }

  private tryRedir(): Redir | null {
    const t = this.peek();
    let fd: number | null = null;
    if (t.k === 'io') {
      this.next();
      fd = t.n;
      const op = this.peek();
      if (op.k !== 'op' || !REDIR_OPS.has(op.v)) throw this.unexpected(op);
    } else if (!(t.k === 'op' && REDIR_OPS.has(t.v))) return null;
    const op = this.next() as { v: string; line: number };
    const w = this.next();
    if (w.k !== 'word') throw this.unexpected(w);
    const r: Redir = { fd, op: op.v as Redir['op'], target: w.w };
    if (r.op === '<<' || r.op === '<<-') this.pending.push(r);
    return r;
  }

  private parseSimple(): Command {
    const line = this.peek().line;
    const assigns: Assign[] = [];
    const words: Word[] = [];
    const redirs: Redir[] = [];
    for (;;) {
      const r = this.tryRedir();
      if (r) { redirs.push(r); continue; }
      const t = this.peek();
      if (t.k !== 'word') break;
      if (words.length === 0) {
        const a = asAssign(t.w);
        if (a) { this.next(); assigns.push(a); continue; }
      }
      this.next();
      words.push(t.w);
      // NAME ( ) compound-command: a function definition
      if (words.length === 1 && assigns.length === 0 && redirs.length === 0) {
        const n = litOf(t);
        const p = this.peek();
        if (p.k === 'op' && p.v === '(') {
          if (n === null || !NAME.test(n)) throw this.unexpected(p);
          this.next();
          this.expectOp(')');
          this.skipNewlines();
          const body = this.parseCommand();
          if (body.t === 'simple' || body.t === 'func') throw new ShellSyntaxError(body.line, 'Bad function body');
          return { t: 'func', line, name: n, body };
        }
      }
    }
    if (!assigns.length && !words.length && !redirs.length) throw this.unexpected(this.peek());
    return { t: 'simple', line, assigns, words, redirs };
  }
}

/** Every word has the same shape (plain filled in later by the interpreter): one hidden class. */
export function mkWord(parts: Part[]): Word {
  return { parts, plain: undefined };
}

function count(s: string, c: string): number {
  let n = 0;
  for (let i = s.indexOf(c); i >= 0; i = s.indexOf(c, i + 1)) n++;
  return n;
}

/** `NAME=value` with an unquoted NAME and `=`: an assignment word. */
function asAssign(w: Word): Assign | null {
  const p = w.parts[0];
  if (!p || p.t !== 'lit') return null;
  const m = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(p.v);
  if (!m) return null;
  const rest = p.v.slice(m[0].length);
  return { name: m[1], value: mkWord([...(rest ? [{ t: 'lit' as const, v: rest }] : []), ...w.parts.slice(1)]) };
}

/** Quote-removed text of a word with no expansions (here-document delimiters). */
export function wordText(w: Word): string {
  return w.parts.map((p) => (p.t === 'lit' || p.t === 'sq' ? p.v : p.t === 'dq' ? wordText({ parts: p.parts }) : p.t === 'param' ? '$' + p.name : '')).join('');
}

export function parseShell(src: string): List {
  return new Parser(src).parseProgram();
}
