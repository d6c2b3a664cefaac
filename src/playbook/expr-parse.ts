// Tokenizer and recursive-descent parser for the Jinja-like expression language, with Jinja's
// precedence: `a if c else b` < or < and < not < comparisons/in < + - < ~ < * / // % < ** <
// unary - + < filters `|` and tests `is` < postfix . [] ().
// Nothing here evaluates: the parser builds a tree that expr-eval.ts walks (no eval, no Function).

export type Ast =
  | { k: 'lit'; v: unknown; at: number }
  | { k: 'var'; name: string; at: number }
  | { k: 'attr'; obj: Ast; name: string; at: number }
  | { k: 'index'; obj: Ast; index: Ast; at: number }
  | { k: 'slice'; obj: Ast; start?: Ast; stop?: Ast; step?: Ast; at: number }
  | { k: 'list'; items: Ast[]; at: number }
  | { k: 'dict'; entries: [Ast, Ast][]; at: number }
  | { k: 'unary'; op: '-' | '+'; x: Ast; at: number }
  | { k: 'not'; x: Ast; at: number }
  | { k: 'and' | 'or'; l: Ast; r: Ast; at: number }
  | { k: 'bin'; op: '+' | '-' | '*' | '/' | '//' | '%' | '**' | '~'; l: Ast; r: Ast; at: number }
  | { k: 'cmp'; first: Ast; rest: [CmpOp, Ast, number][]; at: number }
  | { k: 'filter'; x: Ast; name: string; args: Ast[]; kwargs: [string, Ast][]; at: number }
  | { k: 'test'; x: Ast; name: string; args: Ast[]; kwargs: [string, Ast][]; negated: boolean; at: number }
  | { k: 'call'; fn: Ast; args: Ast[]; kwargs: [string, Ast][]; at: number }
  | { k: 'cond'; then: Ast; cond: Ast; otherwise?: Ast; at: number };

export type CmpOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not in';

type Tok =
  | { t: 'num'; v: number; at: number; end: number }
  | { t: 'str'; v: string; at: number; end: number }
  | { t: 'name'; v: string; at: number; end: number }
  | { t: 'op'; v: string; at: number; end: number }
  | { t: 'eof'; v: ''; at: number; end: number };

/** A syntax error at an offset of the expression source; expr.ts turns it into a TemplateError. */
export class ExprSyntaxError extends Error {
  constructor(
    message: string,
    readonly at: number,
    readonly expected?: string,
    readonly found?: string,
  ) {
    super(message);
  }
}

const OPS = ['**', '//', '==', '!=', '<=', '>=', '<', '>', '+', '-', '*', '/', '%', '~', '|', '.', ',', ':', '(', ')', '[', ']', '{', '}', '='];
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', '\\': '\\', "'": "'", '"': '"', '\n': '' };

export function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const start = i;
    if (c >= '0' && c <= '9') {
      // After a '.', digits are an index (`list.0.1`), never a float.
      const afterDot = toks.length > 0 && toks[toks.length - 1]!.t === 'op' && toks[toks.length - 1]!.v === '.';
      const re = afterDot ? /\d[\d_]*/y : /\d[\d_]*(\.\d[\d_]*)?([eE][+-]?\d+)?/y;
      re.lastIndex = i;
      const m = re.exec(src)!;
      i += m[0].length;
      toks.push({ t: 'num', v: Number(m[0].replace(/_/g, '')), at: start, end: i });
      continue;
    }
    if (c === '"' || c === "'") {
      let v = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new ExprSyntaxError('unterminated string', start, `a closing ${c}`, 'the end of the expression');
        const d = src[i]!;
        if (d === c) {
          i++;
          break;
        }
        if (d === '\\' && i + 1 < src.length) {
          const e = src[i + 1]!;
          if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(src.slice(i + 2, i + 6))) {
            v += String.fromCharCode(parseInt(src.slice(i + 2, i + 6), 16));
            i += 6;
            continue;
          }
          v += ESCAPES[e] ?? '\\' + e;
          i += 2;
          continue;
        }
        v += d;
        i++;
      }
      toks.push({ t: 'str', v, at: start, end: i });
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const re = /[A-Za-z_][A-Za-z0-9_]*/y;
      re.lastIndex = i;
      const m = re.exec(src)!;
      i += m[0].length;
      toks.push({ t: 'name', v: m[0], at: start, end: i });
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) {
      const hint = c === '&' ? " (use 'and')" : c === '!' ? " (use 'not')" : '';
      throw new ExprSyntaxError(`unexpected character '${c}'${hint}`, start);
    }
    i += op.length;
    toks.push({ t: 'op', v: op, at: start, end: i });
  }
  toks.push({ t: 'eof', v: '', at: src.length, end: src.length });
  return toks;
}

const RESERVED_AFTER = new Set(['and', 'or', 'else', 'if', 'in', 'is', 'not']);

export function parse(src: string): Ast {
  const p = new Parser(tokenize(src));
  const ast = p.expression();
  p.expectEnd();
  return ast;
}

function describeTok(t: Tok): string {
  if (t.t === 'eof') return 'the end of the expression';
  if (t.t === 'str') return `a string '${t.v}'`;
  if (t.t === 'num') return `the number ${t.v}`;
  return `'${t.v}'`;
}

class Parser {
  private i = 0;
  constructor(private readonly toks: Tok[]) {}

  private peek(o = 0): Tok {
    return this.toks[Math.min(this.i + o, this.toks.length - 1)]!;
  }
  private next(): Tok {
    const t = this.peek();
    if (this.i < this.toks.length - 1) this.i++;
    return t;
  }
  private isOp(v: string, o = 0): boolean {
    const t = this.peek(o);
    return t.t === 'op' && t.v === v;
  }
  private isName(v: string, o = 0): boolean {
    const t = this.peek(o);
    return t.t === 'name' && t.v === v;
  }
  private expectOp(v: string, context: string): Tok {
    const t = this.peek();
    if (t.t === 'op' && t.v === v) return this.next();
    throw new ExprSyntaxError(`expected '${v}' ${context}`, t.at, `'${v}'`, describeTok(t));
  }
  private expectName(context: string): Tok & { t: 'name' } {
    const t = this.peek();
    if (t.t === 'name') return this.next() as Tok & { t: 'name' };
    throw new ExprSyntaxError(`expected a name ${context}`, t.at, 'a name', describeTok(t));
  }

  expectEnd(): void {
    const t = this.peek();
    if (t.t === 'eof') return;
    let hint = '';
    if (t.t === 'op' && t.v === '=') hint = " (use '==' to compare)";
    if (t.t === 'op' && t.v === '}') hint = ' (an unmatched "}")';
    throw new ExprSyntaxError(`unexpected ${describeTok(t)}${hint}`, t.at, 'an operator or the end of the expression', describeTok(t));
  }

  expression(): Ast {
    let e = this.or();
    while (this.isName('if')) {
      const at = this.next().at;
      const cond = this.or();
      let otherwise: Ast | undefined;
      if (this.isName('else')) {
        this.next();
        otherwise = this.expression();
      }
      e = otherwise ? { k: 'cond', then: e, cond, otherwise, at } : { k: 'cond', then: e, cond, at };
    }
    return e;
  }

  private or(): Ast {
    let l = this.and();
    while (this.isName('or')) {
      const at = this.next().at;
      l = { k: 'or', l, r: this.and(), at };
    }
    return l;
  }

  private and(): Ast {
    let l = this.not();
    while (this.isName('and')) {
      const at = this.next().at;
      l = { k: 'and', l, r: this.not(), at };
    }
    return l;
  }

  private not(): Ast {
    if (this.isName('not')) {
      const at = this.next().at;
      return { k: 'not', x: this.not(), at };
    }
    return this.compare();
  }

  private compare(): Ast {
    const first = this.math1();
    const rest: [CmpOp, Ast, number][] = [];
    for (;;) {
      const t = this.peek();
      if (t.t === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(t.v)) {
        this.next();
        rest.push([t.v as CmpOp, this.math1(), t.at]);
      } else if (this.isName('in')) {
        this.next();
        rest.push(['in', this.math1(), t.at]);
      } else if (this.isName('not') && this.isName('in', 1)) {
        this.next();
        this.next();
        rest.push(['not in', this.math1(), t.at]);
      } else break;
    }
    return rest.length ? { k: 'cmp', first, rest, at: first.at } : first;
  }

  private math1(): Ast {
    let l = this.concat();
    while (this.isOp('+') || this.isOp('-')) {
      const t = this.next();
      l = { k: 'bin', op: t.v as '+' | '-', l, r: this.concat(), at: t.at };
    }
    return l;
  }

  private concat(): Ast {
    let l = this.math2();
    while (this.isOp('~')) {
      const at = this.next().at;
      l = { k: 'bin', op: '~', l, r: this.math2(), at };
    }
    return l;
  }

  private math2(): Ast {
    let l = this.pow();
    while (this.isOp('*') || this.isOp('/') || this.isOp('//') || this.isOp('%')) {
      const t = this.next();
      l = { k: 'bin', op: t.v as '*' | '/' | '//' | '%', l, r: this.pow(), at: t.at };
    }
    return l;
  }

  private pow(): Ast {
    let l = this.unary(true);
    while (this.isOp('**')) {
      const at = this.next().at;
      l = { k: 'bin', op: '**', l, r: this.unary(true), at };
    }
    return l;
  }

  private unary(withFilter: boolean): Ast {
    let node: Ast;
    if (this.isOp('-') || this.isOp('+')) {
      const t = this.next();
      node = { k: 'unary', op: t.v as '-' | '+', x: this.unary(false), at: t.at };
    } else {
      node = this.postfix(this.primary());
    }
    return withFilter ? this.filters(node) : node;
  }

  private primary(): Ast {
    const t = this.peek();
    switch (t.t) {
      case 'num':
        this.next();
        return { k: 'lit', v: t.v, at: t.at };
      case 'str': {
        this.next();
        let v = t.v;
        // Adjacent string literals concatenate, as in Jinja and Python.
        while (this.peek().t === 'str') v += (this.next() as Tok & { t: 'str' }).v;
        return { k: 'lit', v, at: t.at };
      }
      case 'name': {
        this.next();
        if (t.v === 'true' || t.v === 'True') return { k: 'lit', v: true, at: t.at };
        if (t.v === 'false' || t.v === 'False') return { k: 'lit', v: false, at: t.at };
        if (t.v === 'none' || t.v === 'None') return { k: 'lit', v: null, at: t.at };
        if (RESERVED_AFTER.has(t.v)) {
          throw new ExprSyntaxError(`unexpected '${t.v}'`, t.at, 'a value', `'${t.v}'`);
        }
        return { k: 'var', name: t.v, at: t.at };
      }
      case 'op':
        if (t.v === '(') {
          this.next();
          if (this.isOp(')')) {
            this.next();
            return { k: 'list', items: [], at: t.at };
          }
          const first = this.expression();
          if (this.isOp(',')) {
            // a tuple: a list for our purposes
            const items = [first];
            while (this.isOp(',')) {
              this.next();
              if (this.isOp(')')) break;
              items.push(this.expression());
            }
            this.expectOp(')', 'to close the parenthesis');
            return { k: 'list', items, at: t.at };
          }
          this.expectOp(')', 'to close the parenthesis');
          return first;
        }
        if (t.v === '[') {
          this.next();
          const items: Ast[] = [];
          while (!this.isOp(']')) {
            items.push(this.expression());
            if (!this.isOp(',')) break;
            this.next();
          }
          this.expectOp(']', 'to close the list');
          return { k: 'list', items, at: t.at };
        }
        if (t.v === '{') {
          this.next();
          const entries: [Ast, Ast][] = [];
          while (!this.isOp('}')) {
            const key = this.expression();
            this.expectOp(':', 'between a key and its value');
            entries.push([key, this.expression()]);
            if (!this.isOp(',')) break;
            this.next();
          }
          this.expectOp('}', 'to close the mapping');
          return { k: 'dict', entries, at: t.at };
        }
        break;
      case 'eof':
        throw new ExprSyntaxError('expression ends too early', t.at, 'a value', 'the end of the expression');
    }
    throw new ExprSyntaxError(`unexpected ${describeTok(t)}`, t.at, 'a value', describeTok(t));
  }

  private postfix(node: Ast): Ast {
    for (;;) {
      if (this.isOp('.')) {
        const dot = this.next();
        const t = this.peek();
        if (t.t === 'name') {
          this.next();
          node = { k: 'attr', obj: node, name: t.v, at: dot.at };
        } else if (t.t === 'num') {
          this.next();
          node = { k: 'index', obj: node, index: { k: 'lit', v: t.v, at: t.at }, at: dot.at };
        } else {
          throw new ExprSyntaxError("expected a name after '.'", t.at, 'a name', describeTok(t));
        }
      } else if (this.isOp('[')) {
        const at = this.next().at;
        node = this.subscript(node, at);
      } else if (this.isOp('(')) {
        const at = this.peek().at;
        const { args, kwargs } = this.callArgs();
        node = { k: 'call', fn: node, args, kwargs, at };
      } else return node;
    }
  }

  private subscript(obj: Ast, at: number): Ast {
    const parts: (Ast | undefined)[] = [];
    let isSlice = false;
    let cur: Ast | undefined;
    for (;;) {
      if (this.isOp(':')) {
        this.next();
        isSlice = true;
        parts.push(cur);
        cur = undefined;
        continue;
      }
      if (this.isOp(']')) break;
      if (cur) throw new ExprSyntaxError("expected ']' to close the index", this.peek().at, "']'", describeTok(this.peek()));
      cur = this.expression();
    }
    this.expectOp(']', 'to close the index');
    parts.push(cur);
    if (!isSlice) {
      if (!cur) throw new ExprSyntaxError('empty index', at, 'an index', "'[]'");
      return { k: 'index', obj, index: cur, at };
    }
    const [start, stop, step] = parts;
    const s: Ast = { k: 'slice', obj, at };
    if (start) s.start = start;
    if (stop) s.stop = stop;
    if (step) s.step = step;
    return s;
  }

  private callArgs(): { args: Ast[]; kwargs: [string, Ast][] } {
    this.expectOp('(', 'to start the arguments');
    const args: Ast[] = [];
    const kwargs: [string, Ast][] = [];
    while (!this.isOp(')')) {
      const t = this.peek();
      if (t.t === 'name' && this.isOp('=', 1)) {
        this.next();
        this.next();
        kwargs.push([t.v, this.expression()]);
      } else {
        if (kwargs.length) throw new ExprSyntaxError('a positional argument after a keyword argument', t.at);
        args.push(this.expression());
      }
      if (!this.isOp(',')) break;
      this.next();
    }
    this.expectOp(')', 'to close the arguments');
    return { args, kwargs };
  }

  /** `| name(args)` filters and `is [not] name(args)` tests, left to right. */
  private filters(node: Ast): Ast {
    for (;;) {
      if (this.isOp('|')) {
        const at = this.next().at;
        const name = this.dottedName('after |');
        const { args, kwargs } = this.isOp('(') ? this.callArgs() : { args: [], kwargs: [] };
        node = { k: 'filter', x: node, name, args, kwargs, at };
      } else if (this.isName('is')) {
        const at = this.next().at;
        let negated = false;
        if (this.isName('not')) {
          this.next();
          negated = true;
        }
        const t = this.peek();
        // `is none`, `is true`, `is false`: literal keywords are test names here.
        const name =
          t.t === 'name' && ['none', 'None', 'true', 'True', 'false', 'False'].includes(t.v)
            ? (this.next(), t.v.toLowerCase())
            : this.dottedName("after 'is'");
        let args: Ast[] = [];
        let kwargs: [string, Ast][] = [];
        if (this.isOp('(')) ({ args, kwargs } = this.callArgs());
        else if (this.peek().t === 'num' || this.peek().t === 'str') args = [this.primary()];
        node = { k: 'test', x: node, name, args, kwargs, negated, at };
      } else return node;
    }
  }

  private dottedName(context: string): string {
    let name = this.expectName(context).v;
    while (this.isOp('.') && this.peek(1).t === 'name') {
      this.next();
      name += '.' + (this.next() as Tok & { t: 'name' }).v;
    }
    return name;
  }
}
