// A tiny PHP for `php -r CODE`: statements echo, var_dump, assignment, if, foreach; expressions
// with strings, numbers, arrays, . concatenation, ?:, !, ===/==/!=, casts, and the functions the
// lab's PHP knows (the extension model answers phpversion, ini_get, Imagick::…). Anything else
// is a parse error, as a real php would give for code it cannot run, never a made-up answer.

export type PVal = string | number | boolean | null | PVal[] | Map<string, PVal>;

export interface PhpEnv {
  getenv(name: string): string | false;
  functions: Record<string, (...a: PVal[]) => PVal>;
  statics: Record<string, (...a: PVal[]) => PVal>;
  constants: Record<string, PVal>;
  classes: Set<string>;
}

export class PhpError extends Error {}

type Tok = { t: 'str' | 'num' | 'var' | 'id' | 'op'; v: string };

function lex(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) { i++; continue; }
    if (c === '"' || c === "'") {
      let s = '';
      i++;
      while (i < src.length && src[i] !== c) {
        if (src[i] === '\\') {
          const d = src[i + 1];
          if (c === "'") { if (d === "'" || d === '\\') { s += d; i += 2; continue; } s += '\\'; i++; continue; }
          const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', $: '$', '0': '\0' };
          if (d in map) { s += map[d]; i += 2; continue; }
          s += '\\'; i++; continue;
        }
        if (c === '"' && src[i] === '$') throw new PhpError('PHP Parse error: variable interpolation is not supported by the lab');
        s += src[i++];
      }
      if (i >= src.length) throw new PhpError('PHP Parse error:  syntax error, unexpected end of file');
      i++;
      out.push({ t: 'str', v: s });
      continue;
    }
    const num = /^\d+(\.\d+)?/.exec(src.slice(i));
    if (num) { out.push({ t: 'num', v: num[0] }); i += num[0].length; continue; }
    const v = /^\$[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (v) { out.push({ t: 'var', v: v[0].slice(1) }); i += v[0].length; continue; }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (id) { out.push({ t: 'id', v: id[0] }); i += id[0].length; continue; }
    const op = ['===', '!==', '==', '!=', '=>', '::', '&&', '||', '(', ')', '{', '}', '[', ']', ';', ',', '.', '?', ':', '!', '='].find((o) => src.startsWith(o, i));
    if (!op) throw new PhpError(`PHP Parse error:  syntax error, unexpected character '${c}'`);
    out.push({ t: 'op', v: op });
    i += op.length;
  }
  return out;
}

export function toStr(v: PVal): string {
  if (v === null || v === false) return '';
  if (v === true) return '1';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return v;
  return 'Array';
}

function truthy(v: PVal): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  return !(v === null || v === false || v === 0 || v === '' || v === '0');
}

export function varDump(v: PVal): string {
  if (v === null) return 'NULL\n';
  if (typeof v === 'boolean') return `bool(${v})\n`;
  if (typeof v === 'number') return Number.isInteger(v) ? `int(${v})\n` : `float(${v})\n`;
  if (typeof v === 'string') return `string(${Buffer.byteLength(v, 'latin1')}) "${v}"\n`;
  const entries = Array.isArray(v) ? v.map((x, k) => [String(k), x] as const) : [...v];
  return `array(${entries.length}) {\n${entries.map(([k, x]) => `  [${/^\d+$/.test(k) ? k : `"${k}"`}]=>\n  ${varDump(x).replace(/\n(?=.)/g, '\n  ')}`).join('')}}\n`;
}

/** Tokens per code text: every host runs the same few `php -r` probes (tokens are only read). */
const lexed = new Map<string, Tok[]>();

function lexCached(code: string): Tok[] {
  let toks = lexed.get(code);
  if (!toks) {
    toks = lex(code);
    if (lexed.size >= 256) lexed.clear();
    lexed.set(code, toks);
  }
  return toks;
}

export function runPhp(code: string, env: PhpEnv): string {
  const toks = lexCached(code);
  let i = 0;
  let out = '';
  const vars = new Map<string, PVal>();
  let dry = false; // parsing a branch that does not run: no calls
  const lazily = (run: boolean, f: () => PVal): PVal => {
    const saved = dry;
    if (!run) dry = true;
    try { return f(); } finally { dry = saved; }
  };
  const peek = (v: string) => toks[i] && toks[i].t === 'op' && toks[i].v === v;
  const eat = (v: string) => {
    if (!peek(v)) throw new PhpError(`PHP Parse error:  syntax error, unexpected ${toks[i] ? `'${toks[i].v}'` : 'end of file'}, expecting "${v}"`);
    i++;
  };
  function primary(): PVal {
    const t = toks[i++];
    if (!t) throw new PhpError('PHP Parse error:  syntax error, unexpected end of file');
    if (t.t === 'str') return t.v;
    if (t.t === 'num') return Number(t.v);
    if (t.t === 'var') {
      let v = vars.get(t.v) ?? null;
      while (peek('[')) { i++; const k = toStr(expr()); eat(']'); v = v instanceof Map ? v.get(k) ?? null : Array.isArray(v) ? v[Number(k)] ?? null : null; }
      return v;
    }
    if (t.t === 'op' && t.v === '(') {
      const cast = toks[i];
      if (cast?.t === 'id' && ['array', 'string', 'int', 'bool'].includes(cast.v) && toks[i + 1]?.v === ')') {
        i += 2;
        const v = unary();
        if (cast.v === 'string') return toStr(v);
        if (cast.v === 'int') return Math.trunc(Number(toStr(v)) || 0);
        if (cast.v === 'bool') return truthy(v);
        return Array.isArray(v) || v instanceof Map ? v : v === null ? [] : [v];
      }
      const v = expr();
      eat(')');
      return v;
    }
    if (t.t === 'op' && t.v === '!') return !truthy(unary());
    if (t.t === 'id') {
      const lower = t.v.toLowerCase();
      if (lower === 'true') return true;
      if (lower === 'false') return false;
      if (lower === 'null') return null;
      if (peek('::')) {
        i++;
        const m = toks[i++];
        const key = `${t.v}::${m.v}`;
        const f = env.statics[key];
        if (dry) { args(); return null; }
        if (!env.classes.has(t.v)) throw new PhpError(`PHP Fatal error:  Uncaught Error: Class "${t.v}" not found`);
        if (!f) throw new PhpError(`PHP Fatal error:  Uncaught Error: Call to undefined method ${key}()`);
        return f(...args());
      }
      if (peek('(')) {
        const a = args();
        if (dry) return null;
        if (lower === 'getenv') return env.getenv(toStr(a[0]));
        if (lower === 'class_exists') return env.classes.has(toStr(a[0]));
        if (lower === 'str_replace') return toStr(a[2]).split(toStr(a[0])).join(toStr(a[1]));
        const f = env.functions[lower];
        if (!f) throw new PhpError(`PHP Fatal error:  Uncaught Error: Call to undefined function ${t.v}()`);
        return f(...a);
      }
      if (t.v in env.constants) return env.constants[t.v];
      throw new PhpError(`PHP Fatal error:  Uncaught Error: Undefined constant "${t.v}"`);
    }
    throw new PhpError(`PHP Parse error:  syntax error, unexpected '${t.v}'`);
  }
  function args(): PVal[] {
    eat('(');
    const a: PVal[] = [];
    while (!peek(')')) { a.push(expr()); if (peek(',')) i++; else break; }
    eat(')');
    return a;
  }
  function unary(): PVal {
    return primary();
  }
  function concat(): PVal {
    let v = unary();
    while (peek('.')) { i++; v = toStr(v) + toStr(unary()); }
    return v;
  }
  function equality(): PVal {
    const a = concat();
    for (const op of ['===', '!==', '==', '!=']) {
      if (peek(op)) {
        i++;
        const b = concat();
        const eq = op.length === 3 ? a === b : toStr(a) === toStr(b);
        return op.startsWith('!') ? !eq : eq;
      }
    }
    return a;
  }
  function logic(): PVal {
    let a = equality();
    while (peek('&&') || peek('||')) {
      const op = toks[i++].v;
      const b = equality();
      a = op === '&&' ? truthy(a) && truthy(b) : truthy(a) || truthy(b);
    }
    return a;
  }
  function expr(): PVal {
    const c = logic();
    if (!peek('?')) return c;
    i++;
    const a = lazily(truthy(c), expr);
    eat(':');
    const b = lazily(!truthy(c), expr);
    return truthy(c) ? a : b;
  }
  function block(run: boolean): void {
    lazily(run, () => {
      if (peek('{')) {
        i++;
        while (!peek('}')) stmt(run);
        i++;
      } else stmt(run);
      return null;
    });
  }
  function skipExpr(): void {
    // parse without effects: evaluate in a sandbox is not possible, so evaluate; the lab's functions are pure
    expr();
  }
  function stmt(run: boolean): void {
    const t = toks[i];
    if (t.t === 'id' && t.v === 'echo') {
      i++;
      const parts: PVal[] = [lazily(run, expr)];
      while (peek(',')) { i++; parts.push(lazily(run, expr)); }
      eat(';');
      if (run) out += parts.map(toStr).join('');
      return;
    }
    if (t.t === 'id' && t.v === 'var_dump') {
      i++;
      const a = lazily(run, args);
      eat(';');
      if (run) out += (a as PVal[]).map(varDump).join('');
      return;
    }
    if (t.t === 'id' && t.v === 'if') {
      i++;
      eat('(');
      const c = lazily(run, expr);
      eat(')');
      block(run && truthy(c));
      if (toks[i]?.t === 'id' && toks[i].v === 'else') { i++; block(run && !truthy(c)); }
      return;
    }
    if (t.t === 'id' && t.v === 'foreach') {
      i++;
      eat('(');
      const arr = expr();
      if (toks[i]?.v !== 'as') throw new PhpError("PHP Parse error:  syntax error, expecting 'as'");
      i++;
      const k = toks[i++].v;
      let v = k;
      let hasKey = false;
      if (peek('=>')) { i++; v = toks[i++].v; hasKey = true; }
      eat(')');
      const start = i;
      const entries = arr instanceof Map ? [...arr] : Array.isArray(arr) ? arr.map((x, n) => [String(n), x] as const) : [];
      if (!run || entries.length === 0) { block(false); return; }
      let end = start;
      for (const [kk, vv] of entries) {
        i = start;
        if (hasKey) vars.set(k, kk);
        vars.set(v, vv);
        block(true);
        end = i;
      }
      i = end;
      return;
    }
    if (t.t === 'var' && toks[i + 1]?.v === '=') {
      i += 2;
      const v = lazily(run, expr);
      eat(';');
      if (run) vars.set(t.v, v);
      return;
    }
    skipExpr();
    eat(';');
  }
  while (i < toks.length) stmt(true);
  return out;
}
