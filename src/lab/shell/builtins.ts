// dash's builtins. Special builtins (XCU 2.14) keep assignments and end the shell on error.
import { FsError, normalize } from '../fs.js';
import { escapes, printf } from './format.js';
import { ExitSignal, FatalShellError, LoopSignal, ReturnSignal, type Shell } from './interp.js';
import { parseCached } from './interp.js';
import { readLine } from './process.js';
import { testExpr } from './test-expr.js';

export type Builtin = (sh: Shell, argv: string[]) => number;

export const SPECIAL_BUILTINS = new Set([':', '.', 'break', 'continue', 'eval', 'exec', 'exit', 'export', 'readonly', 'return', 'set', 'shift', 'trap', 'unset']);

function err(sh: Shell, name: string, msg: string): void {
  sh.errorLine(`${name}: ${msg}`);
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A word in single quotes, as `set` prints values (and as scripts nest them). */
export function singleQuote(v: string): string {
  return "'" + v.replace(/'/g, "'\\''") + "'";
}

export const BUILTINS: Record<string, Builtin> = {
  ':': () => 0,
  true: () => 0,
  false: () => 1,

  echo(sh, argv) {
    let args = argv.slice(1);
    let nl = true;
    if (args[0] === '-n') { nl = false; args = args.slice(1); }
    const e = escapes(args.join(' '), true);
    sh.out(e.text + (nl && !e.stop ? '\n' : ''));
    return 0;
  },

  printf(sh, argv) {
    if (argv.length < 2) { err(sh, 'printf', 'usage: printf format [arg ...]'); return 2; }
    const r = printf(argv[1], argv.slice(2));
    sh.out(r.out);
    for (const e of r.errors) err(sh, 'printf', e);
    return r.status;
  },

  test(sh, argv) {
    return runTest(sh, 'test', argv.slice(1));
  },
  '['(sh, argv) {
    if (argv[argv.length - 1] !== ']') { err(sh, '[', 'missing ]'); return 2; }
    return runTest(sh, '[', argv.slice(1, -1));
  },

  cd(sh, argv) {
    const target = argv[1] === undefined ? sh.vars.get('HOME') ?? '/' : argv[1] === '-' ? sh.vars.get('OLDPWD') ?? sh.cwd : argv[1];
    const path = normalize(target, sh.cwd);
    let n;
    try {
      n = sh.m.fs.stat(path, sh.cred);
    } catch {
      n = undefined;
    }
    if (!n || n.k !== 'd') { err(sh, 'cd', `can't cd to ${target}`); return 2; }
    sh.wvars('OLDPWD').set('OLDPWD', sh.cwd);
    sh.setVar('PWD', path);
    if (argv[1] === '-') sh.out(path + '\n');
    return 0;
  },

  pwd(sh) {
    sh.out(sh.cwd + '\n');
    return 0;
  },

  export(sh, argv) {
    const args = argv.slice(1).filter((a) => a !== '-p');
    if (args.length === 0) {
      for (const k of [...sh.exported].sort()) { const v = sh.vars.get(k); sh.out(`export ${k}${v === undefined ? '' : '=' + singleQuote(v)}\n`); }
      return 0;
    }
    for (const a of args) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a : a.slice(0, eq);
      if (!NAME.test(name)) { err(sh, 'export', `${name}: bad variable name`); throw new FatalShellError(2); }
      if (eq >= 0) sh.setVar(name, a.slice(eq + 1));
      sh.wexported().add(name);
    }
    return 0;
  },

  readonly(sh, argv) {
    for (const a of argv.slice(1).filter((x) => x !== '-p')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a : a.slice(0, eq);
      if (eq >= 0) sh.setVar(name, a.slice(eq + 1));
      sh.wreadonly().add(name);
    }
    return 0;
  },

  unset(sh, argv) {
    let fn = false;
    for (const a of argv.slice(1)) {
      if (a === '-f') { fn = true; continue; }
      if (a === '-v') { fn = false; continue; }
      if (fn) { sh.wfuncs().delete(a); continue; }
      if (sh.readonlyVars.has(a)) { err(sh, 'unset', `${a}: is read only`); throw new FatalShellError(2); }
      sh.wvars(a).delete(a);
      sh.wexported().delete(a);
    }
    return 0;
  },

  set(sh, argv) {
    const args = argv.slice(1);
    if (args.length === 0) {
      for (const k of [...sh.vars.keys()].sort()) sh.out(`${k}=${singleQuote(sh.vars.get(k) ?? '')}\n`);
      return 0;
    }
    let i = 0;
    for (; i < args.length; i++) {
      const a = args[i];
      if (a === '--') { i++; sh.positional = args.slice(i); return 0; }
      if (/^[-+][a-zA-Z]+$/.test(a)) {
        sh.opts = { ...sh.opts }; // shared with the parent shell until here
        for (const f of a.slice(1)) {
          if (f === 'o') continue;
          if (f in sh.opts) (sh.opts as Record<string, boolean>)[f] = a[0] === '-';
          else if (!'vCnmbha'.includes(f)) { err(sh, 'set', `Illegal option ${a[0]}${f}`); throw new FatalShellError(2); }
        }
        continue;
      }
      if (a === '-' ) { i++; break; }
      break;
    }
    if (i < args.length) sh.positional = args.slice(i);
    return 0;
  },

  shift(sh, argv) {
    const n = argv[1] === undefined ? 1 : Number(argv[1]);
    if (!Number.isInteger(n) || n < 0) { err(sh, 'shift', `Illegal number: ${argv[1]}`); throw new FatalShellError(2); }
    if (n > sh.positional.length) { err(sh, 'shift', "can't shift that many"); throw new FatalShellError(2); }
    sh.positional = sh.positional.slice(n);
    return 0;
  },

  exit(sh, argv) {
    const code = argv[1] === undefined ? sh.status : Number(argv[1]);
    if (!Number.isInteger(code) || !/^\d+$/.test(argv[1] ?? '0')) { err(sh, 'exit', `Illegal number: ${argv[1]}`); throw new ExitSignal(2); }
    throw new ExitSignal(code & 0xff);
  },

  return(sh, argv) {
    const code = argv[1] === undefined ? sh.status : Number(argv[1]);
    throw new ReturnSignal(Number.isInteger(code) ? code & 0xff : 2);
  },

  break(sh, argv) {
    throw new LoopSignal('break', Math.max(1, Number(argv[1] ?? 1) || 1));
  },
  continue(sh, argv) {
    throw new LoopSignal('continue', Math.max(1, Number(argv[1] ?? 1) || 1));
  },

  read(sh, argv) {
    let raw = false;
    const names: string[] = [];
    for (let i = 1; i < argv.length; i++) {
      const a = argv[i];
      if (a === '-r') raw = true;
      else if (a === '-p') i++;
      else names.push(a);
    }
    if (names.length === 0) { err(sh, 'read', 'arg count'); return 2; }
    let text = '';
    let eof = false;
    for (;;) {
      const l = readLine(sh.fds, 0);
      if (!l) { eof = true; break; }
      if (l.partial) eof = true;
      if (!raw && l.line.endsWith('\\') && !l.partial) { text += l.line.slice(0, -1); continue; }
      text += l.line;
      break;
    }
    if (!raw) text = text.replace(/\\(.)/g, '$1');
    const ifs = sh.vars.get('IFS') ?? ' \t\n';
    const ws = [...ifs].filter((c) => ' \t\n'.includes(c));
    const isWs = (c: string) => ws.includes(c);
    // strip leading/trailing IFS white space
    let s = text;
    while (s && isWs(s[0])) s = s.slice(1);
    for (let n = 0; n < names.length; n++) {
      if (n === names.length - 1) {
        let t = s;
        while (t && isWs(t[t.length - 1])) t = t.slice(0, -1);
        sh.setVar(names[n], t);
        break;
      }
      let j = 0;
      while (j < s.length && !ifs.includes(s[j])) j++;
      sh.setVar(names[n], s.slice(0, j));
      s = s.slice(j);
      // consume one delimiter (white space around it)
      while (s && isWs(s[0])) s = s.slice(1);
      if (s && ifs.includes(s[0]) && !isWs(s[0])) { s = s.slice(1); while (s && isWs(s[0])) s = s.slice(1); }
    }
    return eof && text === '' ? 1 : eof ? 1 : 0;
  },

  local(sh, argv) {
    for (const a of argv.slice(1)) {
      const eq = a.indexOf('=');
      if (eq >= 0) sh.setVar(a.slice(0, eq), a.slice(eq + 1));
    }
    return 0;
  },

  command(sh, argv) {
    let i = 1;
    let mode: '' | 'v' | 'V' = '';
    for (; i < argv.length && argv[i].startsWith('-'); i++) {
      if (argv[i] === '--') { i++; break; }
      if (argv[i] === '-v') mode = 'v';
      else if (argv[i] === '-V') mode = 'V';
      else if (argv[i] === '-p') continue;
      else { err(sh, 'command', `Illegal option ${argv[i]}`); return 2; }
    }
    const rest = argv.slice(i);
    if (rest.length === 0) return 0;
    if (mode) {
      let st = 0;
      for (const name of rest) {
        const d = describe(sh, name);
        if (!d) { if (mode === 'V') err(sh, 'command', `${name}: not found`); st = 127; continue; }
        sh.out(mode === 'v' ? `${d.short}\n` : `${d.long}\n`);
      }
      return st;
    }
    const b = BUILTINS[rest[0]];
    if (b) return b(sh, rest);
    return sh.exec(rest, sh.environ());
  },

  type(sh, argv) {
    let st = 0;
    for (const name of argv.slice(1)) {
      const d = describe(sh, name);
      if (!d) { sh.out(`${name}: not found\n`); st = 127; continue; }
      sh.out(`${d.long}\n`);
    }
    return st;
  },

  eval(sh, argv) {
    const src = argv.slice(1).join(' ');
    if (!src.trim()) return 0;
    return sh.runList(parseCached(src));
  },

  '.'(sh, argv) {
    const f = argv[1];
    if (!f) return 0;
    const path = f.includes('/') ? f : (sh.vars.get('PATH') ?? '').split(':').map((d) => `${d}/${f}`).find((p) => sh.m.fs.stat(p, sh.cred)) ?? f;
    let src: string;
    try {
      src = sh.m.fs.readFile(path, sh.cred, sh.cwd);
    } catch (e) {
      err(sh, '.', `cannot open ${f}: ${e instanceof FsError ? e.text : 'error'}`);
      throw new FatalShellError(2);
    }
    return sh.runList(parseCached(src));
  },

  exec(sh, argv) {
    if (argv.length === 1) return 0;
    throw new ExitSignal(sh.exec(argv.slice(1), sh.environ()));
  },

  trap: () => 0,
  wait: () => 0,
  umask(sh, argv) {
    if (argv.length === 1) sh.out('0022\n');
    return 0;
  },
  hash: () => 0,
};

function runTest(sh: Shell, name: string, args: string[]): number {
  const r = testExpr(args, sh.m.fs, sh.cred, sh.cwd);
  if (r.error) err(sh, name, r.error);
  return r.status;
}

const KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'fi', 'case', 'esac', 'for', 'while', 'until', 'do', 'done', '{', '}', '!', 'in']);

function describe(sh: Shell, name: string): { short: string; long: string } | null {
  if (KEYWORDS.has(name)) return { short: name, long: `${name} is a shell keyword` };
  if (sh.funcs.has(name)) return { short: name, long: `${name} is a shell function` };
  if (SPECIAL_BUILTINS.has(name)) return { short: name, long: `${name} is a special shell builtin` };
  if (BUILTINS[name] || name === 'kill') return { short: name, long: `${name} is a shell builtin` };
  const r = sh.findCommand(name, sh.vars.get('PATH') ?? '');
  if (r.kind === 'found') return { short: r.path, long: `${name} is ${r.path}` };
  return null;
}
