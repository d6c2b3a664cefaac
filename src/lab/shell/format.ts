// printf(1) as dash implements it, and dash's echo escapes.

/** Backslash escapes of printf's format and %b (`octal4`: \0NNN as %b and echo take it). */
export function escapes(s: string, octal4: boolean): { text: string; stop: boolean } {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== '\\' || i + 1 >= s.length) { out += c; continue; }
    const d = s[++i];
    switch (d) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case 'a': out += '\x07'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'v': out += '\v'; break;
      case '\\': out += '\\'; break;
      case 'c': return { text: out, stop: true };
      case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
        let j = i;
        let max = 3;
        if (octal4 && d === '0') { j = i + 1; max = 3; }
        let n = '';
        while (n.length < max && j < s.length && /[0-7]/.test(s[j])) n += s[j++];
        if (octal4 && d === '0' && n === '') { out += '\0'; break; }
        out += String.fromCharCode(parseInt(n || '0', 8) & 0xff);
        i = j - 1;
        break;
      }
      default: out += '\\' + d;
    }
  }
  return { text: out, stop: false };
}

export interface PrintfResult {
  out: string;
  errors: string[];
  status: number;
}

function toNum(arg: string, errors: string[]): number {
  if (arg === '') return 0;
  if (/^['"]/.test(arg)) return arg.length > 1 ? arg.charCodeAt(1) : 0;
  const m = /^\s*([+-]?(?:0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*))/.exec(arg);
  if (!m) { errors.push(`${arg}: expected numeric value`); return 0; }
  if (m[0].length !== arg.length) errors.push(`${arg}: not completely converted`);
  const t = m[1].replace(/^[+]/, '');
  const neg = t.startsWith('-');
  const u = neg ? t.slice(1) : t;
  const v = /^0[xX]/.test(u) ? parseInt(u, 16) : u.length > 1 && u[0] === '0' ? parseInt(u, 8) : Number(u);
  return neg ? -v : v;
}

function pad(s: string, flags: string, width: number | null, zeroOk: boolean): string {
  if (width === null || s.length >= width) return s;
  if (flags.includes('-')) return s + ' '.repeat(width - s.length);
  if (flags.includes('0') && zeroOk) {
    const sign = /^[+-]/.test(s) ? s[0] : '';
    return sign + '0'.repeat(width - s.length) + s.slice(sign.length);
  }
  return ' '.repeat(width - s.length) + s;
}

type FmtPiece =
  | { k: 'lit'; s: string }
  | { k: 'dir'; flags: string; w: string | undefined; p: string | undefined; conv: string }
  | { k: 'bad'; c: string };

const compiled = new Map<string, FmtPiece[]>();

/** A format split into literal text (escapes resolved) and directives, once per format string. */
function compileFormat(fmt: string): FmtPiece[] {
  let pieces = compiled.get(fmt);
  if (pieces) return pieces;
  pieces = [];
  let lit = '';
  let i = 0;
  while (i < fmt.length) {
    const c = fmt[i];
    if (c === '\\') {
      // one escape at a time
      let j = i + 1;
      if (/[0-7]/.test(fmt[j] ?? '')) { let k = 0; while (k < 3 && /[0-7]/.test(fmt[j] ?? '')) { j++; k++; } }
      else j++;
      lit += escapes(fmt.slice(i, j), false).text;
      i = j;
      continue;
    }
    if (c !== '%') { lit += c; i++; continue; }
    const m = /^%([-+ #0]*)(\*|\d+)?(?:\.(\*|\d*))?([diouxXcsbeEfgG%])/.exec(fmt.slice(i));
    if (!m) {
      if (lit) pieces.push({ k: 'lit', s: lit });
      pieces.push({ k: 'bad', c: fmt[i + 1] ?? '' });
      lit = '';
      break;
    }
    i += m[0].length;
    if (m[4] === '%') { lit += '%'; continue; }
    if (lit) { pieces.push({ k: 'lit', s: lit }); lit = ''; }
    pieces.push({ k: 'dir', flags: m[1], w: m[2], p: m[3], conv: m[4] });
  }
  if (lit) pieces.push({ k: 'lit', s: lit });
  if (compiled.size > 2000) compiled.clear();
  compiled.set(fmt, pieces);
  return pieces;
}

/** printf FORMAT [ARG…]: the format is reused while arguments remain. */
export function printf(fmt: string, args: readonly string[]): PrintfResult {
  const errors: string[] = [];
  let out = '';
  let ai = 0;
  const next = () => (ai < args.length ? args[ai++] : undefined);
  const pieces = compileFormat(fmt);
  for (;;) {
    const startAi = ai;
    for (const piece of pieces) {
      if (piece.k === 'lit') { out += piece.s; continue; }
      if (piece.k === 'bad') {
        errors.push(`%${piece.c}: invalid directive`);
        return { out, errors, status: 1 };
      }
      const { flags, w, p, conv } = piece;
      const width = w === '*' ? toNum(next() ?? '', errors) : w ? Number(w) : null;
      const prec = p === '*' ? toNum(next() ?? '', errors) : p !== undefined ? Number(p || 0) : null;
      const arg = next();
      switch (conv) {
        case 's': { let s = arg ?? ''; if (prec !== null) s = s.slice(0, prec); out += pad(s, flags, width, false); break; }
        case 'b': {
          const e = escapes(arg ?? '', true);
          let s = e.text;
          if (prec !== null) s = s.slice(0, prec);
          out += pad(s, flags, width, false);
          if (e.stop) return { out, errors, status: errors.length ? 1 : 0 };
          break;
        }
        case 'c': out += pad((arg ?? '').slice(0, 1), flags, width, false); break;
        case 'd': case 'i': {
          const n = Math.trunc(toNum(arg ?? '', errors));
          let s = String(Math.abs(n));
          if (prec !== null) s = s.padStart(prec, '0');
          s = (n < 0 ? '-' : flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '') + s;
          out += pad(s, flags, width, prec === null);
          break;
        }
        case 'o': case 'u': case 'x': case 'X': {
          let n = Math.trunc(toNum(arg ?? '', errors));
          if (n < 0) n = Number(BigInt.asUintN(64, BigInt(n)));
          let s = conv === 'o' ? n.toString(8) : conv === 'u' ? String(n) : n.toString(16);
          if (conv === 'X') s = s.toUpperCase();
          if (prec !== null) s = s.padStart(prec, '0');
          if (flags.includes('#') && n !== 0) s = (conv === 'o' ? '0' : conv === 'x' ? '0x' : conv === 'X' ? '0X' : '') + s;
          out += pad(s, flags, width, prec === null);
          break;
        }
        default: {
          const n = Number(arg ?? 0) || 0;
          const pr = prec ?? 6;
          let s = conv === 'f' ? n.toFixed(pr) : conv === 'e' || conv === 'E' ? n.toExponential(pr).replace(/e([+-])(\d)$/, 'e$10$2') : String(Number(n.toPrecision(pr || 1)));
          if (conv === 'E' || conv === 'G') s = s.toUpperCase();
          out += pad(s, flags, width, true);
        }
      }
    }
    if (ai >= args.length || ai === startAi) break;
  }
  return { out, errors, status: errors.length ? 1 : 0 };
}
