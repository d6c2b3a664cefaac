// Shell patterns (XCU 2.13: *, ?, [...]) and POSIX regular expressions (BRE/ERE), both
// translated to JavaScript RegExp sources. Strings are byte strings (latin1).

const CLASSES: Record<string, string> = {
  alpha: 'A-Za-z', digit: '0-9', alnum: '0-9A-Za-z', upper: 'A-Z', lower: 'a-z',
  space: ' \\t\\n\\r\\f\\v', blank: ' \\t', punct: '!-\\/:-@\\[-`{-~', print: ' -~',
  graph: '!-~', cntrl: '\\x00-\\x1f\\x7f', xdigit: '0-9A-Fa-f',
};

function escChar(c: string): string {
  return /[\\^$.*+?()[\]{}|\/-]/.test(c) ? '\\' + c : c;
}

/**
 * A bracket expression starting at s[i] === '['. Returns [js source, index after ']'] or null
 * when there is no closing bracket (the '[' is then literal).
 */
export function bracket(s: string, i: number, negChars = '^'): [string, number] | null {
  let j = i + 1;
  let neg = false;
  if (negChars.includes(s[j]) && j < s.length) { neg = true; j++; }
  let out = '';
  let first = true;
  while (j < s.length) {
    const c = s[j];
    if (c === ']' && !first) return [`[${neg ? '^' : ''}${out}]`, j + 1];
    first = false;
    if (c === '[' && s[j + 1] === ':') {
      const end = s.indexOf(':]', j + 2);
      if (end > 0) {
        const cls = CLASSES[s.slice(j + 2, end)];
        if (cls === undefined) return null;
        out += cls;
        j = end + 2;
        continue;
      }
    }
    if (c === '[' && (s[j + 1] === '.' || s[j + 1] === '=')) {
      const close = s[j + 1] + ']';
      const end = s.indexOf(close, j + 2);
      if (end > 0) { out += escChar(s.slice(j + 2, end)); j = end + 2; continue; }
    }
    if (s[j + 1] === '-' && s[j + 2] !== undefined && s[j + 2] !== ']') {
      out += `${escChar(c)}-${escChar(s[j + 2])}`;
      j += 3;
      continue;
    }
    out += escChar(c);
    j++;
  }
  return null;
}

/**
 * A shell pattern given as chunks of text with a quoted flag (quoted text matches literally).
 * `slash`: whether * and ? may match '/' (true for case and ${x%pat}, false for pathnames).
 */
export function globToRegex(chunks: readonly { s: string; q: boolean }[], slash = true): string {
  let out = '';
  const any = slash ? '[\\s\\S]' : '[^/]';
  for (const { s, q } of chunks) {
    if (q) { for (const c of s) out += escChar(c); continue; }
    for (let i = 0; i < s.length; i++) {
      const c = s[i];
      if (c === '*') out += any + '*';
      else if (c === '?') out += any;
      else if (c === '[') {
        const b = bracket(s, i, '!^');
        if (b) { out += b[0]; i = b[1] - 1; } else out += '\\[';
      } else if (c === '\\' && i + 1 < s.length) { out += escChar(s[++i]); }
      else out += escChar(c);
    }
  }
  return out;
}

/** Unquoted text that could be a pattern: `*`, `?`, or a `[` with a `]` after it (`[` alone is literal). */
export function globChars(s: string): boolean {
  if (s.includes('*') || s.includes('?')) return true;
  const b = s.indexOf('[');
  return b >= 0 && s.indexOf(']', b + 1) > b;
}

/** globChars over the unquoted chunks (quoted characters never count, whatever they are). */
export function hasGlob(chunks: readonly { s: string; q: boolean }[]): boolean {
  let open = false; // an unquoted '[' came before: any later unquoted ']' closes it
  for (const c of chunks) {
    if (c.q) continue;
    const s = c.s;
    if (s.includes('*') || s.includes('?')) return true;
    if (open) { if (s.includes(']')) return true; continue; }
    const b = s.indexOf('[');
    if (b >= 0) {
      if (s.indexOf(']', b + 1) > b) return true;
      open = true;
    }
  }
  return false;
}

const cache = new Map<string, Map<string, RegExp>>();
export function cached(src: string, flags = ''): RegExp {
  // One map per flags: the source (a stable string from a parsed program) is the key as it is;
  // a concatenated key was a new string to hash on every line an awk or sed pattern tested.
  let byFlags = cache.get(flags);
  if (!byFlags) cache.set(flags, (byFlags = new Map()));
  let r = byFlags.get(src);
  if (!r) {
    r = new RegExp(src, flags);
    if (byFlags.size > 5000) byFlags.clear();
    byFlags.set(src, r);
  }
  return r;
}

export class RegexError extends Error {}

const translatedERE = new Map<string, string | RegexError>();
const translatedBRE = new Map<string, string | RegexError>();

/** POSIX ERE (extended) or BRE (basic, with GNU \+ \? \|) to a JS RegExp source. */
export function posixRegex(re: string, extended: boolean): string {
  // the same few expressions are translated on every host: keep the translations
  const translated = extended ? translatedERE : translatedBRE;
  let r = translated.get(re);
  if (r === undefined) {
    try {
      r = translatePosix(re, extended);
    } catch (e) {
      if (!(e instanceof RegexError)) throw e;
      r = e;
    }
    if (translated.size > 5000) translated.clear();
    translated.set(re, r);
  }
  if (r instanceof RegexError) throw r;
  return r;
}

function translatePosix(re: string, extended: boolean): string {
  let out = '';
  let i = 0;
  let atStart = true;
  while (i < re.length) {
    const c = re[i];
    if (c === '[') {
      const b = bracket(re, i);
      if (!b) throw new RegexError('Unmatched [, [^, [:, [., or [=');
      out += b[0];
      i = b[1];
      atStart = false;
      continue;
    }
    if (c === '\\') {
      const d = re[i + 1];
      i += 2;
      if (d === undefined) throw new RegexError('Trailing backslash');
      if (!extended) {
        if (d === '(') { out += '('; atStart = true; continue; }
        if (d === ')') { out += ')'; continue; }
        if (d === '{') { out += '{'; continue; }
        if (d === '}') { out += '}'; continue; }
        if (d === '+' || d === '?' || d === '|') { out += d; atStart = d === '|'; continue; }
      }
      if (/[1-9]/.test(d)) { out += '\\' + d; continue; }
      if (d === 'n') { out += '\\n'; continue; }
      if (d === 't') { out += '\\t'; continue; }
      if (d === 'w' || d === 'W' || d === 's' || d === 'S' || d === 'b' || d === 'B') { out += '\\' + d; continue; }
      if (d === '<' || d === '>') { out += '\\b'; continue; }
      out += escChar(d);
      atStart = false;
      continue;
    }
    if (!extended) {
      if (c === '*' && atStart) { out += '\\*'; i++; atStart = false; continue; }
      if ('+?(){}|'.includes(c)) { out += '\\' + c; i++; atStart = false; continue; }
      if (c === '^' && !atStart) { out += '\\^'; i++; continue; }
      if (c === '$' && i !== re.length - 1 && re.slice(i + 1, i + 3) !== '\\)') { out += '\\$'; i++; continue; }
    } else {
      if (c === '{' && !/^\{\d*(,\d*)?\}/.test(re.slice(i))) { out += '\\{'; i++; continue; }
      if (c === '*' && atStart) { out += '\\*'; i++; atStart = false; continue; }
      if (c === '(' || c === '|') { out += c; i++; atStart = true; continue; }
    }
    if (c === '/') { out += '\\/'; i++; atStart = false; continue; }
    out += c;
    atStart = c === '^';
    i++;
  }
  try {
    new RegExp(out);
  } catch (e) {
    throw new RegexError((e as Error).message);
  }
  return out;
}
