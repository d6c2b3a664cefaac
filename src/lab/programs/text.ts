// Text and byte filters: cat, head, tail, grep, sed, tr, cut, sort, uniq, wc, tee, base64,
// sha256sum, md5sum, od, dd, gzip/zcat. Data are byte strings.
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { knownGunzip } from '../gz-memo.js';
import { FsError, type Node } from '../fs.js';
import { bracket, cached, posixRegex, RegexError } from '../shell/pattern.js';
import { Io, type Proc, type Program } from '../shell/process.js';

function splitOpts(argv: string[], withArg: string): { flags: Map<string, string>; ops: string[]; multi: Map<string, string[]> } {
  const flags = new Map<string, string>();
  const multi = new Map<string, string[]>();
  const ops: string[] = [];
  let i = 1;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') { i++; break; }
    if (a === '-' || !a.startsWith('-')) { ops.push(a); continue; }
    if (a.startsWith('--')) {
      const [k, v] = a.slice(2).split('=');
      flags.set('--' + k, v ?? '');
      continue;
    }
    for (let j = 1; j < a.length; j++) {
      const c = a[j];
      if (withArg.includes(c)) {
        const v = a.slice(j + 1) || argv[++i] || '';
        flags.set(c, v);
        multi.set(c, [...(multi.get(c) ?? []), v]);
        break;
      }
      flags.set(c, '');
    }
  }
  ops.push(...argv.slice(i));
  return { flags, ops, multi };
}

function lines(s: string): string[] {
  if (s === '') return [];
  const l = s.split('\n');
  if (l[l.length - 1] === '') l.pop();
  return l;
}

function inputs(io: Io, ops: string[]): { name: string; data: string }[] | null {
  const out: { name: string; data: string }[] = [];
  let failed = false;
  for (const f of ops.length ? ops : ['-']) {
    const d = io.read(f);
    if (d === null) { failed = true; continue; }
    out.push({ name: f === '-' ? '(standard input)' : f, data: d });
  }
  return failed && out.length === 0 ? null : out;
}

export const cat: Program = (p) => {
  const io = new Io(p, 'cat');
  const o = splitOpts(p.argv, '');
  let rc = 0;
  for (const f of o.ops.length ? o.ops : ['-']) {
    if (f !== '-') {
      let n: Node | undefined;
      try { n = p.m.fs.stat(f, p.cred, p.cwd); } catch (e) { io.err(`cat: ${f}: ${(e as FsError).text}\n`); rc = 1; continue; }
      if (n?.k === 'd') { io.err(`cat: ${f}: Is a directory\n`); rc = 1; continue; }
    }
    const d = io.read(f);
    if (d === null) { rc = 1; continue; }
    io.out(d);
  }
  return rc;
};

function countArg(v: string | undefined, def: number): number {
  if (v === undefined) return def;
  return Number(v.replace(/^\+/, ''));
}

export const head: Program = (p) => {
  const io = new Io(p, 'head');
  const argv = p.argv.map((a, i) => (i > 0 && /^-\d+$/.test(a) ? `-n${a.slice(1)}` : a));
  const o = splitOpts(argv, 'nc');
  const ins = inputs(io, o.ops);
  if (!ins) return 1;
  for (const { data } of ins) {
    if (o.flags.has('c')) { io.out(data.slice(0, countArg(o.flags.get('c'), 0))); continue; }
    const n = countArg(o.flags.get('n'), 10);
    let pos = 0;
    for (let k = 0; k < n && pos < data.length; k++) {
      const nl = data.indexOf('\n', pos);
      pos = nl < 0 ? data.length : nl + 1;
    }
    io.out(data.slice(0, pos));
  }
  return 0;
};

export const tail: Program = (p) => {
  const io = new Io(p, 'tail');
  const argv = p.argv.map((a, i) => (i > 0 && /^-\d+$/.test(a) ? `-n${a.slice(1)}` : a));
  const o = splitOpts(argv, 'nc');
  const ins = inputs(io, o.ops);
  if (!ins) return 1;
  for (const { data } of ins) {
    if (o.flags.has('c')) { const n = countArg(o.flags.get('c'), 0); io.out(n ? data.slice(-n) : ''); continue; }
    const spec = o.flags.get('n') ?? '10';
    const ls = data.split('\n');
    const trailing = ls[ls.length - 1] === '';
    if (trailing) ls.pop();
    const n = Number(spec.replace(/^\+/, ''));
    const sel = spec.startsWith('+') ? ls.slice(Math.max(0, n - 1)) : n === 0 ? [] : ls.slice(-n);
    if (sel.length) io.out(sel.join('\n') + (trailing || sel.length < ls.length || !spec.startsWith('+') ? (trailing ? '\n' : '') : ''));
  }
  return 0;
};

export const grep: Program = (p) => {
  const io = new Io(p, 'grep');
  const o = splitOpts(p.argv, 'efmABC');
  const pats: string[] = o.multi.get('e') ?? [];
  const ops = [...o.ops];
  if (!pats.length && !o.flags.has('f')) {
    const first = ops.shift();
    if (first === undefined) { io.err('Usage: grep [OPTION]... PATTERNS [FILE]...\n'); return 2; }
    pats.push(first);
  }
  const allPats = pats.flatMap((x) => x.split('\n'));
  const ext = o.flags.has('E') || p.argv[0].endsWith('egrep');
  const fixed = o.flags.has('F');
  const ic = o.flags.has('i');
  const invert = o.flags.has('v');
  let srcs: string[];
  try {
    srcs = allPats.map((x) => (fixed ? x.replace(/[\\^$.*+?()[\]{}|\/]/g, '\\$&') : posixRegex(x, ext)));
  } catch (e) {
    io.err(`grep: ${(e as RegexError).message}\n`);
    return 2;
  }
  const word = o.flags.has('w');
  const whole = o.flags.has('x');
  const src = srcs.map((s) => (whole ? `^(?:${s})$` : word ? `(?<![A-Za-z0-9_])(?:${s})(?![A-Za-z0-9_])` : `(?:${s})`)).join('|');
  const re = cached(src, ic ? 'i' : '');
  const reG = cached(src, ic ? 'gi' : 'g');
  const names = ops.length > 1 ? !o.flags.has('h') : o.flags.has('H');
  const quiet = o.flags.has('q');
  const silent = o.flags.has('s');
  const count = o.flags.has('c');
  const num = o.flags.has('n');
  const only = o.flags.has('o');
  const listFiles = o.flags.has('l');
  const max = o.flags.has('m') ? Number(o.flags.get('m')) : Infinity;
  let any = false;
  let err = false;
  for (const f of ops.length ? ops : ['-']) {
    let data: string;
    if (f === '-') data = io.stdin();
    else {
      try {
        const n = p.m.fs.stat(f, p.cred, p.cwd);
        if (n?.k === 'd') { if (!silent) io.err(`grep: ${f}: Is a directory\n`); err = true; continue; }
        data = p.m.fs.readFile(f, p.cred, p.cwd);
      } catch (e) {
        if (!silent) io.err(`grep: ${f}: ${(e as FsError).text ?? (e as Error).message}\n`);
        err = true;
        continue;
      }
    }
    const label = f === '-' ? '(standard input)' : f;
    let c = 0;
    const ls = lines(data);
    for (let i = 0; i < ls.length && c < max; i++) {
      const l = ls[i];
      const hit = re.test(l) !== invert;
      if (!hit) continue;
      c++;
      any = true;
      if (quiet) return 0;
      if (count || listFiles) continue;
      const prefix = (names ? `${label}:` : '') + (num ? `${i + 1}:` : '');
      if (only && !invert) {
        for (const m of l.matchAll(reG)) if (m[0]) io.out(prefix + m[0] + '\n');
      } else io.out(prefix + l + '\n');
    }
    if (count) io.out((names ? `${label}:` : '') + c + '\n');
    if (listFiles && c) io.out(label + '\n');
  }
  if (err && !(quiet && any)) return 2;
  return any ? 0 : 1;
};

// ---- sed ------------------------------------------------------------------------------------

type Addr = { k: 'line'; n: number } | { k: 'last' } | { k: 're'; re: RegExp };
interface SedCmd {
  a1?: Addr;
  a2?: Addr;
  neg: boolean;
  c: string;
  re?: RegExp;
  /** The same expression without the g flag: the first match only (the common `s/x/y/`). */
  re1?: RegExp;
  repl?: string;
  global?: boolean;
  nth?: number;
  print?: boolean;
  text?: string;
  block?: SedCmd[];
  /** `s` only: the expression as written. */
  src?: string;
}

class SedError extends Error {}

const parsedScripts = new Map<string, SedCmd[] | Error>();

/** Parsed once per script text (range state lives outside the commands, in each run). */
function parseSedCached(script: string, ext: boolean): SedCmd[] {
  const key = (ext ? 'E' : 'B') + script;
  let r = parsedScripts.get(key);
  if (!r) {
    try {
      r = parseSed(script, ext);
    } catch (e) {
      r = e as Error;
    }
    if (parsedScripts.size > 2000) parsedScripts.clear();
    parsedScripts.set(key, r);
  }
  if (r instanceof Error) throw r;
  return r;
}

function parseSed(script: string, ext: boolean): SedCmd[] {
  let i = 0;
  const s = script;
  const ws = () => { while (i < s.length && /[ \t]/.test(s[i])) i++; };
  const readDelimited = (d: string): string => {
    let out = '';
    while (i < s.length && s[i] !== d) {
      if (s[i] === '\\' && i + 1 < s.length) {
        if (s[i + 1] === d) { out += d === '/' ? '\\/' : d; i += 2; continue; }
        if (s[i + 1] === 'n') { out += '\\n'; i += 2; continue; }
        out += s[i] + s[i + 1];
        i += 2;
        continue;
      }
      if (s[i] === '[') {
        const b = bracket(s, i);
        if (b) { out += s.slice(i, b[1]); i = b[1]; continue; }
      }
      out += s[i++];
    }
    if (i >= s.length) throw new SedError(`-e expression #1, char ${i}: unterminated \`s' command`);
    i++;
    return out;
  };
  const regex = (src: string, flags = ''): RegExp => cached(posixRegex(src, ext), flags);
  const addr = (): Addr | undefined => {
    if (/\d/.test(s[i] ?? '')) { const m = /^\d+/.exec(s.slice(i))!; i += m[0].length; return { k: 'line', n: Number(m[0]) }; }
    if (s[i] === '$') { i++; return { k: 'last' }; }
    if (s[i] === '/' || s[i] === '\\') {
      const d = s[i] === '\\' ? s[++i] : '/';
      i++;
      return { k: 're', re: regex(readDelimited(d)) };
    }
    return undefined;
  };
  const list = (inBlock: boolean): SedCmd[] => {
    const cmds: SedCmd[] = [];
    for (;;) {
      while (i < s.length && /[ \t\n;]/.test(s[i])) i++;
      if (i >= s.length) { if (inBlock) throw new SedError('-e expression #1: unmatched `{\''); return cmds; }
      if (s[i] === '}') { if (!inBlock) throw new SedError(`-e expression #1, char ${i + 1}: unexpected \`}'`); i++; return cmds; }
      const cmd: SedCmd = { neg: false, c: '' };
      cmd.a1 = addr();
      if (cmd.a1 && s[i] === ',') { i++; cmd.a2 = addr(); if (!cmd.a2) throw new SedError(`-e expression #1, char ${i}: unexpected \`,'`); }
      ws();
      if (s[i] === '!') { cmd.neg = true; i++; ws(); }
      const c = s[i++];
      cmd.c = c;
      switch (c) {
        case 's': {
          const d = s[i++];
          const re = readDelimited(d);
          const repl = readDelimited(d);
          let flags = '';
          while (i < s.length && /[gpiI0-9]/.test(s[i])) flags += s[i++];
          cmd.re = regex(re, /[iI]/.test(flags) ? 'gi' : 'g');
          cmd.re1 = regex(re, /[iI]/.test(flags) ? 'i' : '');
          cmd.repl = repl;
          cmd.src = re;
          cmd.global = flags.includes('g');
          cmd.print = flags.includes('p');
          const n = /\d+/.exec(flags);
          cmd.nth = n ? Number(n[0]) : 1;
          break;
        }
        case 'p': case 'd': case 'q': case 'Q': case '=': case 'n': case 'N': case 'D': case 'P': case 'h': case 'H': case 'g': case 'G': case 'x':
          break;
        case 'a': case 'i': case 'c': {
          ws();
          if (s[i] === '\\') { i++; if (s[i] === '\n') i++; }
          const end = s.indexOf('\n', i);
          cmd.text = s.slice(i, end < 0 ? s.length : end).replace(/\\(.)/g, '$1');
          i = end < 0 ? s.length : end;
          break;
        }
        case '{':
          cmd.block = list(true);
          break;
        default:
          throw new SedError(`-e expression #1, char ${i}: unknown command: \`${c ?? ''}'`);
      }
      cmds.push(cmd);
    }
  };
  return list(false);
}

const prefixes = new WeakMap<SedCmd[], string | null>();

/** What a script that only puts a literal before every line (`s/^/v|/`, how probes tag their
 * output) puts there; null for any other script. Such a script needs no line split. */
function linePrefixOf(prog: SedCmd[]): string | null {
  let r = prefixes.get(prog);
  if (r === undefined) {
    const c = prog[0];
    r = prog.length === 1 && c.c === 's' && !c.a1 && !c.neg && !c.print && !c.global && c.nth === 1 &&
      c.src === '^' && !c.repl!.includes('\\') && !c.repl!.includes('&') ? c.repl! : null;
    prefixes.set(prog, r);
  }
  return r;
}

/** `prefix` before every line of `data`, as sed prints it (no newline added to a last line without one). */
function prefixLines(data: string, prefix: string): string {
  if (data === '') return '';
  const nl = data.charCodeAt(data.length - 1) === 10;
  const body = nl ? data.slice(0, -1) : data;
  return prefix + body.replaceAll('\n', '\n' + prefix) + (nl ? '\n' : '');
}

function sedReplace(repl: string, m: RegExpExecArray | RegExpMatchArray): string {
  if (!repl.includes('\\') && !repl.includes('&')) return repl;
  let out = '';
  for (let i = 0; i < repl.length; i++) {
    const c = repl[i];
    if (c === '\\' && i + 1 < repl.length) {
      const d = repl[++i];
      if (/\d/.test(d)) out += m[Number(d)] ?? '';
      else if (d === 'n') out += '\n';
      else if (d === 't') out += '\t';
      else out += d;
    } else if (c === '&') out += m[0];
    else out += c;
  }
  return out;
}

export const sed: Program = (p) => {
  const io = new Io(p, 'sed');
  const o = splitOpts(p.argv, 'ef');
  const ext = o.flags.has('E') || o.flags.has('r');
  const quiet = o.flags.has('n');
  const ops = [...o.ops];
  const scripts = o.multi.get('e') ?? [];
  if (!scripts.length) {
    const s = ops.shift();
    if (s === undefined) { io.err('Usage: sed [OPTION]... {script-only-if-no-other-script} [input-file]...\n'); return 1; }
    scripts.push(s);
  }
  let prog: SedCmd[];
  try {
    prog = parseSedCached(scripts.join('\n'), ext);
  } catch (e) {
    io.err(`sed: ${(e as Error).message}\n`);
    return 1;
  }
  const inPlace = o.flags.has('i');
  const files = ops.length ? ops : ['-'];
  let rc = 0;
  const prefix = quiet ? null : linePrefixOf(prog);
  const run = (data: string): string => {
    if (prefix !== null) return prefixLines(data, prefix);
    const ls = data.split('\n');
    const trailingNl = ls[ls.length - 1] === '';
    if (trailingNl) ls.pop();
    let out = '';
    const ranges = new Map<SedCmd, boolean>();
    let quit = false;
    // The line being edited and its state: the helpers below are made once per input, not per
    // line (three closures per line were most of sed's garbage in the lab).
    let n = 0;
    let ps = '';
    let last = false;
    let deleted = false;
    const afterText: string[] = [];
    const matches = (a: Addr): boolean => (a.k === 'line' ? a.n === n + 1 : a.k === 'last' ? last : a.re.test(ps));
    const selected = (c: SedCmd): boolean => {
      let sel: boolean;
      if (!c.a1) sel = true;
      else if (!c.a2) sel = matches(c.a1);
      else if (ranges.get(c)) {
        sel = true;
        if (c.a2.k === 'line' ? n + 1 >= c.a2.n : matches(c.a2)) ranges.set(c, false);
      } else if (matches(c.a1)) {
        sel = true;
        ranges.set(c, !(c.a2.k === 'line' && c.a2.n <= n + 1));
      } else sel = false;
      return sel !== c.neg;
    };
    const exec = (cmds: SedCmd[]): void => {
      for (const c of cmds) {
        if (deleted || quit) return;
        if (!selected(c)) continue;
        switch (c.c) {
          case 's': {
            if (!c.global && c.nth === 1) {
              const m = c.re1!.exec(ps);
              if (m) {
                ps = ps.slice(0, m.index) + sedReplace(c.repl!, m) + ps.slice(m.index + m[0].length);
                if (c.print) out += ps + '\n';
              }
              break;
            }
            let k = 0;
            let changed = false;
            const res = ps.replace(c.re!, (...args) => {
              k++;
              if (c.global ? k < c.nth! : k !== c.nth) return args[0];
              changed = true;
              return sedReplace(c.repl!, args as unknown as RegExpMatchArray);
            });
            if (changed) {
              ps = res;
              if (c.print) out += ps + '\n';
            }
            break;
          }
          case 'p': out += ps + '\n'; break;
          case 'd': deleted = true; return;
          case 'q': quit = true; return;
          case 'Q': quit = true; deleted = true; return;
          case '=': out += `${n + 1}\n`; break;
          case 'i': out += c.text + '\n'; break;
          case 'a': afterText.push(c.text!); break;
          case 'c': out += c.text + '\n'; deleted = true; return;
          case '{': exec(c.block!); break;
        }
      }
    };
    for (n = 0; n < ls.length && !quit; n++) {
      ps = ls[n];
      last = n === ls.length - 1;
      deleted = false;
      afterText.length = 0;
      exec(prog);
      if (!deleted && !quiet) out += ps + (last && !trailingNl ? '' : '\n');
      for (const t of afterText) out += t + '\n';
    }
    return out;
  };
  for (const f of files) {
    const d = io.read(f);
    if (d === null) { rc = 2; continue; }
    const r = run(d);
    if (inPlace && f !== '-') {
      try { p.m.fs.writeFile(f, r, p.cred, { cwd: p.cwd }); } catch (e) { io.err(`sed: couldn't open temporary file ${f}: ${(e as FsError).text}\n`); rc = 4; }
    } else io.out(r);
  }
  return rc;
};

// ---- tr, cut, sort, uniq, wc, tee -----------------------------------------------------------

function trSet(spec: string): string {
  let out = '';
  for (let i = 0; i < spec.length; i++) {
    let c = spec[i];
    if (c === '[' && spec[i + 1] === ':') {
      const end = spec.indexOf(':]', i);
      const cls = spec.slice(i + 2, end);
      const ranges: Record<string, [number, number][]> = {
        print: [[32, 126]], alpha: [[65, 90], [97, 122]], digit: [[48, 57]], alnum: [[48, 57], [65, 90], [97, 122]],
        upper: [[65, 90]], lower: [[97, 122]], space: [[9, 13], [32, 32]], blank: [[9, 9], [32, 32]], cntrl: [[0, 31], [127, 127]],
        punct: [[33, 47], [58, 64], [91, 96], [123, 126]], graph: [[33, 126]], xdigit: [[48, 57], [65, 70], [97, 102]],
      };
      for (const [a, b] of ranges[cls] ?? []) for (let k = a; k <= b; k++) out += String.fromCharCode(k);
      i = end + 1;
      continue;
    }
    if (c === '\\' && i + 1 < spec.length) {
      const d = spec[++i];
      const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', f: '\f', v: '\v', a: '\x07', b: '\b' };
      if (/[0-7]/.test(d)) { let o = d; while (o.length < 3 && /[0-7]/.test(spec[i + 1] ?? '')) o += spec[++i]; c = String.fromCharCode(parseInt(o, 8)); }
      else c = map[d] ?? d;
    }
    if (spec[i + 1] === '-' && i + 2 < spec.length) {
      const e = spec[i + 2];
      for (let k = c.charCodeAt(0); k <= e.charCodeAt(0); k++) out += String.fromCharCode(k);
      i += 2;
      continue;
    }
    out += c;
  }
  return out;
}

export const tr: Program = (p) => {
  const io = new Io(p, 'tr');
  const o = splitOpts(p.argv, '');
  const comp = o.flags.has('c') || o.flags.has('C');
  const del = o.flags.has('d');
  const squeeze = o.flags.has('s');
  const [s1, s2] = o.ops;
  if (s1 === undefined) { io.err('tr: missing operand\n'); return 1; }
  let set1 = trSet(s1);
  if (comp) { let all = ''; for (let k = 0; k < 256; k++) { const ch = String.fromCharCode(k); if (!set1.includes(ch)) all += ch; } set1 = all; }
  const in1 = new Set(set1);
  const data = io.stdin();
  let out = '';
  if (del) {
    for (const c of data) if (!in1.has(c)) out += c;
    if (squeeze && s2) { const sq = new Set(trSet(s2)); let r = ''; for (const c of out) if (!(sq.has(c) && r.endsWith(c))) r += c; out = r; }
    io.out(out);
    return 0;
  }
  if (s2 === undefined) {
    if (!squeeze) { io.err('tr: missing operand after ' + `'${s1}'\n`); return 1; }
    for (const c of data) if (!(in1.has(c) && out.endsWith(c))) out += c;
    io.out(out);
    return 0;
  }
  let set2 = trSet(s2);
  if (set2.length < set1.length) set2 += (set2[set2.length - 1] ?? '').repeat(set1.length - set2.length);
  const map = new Map<string, string>();
  for (let k = 0; k < set1.length; k++) map.set(set1[k], comp ? set2[set2.length - 1] : set2[k]);
  const sq = new Set(set2);
  for (const c of data) {
    const r = map.get(c) ?? c;
    if (squeeze && sq.has(r) && out.endsWith(r) && map.has(c)) continue;
    out += r;
  }
  io.out(out);
  return 0;
};

function fieldList(spec: string): (n: number) => boolean {
  const parts = spec.split(',').map((x) => {
    const m = /^(\d*)(-?)(\d*)$/.exec(x);
    if (!m) return () => false;
    const a = m[1] ? Number(m[1]) : 1;
    const b = m[2] ? (m[3] ? Number(m[3]) : Infinity) : a;
    return (n: number) => n >= a && n <= b;
  });
  return (n) => parts.some((f) => f(n));
}

export const cut: Program = (p) => {
  const io = new Io(p, 'cut');
  const o = splitOpts(p.argv, 'dfcb');
  const ins = inputs(io, o.ops);
  if (!ins) return 1;
  const delim = o.flags.get('d') ?? '\t';
  for (const { data } of ins) {
    for (const l of lines(data)) {
      if (o.flags.has('f')) {
        const sel = fieldList(o.flags.get('f')!);
        if (!l.includes(delim)) { if (!o.flags.has('s')) io.out(l + '\n'); continue; }
        io.out(l.split(delim).filter((_, k) => sel(k + 1)).join(delim) + '\n');
      } else {
        const sel = fieldList(o.flags.get('c') ?? o.flags.get('b') ?? '');
        io.out([...l].filter((_, k) => sel(k + 1)).join('') + '\n');
      }
    }
  }
  return 0;
};

export const sort: Program = (p) => {
  const io = new Io(p, 'sort');
  const o = splitOpts(p.argv, 'tko');
  const ins = inputs(io, o.ops);
  if (!ins) return 2;
  let ls = ins.flatMap((x) => lines(x.data));
  const numeric = o.flags.has('n');
  const sep = o.flags.get('t');
  const key = o.flags.get('k');
  const keyOf = (l: string): string => {
    if (!key) return l;
    const k = Number(key.split(/[.,]/)[0]);
    const fields = sep !== undefined ? l.split(sep) : l.trim().split(/\s+/);
    return fields.slice(k - 1).join(sep ?? ' ');
  };
  const cmp = (a: string, b: string): number => {
    const ka = keyOf(a);
    const kb = keyOf(b);
    if (numeric) {
      const d = (parseFloat(ka) || 0) - (parseFloat(kb) || 0);
      if (d) return d;
    } else if (ka !== kb) return ka < kb ? -1 : 1;
    return a < b ? -1 : a > b ? 1 : 0;
  };
  ls.sort(cmp);
  if (o.flags.has('r')) ls.reverse();
  if (o.flags.has('u')) ls = ls.filter((l, k) => k === 0 || cmp(ls[k - 1], l) !== 0);
  io.out(ls.map((l) => l + '\n').join(''));
  return 0;
};

export const uniq: Program = (p) => {
  const io = new Io(p, 'uniq');
  const o = splitOpts(p.argv, '');
  const ins = inputs(io, o.ops.slice(0, 1));
  if (!ins) return 1;
  const ls = lines(ins[0].data);
  const groups: { l: string; n: number }[] = [];
  for (const l of ls) {
    const g = groups[groups.length - 1];
    if (g && g.l === l) g.n++;
    else groups.push({ l, n: 1 });
  }
  for (const g of groups) {
    if (o.flags.has('d') && g.n < 2) continue;
    if (o.flags.has('u') && g.n > 1) continue;
    io.out((o.flags.has('c') ? `${String(g.n).padStart(7)} ` : '') + g.l + '\n');
  }
  return 0;
};

export const wc: Program = (p) => {
  const io = new Io(p, 'wc');
  const o = splitOpts(p.argv, '');
  const ins = inputs(io, o.ops);
  if (!ins) return 1;
  const want = ['l', 'w', 'c'].filter((f) => o.flags.has(f) || (f === 'c' && o.flags.has('m')));
  const sel = want.length ? want : ['l', 'w', 'c'];
  for (const { name, data } of ins) {
    const counts: Record<string, number> = {
      l: (data.match(/\n/g) ?? []).length,
      w: data.split(/\s+/).filter(Boolean).length,
      c: data.length,
    };
    const vals = sel.map((k) => counts[k]);
    const single = sel.length === 1 && !o.ops.length;
    io.out(single ? `${vals[0]}\n` : vals.map((v) => String(v).padStart(o.ops.length ? 1 : 7)).join(' ') + (o.ops.length ? ` ${name}` : '') + '\n');
  }
  return 0;
};

export const tee: Program = (p) => {
  const io = new Io(p, 'tee');
  const o = splitOpts(p.argv, '');
  const data = io.stdin();
  let rc = 0;
  for (const f of o.ops) {
    try { p.m.fs.writeFile(f, data, p.cred, { append: o.flags.has('a'), cwd: p.cwd }); } catch (e) { io.err(`tee: ${f}: ${(e as FsError).text}\n`); rc = 1; }
  }
  io.out(data);
  return rc;
};

// ---- bytes ------------------------------------------------------------------------------------

export const base64: Program = (p) => {
  const io = new Io(p, 'base64');
  const o = splitOpts(p.argv, 'w');
  const ins = inputs(io, o.ops.slice(0, 1));
  if (!ins) return 1;
  const data = ins[0].data;
  if (o.flags.has('d') || o.flags.has('--decode')) {
    const clean = data.replace(/\n/g, '');
    const ignore = o.flags.has('i');
    const body = ignore ? clean.replace(/[^A-Za-z0-9+/=]/g, '') : clean;
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || (body.length % 4 === 1)) {
      const ok = body.replace(/[^A-Za-z0-9+/=].*$/s, '');
      io.out(Buffer.from(ok.slice(0, ok.length - (ok.length % 4)), 'base64').toString('latin1'));
      return io.fail('invalid input');
    }
    io.out(Buffer.from(body, 'base64').toString('latin1'));
    return 0;
  }
  const enc = Buffer.from(data, 'latin1').toString('base64');
  const w = o.flags.has('w') ? Number(o.flags.get('w')) : 76;
  if (!w) { io.out(enc + (enc ? '\n' : '')); return 0; }
  let out = '';
  for (let i = 0; i < enc.length; i += w) out += enc.slice(i, i + w) + '\n';
  io.out(out);
  return 0;
};

function hashProg(algo: 'sha256' | 'md5' | 'sha1'): Program {
  return (p) => {
    const io = new Io(p, `${algo}sum`);
    const o = splitOpts(p.argv, '');
    let rc = 0;
    for (const f of o.ops.length ? o.ops : ['-']) {
      const d = io.read(f);
      if (d === null) { rc = 1; continue; }
      io.out(`${createHash(algo).update(Buffer.from(d, 'latin1')).digest('hex')}  ${f}\n`);
    }
    return rc;
  };
}
export const sha256sum = hashProg('sha256');
export const md5sum = hashProg('md5');
export const sha1sum = hashProg('sha1');

const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export const od: Program = (p) => {
  const io = new Io(p, 'od');
  const o = splitOpts(p.argv, 'AtNjw');
  const ins = inputs(io, o.ops);
  if (!ins) return 1;
  let data = ins.map((x) => x.data).join('');
  if (o.flags.has('j')) data = data.slice(Number(o.flags.get('j')));
  if (o.flags.has('N')) data = data.slice(0, Number(o.flags.get('N')));
  const radix = o.flags.get('A') ?? 'o';
  const type = o.flags.get('t') ?? 'o2';
  const m = /^([xduoc])(\d*)$/.exec(type);
  if (!m) return io.fail(`invalid type string '${type}'`);
  const kind = m[1];
  const size = kind === 'c' ? 1 : Number(m[2] || 4);
  const width = o.flags.has('w') ? Number(o.flags.get('w') || 32) : 16;
  const buf = Buffer.from(data, 'latin1');
  const addr = (n: number) => (radix === 'n' ? '' : radix === 'x' ? n.toString(16).padStart(6, '0') : radix === 'd' ? String(n).padStart(7, '0') : n.toString(8).padStart(7, '0'));
  let out = '';
  let prev: string | null = null;
  let starred = false;
  const b = Buffer.alloc(size);
  // hex words on a grid of whole words (the keys probe reads 16 KB this way per host): every
  // word's text made at once, ' ' + its bytes last to first; a short last word is zero-padded
  const wordLen = 2 * size + 1;
  const hexGrid = kind === 'x' && (size === 1 || size === 2 || size === 4 || size === 8) && width % size === 0;
  let grid = '';
  if (hexGrid) {
    const nWords = Math.ceil(buf.length / size);
    const g = Buffer.alloc(nWords * wordLen, 0x30);
    for (let w = 0; w < nWords; w++) {
      let at = w * wordLen;
      g[at++] = 0x20;
      for (let k = size - 1; k >= 0; k--, at += 2) {
        const i = w * size + k;
        if (i < buf.length) { const h = HEX_BYTE[buf[i]]; g[at] = h.charCodeAt(0); g[at + 1] = h.charCodeAt(1); }
      }
    }
    grid = g.toString('latin1');
  }
  for (let off = 0; off < buf.length; off += width) {
    const chunk = buf.subarray(off, Math.min(off + width, buf.length));
    const words: string[] = [];
    if (hexGrid) words.push(grid.slice((off / size) * wordLen, Math.ceil((off + chunk.length) / size) * wordLen));
    else for (let i = 0; i < chunk.length; i += size) {
      b.fill(0);
      chunk.copy(b, 0, i, Math.min(i + size, chunk.length));
      const v = size === 8 ? b.readBigUInt64LE(0) : BigInt(size === 4 ? b.readUInt32LE(0) : size === 2 ? b.readUInt16LE(0) : b[0]);
      if (kind === 'x') words.push(' ' + v.toString(16).padStart(size * 2, '0'));
      else if (kind === 'o') words.push(' ' + v.toString(8).padStart(Math.ceil((size * 8) / 3), '0'));
      else if (kind === 'u' || kind === 'd') words.push(' ' + v.toString().padStart(String(2n ** BigInt(size * 8) - 1n).length, ' '));
      else words.push(' ' + (b[0] >= 32 && b[0] < 127 ? String.fromCharCode(b[0]) : '\\' + b[0].toString(8).padStart(3, '0')).padStart(3));
    }
    const line = words.join('');
    if (!o.flags.has('v') && line === prev && chunk.length === width) {
      if (!starred) { out += '*\n'; starred = true; }
      continue;
    }
    starred = false;
    prev = line;
    out += addr(off) + line + '\n';
  }
  if (radix !== 'n') out += addr(buf.length) + '\n';
  io.out(out);
  return 0;
};

function ddNumber(v: string): number {
  const m = /^(\d+)([cwbkKMG]?)$/.exec(v);
  if (!m) return NaN;
  const mult: Record<string, number> = { '': 1, c: 1, w: 2, b: 512, k: 1024, K: 1024, M: 1 << 20, G: 1 << 30 };
  return Number(m[1]) * mult[m[2]];
}

export const dd: Program = (p) => {
  const io = new Io(p, 'dd');
  const args = new Map<string, string>();
  for (const a of p.argv.slice(1)) {
    const eq = a.indexOf('=');
    if (eq < 0) return io.fail(`unrecognized operand '${a}'`);
    args.set(a.slice(0, eq), a.slice(eq + 1));
  }
  const bs = ddNumber(args.get('bs') ?? args.get('ibs') ?? '512');
  const skip = ddNumber(args.get('skip') ?? '0');
  const count = args.has('count') ? ddNumber(args.get('count')!) : Infinity;
  if ([bs, skip, count].some((x) => Number.isNaN(x))) return io.fail('invalid number');
  let data: string;
  const inf = args.get('if');
  if (inf) {
    let n: Node | undefined;
    try {
      n = p.m.fs.stat(inf, p.cred, p.cwd);
      if (!n) throw new FsError('ENOENT', inf);
      if (n.k !== 'f') throw new FsError('EISDIR', inf);
      if (n.rootOnly && p.cred.uid !== 0) throw new FsError('EACCES', inf);
    } catch (e) {
      return io.fail(`failed to open '${inf}': ${(e as FsError).text}`);
    }
    if (n.readAt) {
      const len = count === Infinity ? bs : bs * count;
      const r = n.readAt(skip * bs, len);
      if (r === null) {
        io.err(`dd: error reading '${inf}': Input/output error\n0+0 records in\n0+0 records out\n0 bytes copied, 0 s, 0 B/s\n`);
        return 1;
      }
      data = r;
    } else {
      try { data = p.m.fs.readFile(inf, p.cred, p.cwd); } catch (e) { return io.fail(`failed to open '${inf}': ${(e as FsError).text}`); }
      data = data.slice(skip * bs, count === Infinity ? undefined : skip * bs + bs * count);
    }
  } else {
    data = io.stdin();
    data = data.slice(skip * bs, count === Infinity ? undefined : skip * bs + bs * count);
  }
  const of = args.get('of');
  if (of) {
    try { p.m.fs.writeFile(of, data, p.cred, { cwd: p.cwd }); } catch (e) { return io.fail(`failed to open '${of}': ${(e as FsError).text}`); }
  } else io.out(data);
  const full = Math.floor(data.length / bs);
  const part = data.length % bs ? 1 : 0;
  io.err(`${full}+${part} records in\n${full}+${part} records out\n${data.length} bytes copied, 0.0001 s, 1 MB/s\n`);
  return 0;
};

export function gzipProgram(name: string): Program {
  return (p) => {
    const io = new Io(p, name);
    const o = splitOpts(p.argv, '');
    const decompress = name === 'zcat' || name === 'gunzip' || o.flags.has('d');
    const toStdout = name === 'zcat' || o.flags.has('c');
    let rc = 0;
    for (const f of o.ops.length ? o.ops : ['-']) {
      const d = io.read(f);
      if (d === null) { rc = 1; continue; }
      try {
        const r = decompress ? knownGunzip(d) ?? gunzipSync(Buffer.from(d, 'latin1')).toString('latin1') : gzipSync(Buffer.from(d, 'latin1')).toString('latin1');
        if (toStdout || f === '-') io.out(r);
        else {
          const target = decompress ? f.replace(/\.gz$/, '') : `${f}.gz`;
          p.m.fs.writeFile(target, r, p.cred, { cwd: p.cwd });
          p.m.fs.remove(f, p.cred, p.cwd);
        }
      } catch (e) {
        if (e instanceof FsError) { io.err(`${name}: ${f}: ${e.text}\n`); rc = 1; continue; }
        io.err(`${name}: ${f}: not in gzip format\n`);
        rc = 1;
      }
    }
    return rc;
  };
}

/** Used by other programs that read a path or stdin. */
export function readInput(p: Proc, name: string, f: string | undefined): string | null {
  return new Io(p, name).read(f ?? '-');
}
