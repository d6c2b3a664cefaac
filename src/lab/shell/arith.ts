// $(( … )): integer arithmetic with C precedence (XCU 2.6.4), variables by name.

type Tok = { k: 'num'; v: number } | { k: 'name'; v: string } | { k: 'op'; v: string };

const OPS = ['<<=', '>>=', '&&', '||', '==', '!=', '<=', '>=', '<<', '>>', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '++', '--',
  '+', '-', '*', '/', '%', '<', '>', '&', '|', '^', '!', '~', '(', ')', '?', ':', '='];

function lex(s: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (/\s/.test(c)) { i++; continue; }
    const num = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(s.slice(i));
    if (num) {
      const t = num[1];
      out.push({ k: 'num', v: t.startsWith('0x') || t.startsWith('0X') ? parseInt(t, 16) : t.length > 1 && t[0] === '0' ? parseInt(t, 8) : Number(t) });
      i += t.length;
      if (/[A-Za-z0-9_]/.test(s[i] ?? '')) throw new Error('syntax error');
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(i));
    if (name) { out.push({ k: 'name', v: name[0] }); i += name[0].length; continue; }
    const op = OPS.find((o) => s.startsWith(o, i));
    if (!op) throw new Error('syntax error');
    out.push({ k: 'op', v: op });
    i += op.length;
  }
  return out;
}

const BIN: [string[], number][] = [
  [['||'], 1], [['&&'], 2], [['|'], 3], [['^'], 4], [['&'], 5], [['==', '!='], 6],
  [['<', '<=', '>', '>='], 7], [['<<', '>>'], 8], [['+', '-'], 9], [['*', '/', '%'], 10],
];
const PREC = new Map<string, number>(BIN.flatMap(([ops, p]) => ops.map((o) => [o, p] as [string, number])));

export function arith(text: string, get: (n: string) => string, set: (n: string, v: number) => void): number {
  const toks = lex(text);
  let i = 0;
  const peek = () => toks[i];
  const isOp = (v: string) => toks[i]?.k === 'op' && toks[i].v === v;
  const val = (n: string): number => {
    const s = get(n).trim();
    if (s === '') return 0;
    return arith(s, get, set);
  };
  const apply = (op: string, a: number, b: number): number => {
    switch (op) {
      case '+': return a + b; case '-': return a - b; case '*': return a * b;
      case '/': if (b === 0) throw new Error('division by zero'); return Math.trunc(a / b);
      case '%': if (b === 0) throw new Error('division by zero'); return a % b;
      case '<<': return a << b; case '>>': return a >> b;
      case '<': return +(a < b); case '<=': return +(a <= b); case '>': return +(a > b); case '>=': return +(a >= b);
      case '==': return +(a === b); case '!=': return +(a !== b);
      case '&': return a & b; case '|': return a | b; case '^': return a ^ b;
      case '&&': return +(a !== 0 && b !== 0); case '||': return +(a !== 0 || b !== 0);
    }
    throw new Error('syntax error');
  };
  function unary(): number {
    const t = peek();
    if (!t) throw new Error('syntax error');
    if (t.k === 'op') {
      if (t.v === '(') { i++; const v = assign(); if (!isOp(')')) throw new Error('missing )'); i++; return v; }
      if (t.v === '-' || t.v === '+' || t.v === '!' || t.v === '~') {
        i++;
        const v = unary();
        return t.v === '-' ? -v : t.v === '+' ? v : t.v === '!' ? +(v === 0) : ~v;
      }
      if (t.v === '++' || t.v === '--') {
        i++;
        const n = peek();
        if (n?.k !== 'name') throw new Error('syntax error');
        i++;
        const v = val(n.v) + (t.v === '++' ? 1 : -1);
        set(n.v, v);
        return v;
      }
      throw new Error('syntax error');
    }
    i++;
    if (t.k === 'num') return t.v;
    if (isOp('++') || isOp('--')) {
      const op = (toks[i++] as { v: string }).v;
      const v = val(t.v);
      set(t.v, v + (op === '++' ? 1 : -1));
      return v;
    }
    return val(t.v);
  }
  function binary(minPrec: number): number {
    let left = unary();
    for (;;) {
      const t = peek();
      if (t?.k !== 'op') return left;
      const p = PREC.get(t.v);
      if (p === undefined || p < minPrec) return left;
      i++;
      const right = binary(p + 1);
      left = apply(t.v, left, right);
    }
  }
  function ternary(): number {
    const c = binary(1);
    if (!isOp('?')) return c;
    i++;
    const a = assign();
    if (!isOp(':')) throw new Error('syntax error');
    i++;
    const b = ternary();
    return c !== 0 ? a : b;
  }
  function assign(): number {
    const t = peek();
    const n = toks[i + 1];
    if (t?.k === 'name' && n?.k === 'op' && /^([-+*/%&|^]|<<|>>)?=$/.test(n.v)) {
      i += 2;
      const r = assign();
      const v = n.v === '=' ? r : apply(n.v.slice(0, -1), val(t.v), r);
      set(t.v, v);
      return v;
    }
    return ternary();
  }
  if (toks.length === 0) return 0;
  const v = assign();
  if (i < toks.length) throw new Error('syntax error');
  return v;
}
