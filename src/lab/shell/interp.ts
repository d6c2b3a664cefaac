// The shell: executes a parsed program like dash does (expansion order, field splitting,
// pathname expansion, redirections, special builtins, functions, subshells, exit statuses and
// error messages "sh: LINE: …").
import { canAccess, FsError, normalize, type Cred, type Node } from '../fs.js';
import type { AndOr, Command, List, Part, Pipeline, Redir, Word } from './ast.js';
import { BUILTINS, SPECIAL_BUILTINS } from './builtins.js';
import { arith } from './arith.js';
import { Parser, ShellSyntaxError } from './parser.js';
import { cached, globChars, globToRegex, hasGlob } from './pattern.js';
import { Abort, BadFd, inData, outBuf, bufText, writeFd, type Fd, type Machine, type Proc } from './process.js';

export class ExitSignal { constructor(readonly code: number) {} }
export class ReturnSignal { constructor(readonly code: number) {} }
export class LoopSignal { constructor(readonly kind: 'break' | 'continue', public n: number) {} }
/** A shell error that ends a non-interactive shell (dash: expansion errors, special builtin errors). */
export class FatalShellError { constructor(readonly code: number) {} }

type Seg = { s: string; q: boolean; split: boolean } | { brk: true };

// Two generations: scripts seen again move to the young one, so one-off texts (a batch with its
// nonce, a probe naming a pid) age out without evicting the probes every host runs.
let parseYoung = new Map<string, List | ShellSyntaxError>();
let parseOld = new Map<string, List | ShellSyntaxError>();
/**
 * A long text goes on probation first and into the cache only when it comes again while there:
 * a batch carrying its nonce comes once per host, and a thousand of them (tens of KB of text
 * each, plus their trees) were most of what a lab retained after a check. A fact's own script
 * comes again within the next batch, long before 64 other long texts.
 */
const LONG_TEXT = 2048;
let probation = new Map<string, List | ShellSyntaxError>();

/** Parsed programs are cached by text: the same probe runs on thousands of hosts. */
export function parseCached(src: string): List {
  let r = parseYoung.get(src);
  if (!r) {
    r = parseOld.get(src) ?? probation.get(src);
    if (!r) {
      try {
        r = new Parser(src).parseProgram();
      } catch (e) {
        if (!(e instanceof ShellSyntaxError)) throw e;
        r = e;
      }
      if (src.length > LONG_TEXT) {
        if (probation.size >= 64) probation = new Map();
        probation.set(src, r);
        if (r instanceof ShellSyntaxError) throw r;
        return r;
      }
    }
    if (parseYoung.size >= 500) { parseOld = parseYoung; parseYoung = new Map(); }
    parseYoung.set(src, r);
  }
  if (r instanceof ShellSyntaxError) throw r;
  return r;
}

export interface ShellOptions {
  m: Machine;
  cred: Cred;
  env: Map<string, string>;
  cwd: string;
  fds: Map<number, Fd>;
  argv0?: string;
  args?: string[];
  spawn: Proc['spawn'];
}

/** The text of a word with nothing to expand (literals without glob characters, quoted text). */
function plainText(w: Word): string | null {
  let r = w.plain;
  if (r === undefined) {
    let text = '';
    let live = ''; // what pathname expansion would see: unquoted text, quoted characters masked
    const walk = (ps: Part[], inDq: boolean): boolean => {
      for (const p of ps) {
        if (p.t === 'sq' || (p.t === 'lit' && inDq)) { text += p.v; live += '_'.repeat(p.v.length); }
        else if (p.t === 'lit') { text += p.v; live += p.v; }
        else if (p.t === 'dq') { if (!walk(p.parts, true)) return false; }
        else return false;
      }
      return true;
    };
    // "$@"-free double quotes always make one field, even when empty
    r = w.parts.length > 0 && walk(w.parts, false) && !globChars(live) ? text : null;
    w.plain = r;
  }
  return r;
}

/**
 * ${x#pat} and friends when pat is literal text with at most a `*` at the far end (`*) `,
 * `/proc/`, `"$nl"*`): string searches instead of trying every prefix against a regex.
 * null when the pattern is anything else.
 */
function trimLiteral(s: string, op: '#' | '##' | '%' | '%%', chunks: { s: string; q: boolean }[]): string | null {
  let text = '';
  let star: 'lead' | 'trail' | null = null;
  for (let i = 0; i < chunks.length; i++) {
    const c = chunks[i];
    if (c.q) { text += c.s; continue; }
    let t = c.s;
    if (i === 0 && t.startsWith('*') && (op === '#' || op === '##')) { star = 'lead'; t = t.slice(1); }
    if (i === chunks.length - 1 && t.endsWith('*') && !t.endsWith('\\*') && (op === '%' || op === '%%')) { star = 'trail'; t = t.slice(0, -1); }
    if (/[*?[\\]/.test(t)) return null;
    text += t;
  }
  if (op === '#' || op === '##') {
    if (!star) return s.startsWith(text) ? s.slice(text.length) : s;
    const at = op === '#' ? s.indexOf(text) : s.lastIndexOf(text);
    return at < 0 ? s : s.slice(at + text.length);
  }
  if (!star) return s.endsWith(text) ? s.slice(0, s.length - text.length) : s;
  const at = op === '%' ? s.lastIndexOf(text) : s.indexOf(text);
  return at < 0 ? s : s.slice(0, at);
}

/** The parameter name when the word is exactly "$name" or "${name}" (no operator), else null. */
function quotedParam(w: Word): string | null {
  const ps = w.parts;
  if (ps.length !== 1 || ps[0].t !== 'dq' || ps[0].parts.length !== 1) return null;
  const p = ps[0].parts[0];
  return p.t === 'param' && !p.op && !p.length ? p.name : null;
}

/** The parameter name when the word is exactly $name (unquoted: only for one-string contexts). */
function bareParam(w: Word): string | null {
  const ps = w.parts;
  if (ps.length !== 1) return null;
  const p = ps[0];
  return p.t === 'param' && !p.op && !p.length ? p.name : null;
}

const EMPTY_WORD: Word = { parts: [], plain: undefined };

const NO_ASSIGNS: readonly (readonly [string, string])[] = [];

const SHARED_VARS = 1, SHARED_EXPORTED = 2, SHARED_READONLY = 4, SHARED_FUNCS = 8;
const SHARED_ALL = 15;

/** A PATH entry not starting with '/' (empty ones included: they mean the cwd). */
const RELATIVE_PATH_ENTRY = /(?:^|:)(?!\/)/;

/** A searchable PATH directory; kids null: below a synthetic mount, walked name by name. */
type PathDir = { prefix: string; kids: Map<string, Node> | null };

export class Shell {
  m: Machine;
  cred: Cred;
  // vars, exported, readonlyVars and funcs are shared with the shell this one was forked from
  // until the first write (a subshell runs to completion before its parent goes on): writes go
  // through wvars() & co. Most $( … ) only read.
  vars: Map<string, string>;
  exported: Set<string>;
  readonlyVars: Set<string>;
  funcs: Map<string, Command>;
  private shared = 0;
  private envCache: Map<string, string> | null = null;
  positional: string[];
  argv0: string;
  cwd: string;
  fds: Map<number, Fd>;
  status = 0;
  line = 0;
  opts: { e: boolean; u: boolean; x: boolean; f: boolean };
  spawnProc: Proc['spawn'];
  pid: number;
  lastSubst: number | null = null;

  constructor(o: ShellOptions | { parent: Shell }) {
    if ('parent' in o) {
      const p = o.parent;
      this.m = p.m; this.cred = p.cred;
      this.vars = p.vars; this.exported = p.exported; this.readonlyVars = p.readonlyVars; this.funcs = p.funcs;
      this.shared = SHARED_ALL;
      this.envCache = p.envCache;
      this.positional = p.positional; this.argv0 = p.argv0; this.cwd = p.cwd;
      this.fds = copyFds(p.fds);
      this.status = p.status; this.line = p.line; this.opts = p.opts;
      this.spawnProc = p.spawnProc; this.pid = p.pid;
      return;
    }
    this.m = o.m;
    this.cred = o.cred;
    this.vars = new Map(o.env);
    this.exported = new Set(o.env.keys());
    this.readonlyVars = new Set();
    this.funcs = new Map();
    this.positional = o.args ?? [];
    this.argv0 = o.argv0 ?? 'sh';
    this.cwd = o.cwd;
    this.fds = copyFds(o.fds);
    this.opts = { e: false, u: false, x: false, f: false };
    this.spawnProc = o.spawn;
    this.pid = 1000 + Math.floor(o.m.now() % 30000);
    if (!this.vars.has('IFS')) this.vars.set('IFS', ' \t\n');
    this.vars.set('PWD', this.cwd);
  }

  /** A copy for a subshell: ( … ), $( … ), pipeline stages. */
  fork(): Shell {
    return new Shell({ parent: this });
  }

  /** Writable variables (copied on the first write after a fork); `name` is the one about to
   * change. The environment handed to commands is rebuilt only when an exported one does. */
  wvars(name: string): Map<string, string> {
    if (this.envCache !== null && this.exported.has(name)) this.envCache = null;
    if (this.shared & SHARED_VARS) { this.vars = new Map(this.vars); this.shared &= ~SHARED_VARS; }
    return this.vars;
  }

  wexported(): Set<string> {
    this.envCache = null;
    if (this.shared & SHARED_EXPORTED) { this.exported = new Set(this.exported); this.shared &= ~SHARED_EXPORTED; }
    return this.exported;
  }

  wreadonly(): Set<string> {
    if (this.shared & SHARED_READONLY) { this.readonlyVars = new Set(this.readonlyVars); this.shared &= ~SHARED_READONLY; }
    return this.readonlyVars;
  }

  wfuncs(): Map<string, Command> {
    if (this.shared & SHARED_FUNCS) { this.funcs = new Map(this.funcs); this.shared &= ~SHARED_FUNCS; }
    return this.funcs;
  }

  // ---- messages -----------------------------------------------------------------------------

  errorLine(msg: string): void {
    try {
      writeFd(this.m, this.cred, this.fds, 2, `${this.argv0}: ${this.line}: ${msg}\n`);
    } catch (e) {
      if (!(e instanceof BadFd)) throw e;
    }
  }

  out(s: string, fd = 1): void {
    writeFd(this.m, this.cred, this.fds, fd, s);
  }

  // ---- running ------------------------------------------------------------------------------

  /** Run a whole script; returns the exit status (syntax errors: 2, as dash). */
  runScript(src: string): number {
    let list: List;
    try {
      list = parseCached(src);
    } catch (e) {
      if (e instanceof ShellSyntaxError) {
        this.line = e.line;
        this.errorLine(`Syntax error: ${e.detail}`);
        return 2;
      }
      throw e;
    }
    return this.runTop(list);
  }

  runTop(list: List): number {
    try {
      return this.runList(list);
    } catch (e) {
      if (e instanceof ExitSignal) return e.code;
      if (e instanceof FatalShellError) return e.code;
      if (e instanceof ReturnSignal) return e.code;
      if (e instanceof LoopSignal) return this.status;
      throw e;
    }
  }

  runList(list: List): number {
    for (const ao of list) this.runAndOr(ao);
    return this.status;
  }

  private runAndOr(ao: AndOr): void {
    if (ao.background) {
      // No job control in the lab: run it to completion in a subshell, status 0 as `&` gives.
      const sub = this.fork();
      sub.runTop([{ ...ao, background: false }]);
      this.status = 0;
      return;
    }
    this.runPipeline(ao.first);
    for (const { op, p } of ao.rest) {
      if ((op === '&&') === (this.status === 0)) this.runPipeline(p);
    }
  }

  private runPipeline(p: Pipeline): void {
    if (p.cmds.length === 1) {
      this.runCommand(p.cmds[0]);
    } else {
      let input: Fd | undefined = this.fds.get(0);
      let st = 0;
      for (let i = 0; i < p.cmds.length; i++) {
        const last = i === p.cmds.length - 1;
        const sub = this.fork();
        const out = outBuf();
        if (input) sub.fds.set(0, input); else sub.fds.delete(0);
        if (!last) sub.fds.set(1, out);
        st = sub.runTop([{ first: { negate: false, cmds: [p.cmds[i]] }, rest: [], background: false }]);
        input = inData(bufText(out));
      }
      this.status = st;
    }
    if (p.negate) this.status = this.status === 0 ? 1 : 0;
  }

  step(): void {
    if (--this.m.budget.steps < 0) throw new Abort('step budget exhausted');
  }

  runCommand(c: Command): void {
    this.step();
    this.line = c.line;
    switch (c.t) {
      case 'simple': return this.runSimple(c);
      case 'func': this.wfuncs().set(c.name, c.body); this.status = 0; return;
      default: break;
    }
    const saved = this.fds;
    if (c.redirs.length) {
      const fds = this.redirect(c.redirs);
      if (!fds) { this.status = 2; return; }
      this.fds = fds;
    }
    try {
      this.runCompound(c);
    } finally {
      this.fds = saved;
    }
  }

  private runCompound(c: Exclude<Command, { t: 'simple' | 'func' }>): void {
    switch (c.t) {
      case 'group': this.runList(c.body); return;
      case 'subshell': {
        const sub = this.fork();
        this.status = sub.runTop(c.body);
        return;
      }
      case 'if': {
        for (const cl of c.clauses) {
          this.runList(cl.cond);
          if (this.status === 0) { this.runList(cl.body); return; }
        }
        if (c.orElse) this.runList(c.orElse);
        else this.status = 0;
        return;
      }
      case 'loop': {
        let st = 0;
        for (;;) {
          this.step();
          this.runList(c.cond);
          if ((this.status === 0) === c.until) break;
          try {
            st = this.runList(c.body);
          } catch (e) {
            if (!(e instanceof LoopSignal)) throw e;
            st = this.status;
            if (e.n > 1) { e.n--; throw e; }
            if (e.kind === 'break') break;
          }
        }
        this.status = st;
        return;
      }
      case 'for': {
        let items: string[];
        if (c.items) {
          items = [];
          for (const w of c.items) for (const f of this.expandWord(w)) items.push(f);
        } else items = this.positional.slice();
        let st = 0;
        for (const it of items) {
          this.step();
          this.setVar(c.name, it);
          try {
            st = this.runList(c.body);
          } catch (e) {
            if (!(e instanceof LoopSignal)) throw e;
            st = this.status;
            if (e.n > 1) { e.n--; throw e; }
            if (e.kind === 'break') break;
          }
        }
        this.status = st;
        return;
      }
      case 'case': {
        const subj = this.expandString(c.subject);
        for (const it of c.items) {
          if (it.patterns.some((p) => this.matchPattern(subj, p))) {
            this.runList(it.body);
            return;
          }
        }
        this.status = 0;
        return;
      }
    }
  }

  private runSimple(c: Extract<Command, { t: 'simple' }>): void {
    let cmdSubstStatus: number | null = null;
    this.lastSubst = null;
    const argv: string[] = [];
    for (const w of c.words) {
      // plain words (most of them) go straight in, without a one-field array each
      const plain = plainText(w);
      if (plain !== null) { argv.push(plain); continue; }
      const f = this.expandWord(w);
      if (f.length === 1) argv.push(f[0]); else for (const x of f) argv.push(x);
    }
    if (this.lastSubst !== null) cmdSubstStatus = this.lastSubst;
    if (argv.length === 0) {
      // Assignments and redirections only.
      for (const a of c.assigns) {
        this.lastSubst = null;
        const v = this.expandString(a.value);
        if (this.lastSubst !== null) cmdSubstStatus = this.lastSubst;
        if (!this.setVar(a.name, v)) return;
      }
      if (c.redirs.length) {
        const fds = this.redirect(c.redirs);
        if (!fds) { this.status = 2; return; }
      }
      this.status = cmdSubstStatus ?? 0;
      return;
    }
    const name = argv[0];
    const special = SPECIAL_BUILTINS.has(name);
    const fn = special ? undefined : this.funcs.get(name);
    const builtin = special || !fn ? BUILTINS[name] : undefined;
    const assigned = c.assigns.length ? c.assigns.map((a) => [a.name, this.expandString(a.value)] as const) : NO_ASSIGNS;

    const fds = c.redirs.length ? this.redirect(c.redirs) : this.fds;
    if (!fds) {
      this.status = special ? 2 : 2;
      if (special) throw new FatalShellError(2);
      return;
    }
    const saved = this.fds;
    this.fds = fds;
    try {
      if (special && builtin) {
        for (const [k, v] of assigned) this.setVar(k, v);
        this.status = builtin(this, argv);
        if (name === 'exec' && argv.length === 1) saved.clear(), fds.forEach((v, k) => saved.set(k, v));
        return;
      }
      if (fn) {
        const old = assigned.length ? assigned.map(([k]) => [k, this.vars.get(k)] as const) : NO_ASSIGNS;
        for (const [k, v] of assigned) this.setVar(k, v);
        const pos = this.positional;
        argv.shift();
        this.positional = argv;
        try {
          this.runCommand(fn);
        } catch (e) {
          if (!(e instanceof ReturnSignal)) throw e;
          this.status = e.code;
        } finally {
          this.positional = pos;
          for (const [k, v] of old) if (v === undefined) this.wvars(k).delete(k); else this.wvars(k).set(k, v);
        }
        return;
      }
      if (builtin && !assigned.length) {
        this.status = builtin(this, argv);
        return;
      }
      if (builtin) {
        const old = assigned.map(([k]) => [k, this.vars.get(k)] as const);
        for (const [k, v] of assigned) this.wvars(k).set(k, v);
        try {
          this.status = builtin(this, argv);
        } finally {
          for (const [k, v] of old) if (v === undefined) this.wvars(k).delete(k); else this.wvars(k).set(k, v);
        }
        return;
      }
      let env = this.environ();
      if (assigned.length) { env = new Map(env); for (const [k, v] of assigned) env.set(k, v); }
      this.status = this.exec(argv, env);
    } finally {
      this.fds = saved;
    }
  }

  /** The exported variables (shared until a variable changes: callees must not modify it). */
  environ(): Map<string, string> {
    if (this.envCache) return this.envCache;
    const env = new Map<string, string>();
    for (const k of this.exported) {
      const v = this.vars.get(k);
      if (v !== undefined) env.set(k, v);
    }
    this.envCache = env;
    return env;
  }

  /** Run an external command: PATH lookup, exit 127/126 as dash. */
  exec(argv: string[], env: Map<string, string>): number {
    const r = this.findCommand(argv[0], env.get('PATH') ?? this.vars.get('PATH') ?? '');
    if (r.kind === 'missing') {
      this.errorLine(`${argv[0]}: not found`);
      return 127;
    }
    if (r.kind === 'denied') {
      this.errorLine(`${argv[0]}: Permission denied`);
      return 126;
    }
    return this.spawnProc([r.path, ...argv.slice(1)], { env, fds: this.fds, cwd: this.cwd, cred: this.cred, argv0: argv[0] } as never);
  }

  findCommand(name: string, path: string): { kind: 'found'; path: string } | { kind: 'missing' } | { kind: 'denied' } {
    const fs = this.m.fs;
    const cred = this.cred;
    const cwd = this.cwd;
    const check = (p: string): 'ok' | 'no' | 'denied' => {
      const n = fs.peek(p, cred, true, cwd);
      if (!n || n.k !== 'f') return 'no';
      return canAccess(n, cred, 1) ? 'ok' : 'denied';
    };
    // PATH lookups repeat for every command of every probe: kept until the filesystem changes
    if (name.includes('/')) {
      return fs.memo(`cmd\0${cred.uid}\0${cred.gids.join(',')}\0${name.startsWith('/') ? '' : cwd}\0${name}`, () => {
        const c = check(name);
        return c === 'ok' ? { kind: 'found', path: normalize(name, cwd) } : c === 'denied' ? { kind: 'denied' } : { kind: 'missing' };
      });
    }
    // The PATH's directories, resolved once: a name is then a Map lookup in each (a full path
    // walk per directory and name was ~5% of the lab's CPU). Symlinked entries and synthetic
    // mounts take the full walk. A PATH with relative entries depends on the cwd: not kept.
    const table = RELATIVE_PATH_ENTRY.test(path) ? new Map<string, unknown>() : fs.commandTable(cred, path);
    const hit = table.get(name) as ReturnType<Shell['findCommand']> | undefined;
    if (hit) return hit;
    let dirs = table.get('\0dirs') as PathDir[] | undefined;
    if (!dirs) {
      dirs = path.split(':').flatMap((d): PathDir[] => {
        const p = d || '.';
        if (fs.isMounted(normalize(p, cwd))) return [{ prefix: `${p}/`, kids: null }];
        const node = fs.peek(p, cred, true, cwd);
        return node?.k === 'd' && canAccess(node, cred, 1) ? [{ prefix: `${p}/`, kids: node.kids }] : [];
      });
      table.set('\0dirs', dirs);
    }
    let found: ReturnType<Shell['findCommand']> = { kind: 'missing' };
    for (const { prefix, kids } of dirs) {
      const e = kids?.get(name);
      // a symlink (or a mount) is decided by the full walk, a plain file by its mode
      const ok = kids === null || e?.k === 'l' ? check(prefix + name) === 'ok' : e?.k === 'f' && canAccess(e, cred, 1);
      if (ok) { found = { kind: 'found', path: normalize(prefix + name, cwd) }; break; }
    }
    table.set(name, found);
    return found;
  }

  setVar(name: string, value: string): boolean {
    if (this.readonlyVars.has(name)) {
      this.errorLine(`${name}: is read only`);
      throw new FatalShellError(2);
    }
    this.wvars(name).set(name, value);
    if (name === 'PWD') this.cwd = value;
    return true;
  }

  // ---- redirections -------------------------------------------------------------------------

  /** A new descriptor table with `redirs` applied, or null after printing the error. */
  redirect(redirs: Redir[]): Map<number, Fd> | null {
    const fds = copyFds(this.fds);
    for (const r of redirs) {
      const fd = r.fd ?? (r.op.startsWith('<') ? 0 : 1);
      if (r.op === '<<' || r.op === '<<-') {
        fds.set(fd, inData(r.heredoc ? this.expandString(r.heredoc, true) : ''));
        continue;
      }
      const target = this.expandString(r.target);
      if (r.op === '<&' || r.op === '>&') {
        if (target === '-') { fds.delete(fd); continue; }
        if (/^\d+$/.test(target)) {
          const src = fds.get(Number(target));
          if (!src) { this.errorLine(`${target}: Bad file descriptor`); return null; }
          fds.set(fd, src);
          continue;
        }
        if (r.op === '<&') { this.errorLine(`Syntax error: Bad fd number`); return null; }
      }
      try {
        if (target === '/dev/null') { fds.set(fd, r.op === '<' ? inData('') : { k: 'null' }); continue; }
        if (r.op === '<') {
          fds.set(fd, inData(this.m.fs.readFile(target, this.cred, this.cwd)));
        } else if (r.op === '<>') {
          const n = this.m.fs.stat(target, this.cred, this.cwd);
          if (!n) this.m.fs.writeFile(target, '', this.cred, { cwd: this.cwd });
          fds.set(fd, inData(this.m.fs.readFile(target, this.cred, this.cwd)));
        } else {
          const append = r.op === '>>';
          const path = this.m.fs.writeFile(target, '', this.cred, { append, cwd: this.cwd });
          fds.set(fd, { k: 'file', path });
        }
      } catch (e) {
        if (!(e instanceof FsError)) throw e;
        const verb = r.op === '<' ? 'cannot open' : 'cannot create';
        this.errorLine(`${verb} ${target}: ${e.code === 'ENOENT' && r.op !== '<' ? 'Directory nonexistent' : e.text}`);
        return null;
      }
    }
    return fds;
  }

  // ---- expansion ----------------------------------------------------------------------------

  /** Fields after expansion, splitting, pathname expansion and quote removal. */
  expandWord(w: Word): string[] {
    // most words are plain text: no expansion, splitting or globbing to do
    const plain = plainText(w);
    if (plain !== null) return [plain];
    // "$name" (the commonest expansion): its value, one field, nothing to split or glob
    const q = quotedParam(w);
    if (q !== null && !(this.opts.u && q !== '@' && q !== '*')) {
      if (q === '@') return this.positional.slice();
      if (q !== '*') return [this.getParam(q) ?? ''];
    }
    const segs: Seg[] = [];
    this.expandParts(w.parts, false, segs);
    const fields = this.split(segs);
    const out: string[] = [];
    for (const f of fields) {
      if (!this.opts.f && hasGlob(f)) {
        const matches = this.glob(f);
        if (matches.length) { out.push(...matches); continue; }
      }
      out.push(f.map((c) => c.s).join(''));
    }
    return out;
  }

  /** One string, no splitting or globbing (assignments, redirection targets, case subjects). */
  expandString(w: Word, heredoc = false): string {
    const plain = plainText(w);
    if (plain !== null) return plain;
    const q = quotedParam(w) ?? bareParam(w);
    if (q !== null && q !== '@' && q !== '*' && !this.opts.u) return this.getParam(q) ?? '';
    const segs: Seg[] = [];
    this.expandParts(w.parts, heredoc, segs);
    return segs.map((s) => ('brk' in s ? ' ' : s.s)).join('');
  }

  private expandParts(parts: Part[], quoted: boolean, out: Seg[]): void {
    for (const p of parts) {
      switch (p.t) {
        case 'lit': out.push({ s: p.v, q: quoted, split: false }); break;
        case 'sq': out.push({ s: p.v, q: true, split: false }); break;
        case 'dq': {
          // "" is an (empty) field; "$@" with no positional parameters is no field at all
          if (!p.parts.some((x) => x.t === 'param' && x.name === '@' && !x.op && !x.length)) out.push({ s: '', q: true, split: false });
          this.expandParts(p.parts, true, out);
          break;
        }
        case 'param': this.expandParam(p, quoted, out); break;
        case 'cmd': {
          const s = this.commandSubst(p.body);
          out.push({ s, q: quoted, split: !quoted });
          break;
        }
        case 'arith': {
          const text = this.expandString(p.expr);
          let v: number;
          try {
            v = arith(text, (n) => this.vars.get(n) ?? '', (n, val) => this.setVar(n, String(val)));
          } catch (e) {
            this.errorLine(`arithmetic expression: ${(e as Error).message}: "${text}"`);
            throw new FatalShellError(2);
          }
          out.push({ s: String(v), q: quoted, split: !quoted });
          break;
        }
      }
    }
  }

  commandSubst(body: List): string {
    const sub = this.fork();
    const buf = outBuf();
    sub.fds.set(1, buf);
    const st = sub.runTop(body);
    this.lastSubst = st;
    this.status = st;
    return trimNewlines(bufText(buf));
  }

  getParam(name: string): string | undefined {
    if (/^\d+$/.test(name)) {
      const i = Number(name);
      return i === 0 ? this.argv0 : this.positional[i - 1];
    }
    switch (name) {
      case '#': return String(this.positional.length);
      case '?': return String(this.status);
      case '$': return String(this.pid);
      case '!': return undefined;
      case '-': return Object.entries(this.opts).filter(([, v]) => v).map(([k]) => k).join('');
      case '*': case '@': return this.positional.join(' ');
    }
    return this.vars.get(name);
  }

  private expandParam(p: Extract<Part, { t: 'param' }>, quoted: boolean, out: Seg[]): void {
    if (p.length) {
      const v = p.name === '@' || p.name === '*' ? String(this.positional.length) : this.getParam(p.name) ?? '';
      out.push({ s: String(v.length), q: quoted, split: !quoted });
      return;
    }
    if ((p.name === '@' || p.name === '*') && !p.op) {
      if (quoted && p.name === '@') {
        this.positional.forEach((a, i) => {
          if (i > 0) out.push({ brk: true });
          out.push({ s: a, q: true, split: false });
        });
        return;
      }
      if (!quoted) {
        this.positional.forEach((a, i) => {
          if (i > 0) out.push({ brk: true });
          out.push({ s: a, q: false, split: true });
        });
        return;
      }
      const ifs = this.vars.get('IFS');
      out.push({ s: this.positional.join(ifs === undefined ? ' ' : ifs.slice(0, 1)), q: true, split: false });
      return;
    }
    let v = this.getParam(p.name);
    const op = p.op;
    if (!op) {
      if (v === undefined && this.opts.u && p.name !== '@' && p.name !== '*') {
        this.errorLine(`${p.name}: parameter not set`);
        throw new FatalShellError(2);
      }
      out.push({ s: v ?? '', q: quoted, split: !quoted });
      return;
    }
    const colon = op.startsWith(':');
    const unsetOrNull = v === undefined || (colon && v === '');
    const word = () => this.expandString(p.word ?? EMPTY_WORD);
    switch (op) {
      case '-': case ':-':
        if (unsetOrNull) { this.expandParts(p.word?.parts ?? [], quoted, out); return; }
        break;
      case '=': case ':=':
        if (unsetOrNull) { v = word(); this.setVar(p.name, v); }
        break;
      case '?': case ':?':
        if (unsetOrNull) {
          const msg = word();
          this.errorLine(`${p.name}: ${msg || (v === undefined ? 'parameter not set' : 'parameter null or not set')}`);
          throw new FatalShellError(2);
        }
        break;
      case '+': case ':+':
        if (!unsetOrNull) { this.expandParts(p.word?.parts ?? [], quoted, out); return; }
        out.push({ s: '', q: quoted, split: false });
        return;
      case '#': case '##': case '%': case '%%': {
        const s = v ?? '';
        const segs: Seg[] = [];
        this.expandParts(p.word?.parts ?? [], false, segs);
        const chunks = segs.filter((x): x is Exclude<Seg, { brk: true }> => !('brk' in x));
        const fast = trimLiteral(s, op, chunks);
        if (fast !== null) { out.push({ s: fast, q: quoted, split: !quoted }); return; }
        const re = cached(`^(?:${globToRegex(segs.filter((x): x is Exclude<Seg, { brk: true }> => !('brk' in x)).map((x) => ({ s: x.s, q: x.q })))})$`, 's');
        let r = s;
        if (op === '#') { for (let i = 0; i <= s.length; i++) if (re.test(s.slice(0, i))) { r = s.slice(i); break; } }
        else if (op === '##') { for (let i = s.length; i >= 0; i--) if (re.test(s.slice(0, i))) { r = s.slice(i); break; } }
        else if (op === '%') { for (let i = s.length; i >= 0; i--) if (re.test(s.slice(i))) { r = s.slice(0, i); break; } }
        else { for (let i = 0; i <= s.length; i++) if (re.test(s.slice(i))) { r = s.slice(0, i); break; } }
        out.push({ s: r, q: quoted, split: !quoted });
        return;
      }
    }
    out.push({ s: v ?? '', q: quoted, split: !quoted });
  }

  /** IFS field splitting over the unquoted expansion results (XCU 2.6.5). */
  private split(segs: Seg[]): { s: string; q: boolean }[][] {
    const ifs = this.vars.get('IFS') ?? ' \t\n';
    const fields: { s: string; q: boolean }[][] = [];
    let cur: { s: string; q: boolean }[] = [];
    let has = false;           // the current field has content (an empty quoted string counts)
    let lastDelim: 'ws' | 'nonws' | null = null;
    const end = () => { fields.push(cur); cur = []; has = false; };
    for (const seg of segs) {
      if ('brk' in seg) { if (has) end(); lastDelim = null; continue; }
      if (!seg.split || ifs === '') {
        if (seg.s || seg.q) { cur.push({ s: seg.s, q: seg.q }); has = true; lastDelim = null; }
        continue;
      }
      // runs of non-IFS characters are sliced whole (values split here can be whole files)
      const s = seg.s;
      const defaultIfs = ifs === ' \t\n';
      let i = 0;
      while (i < s.length) {
        let j = i;
        if (defaultIfs) {
          for (; j < s.length; j++) { const k = s.charCodeAt(j); if (k === 32 || k === 9 || k === 10) break; }
        } else {
          while (j < s.length && !ifs.includes(s[j])) j++;
        }
        if (j > i) { cur.push({ s: s.slice(i, j), q: false }); has = true; lastDelim = null; }
        if (j >= s.length) break;
        const c = s[j];
        if (c === ' ' || c === '\t' || c === '\n') {
          if (has) { end(); lastDelim = 'ws'; }
        } else {
          if (has) end();
          else if (lastDelim !== 'ws') end();
          lastDelim = 'nonws';
        }
        i = j + 1;
      }
    }
    if (has) end();
    return fields;
  }

  private glob(chunks: { s: string; q: boolean }[]): string[] {
    // split the pattern into path components, keeping the quoting of each character
    const chars: { c: string; q: boolean }[] = [];
    for (const ch of chunks) for (const c of ch.s) chars.push({ c, q: ch.q });
    const comps: { c: string; q: boolean }[][] = [[]];
    for (const ch of chars) {
      if (ch.c === '/') comps.push([]);
      else comps[comps.length - 1].push(ch);
    }
    const absolute = chars[0]?.c === '/';
    let paths: string[] = [absolute ? '/' : ''];
    const parts = absolute ? comps.slice(1) : comps;
    for (let i = 0; i < parts.length; i++) {
      const comp = parts[i];
      const last = i === parts.length - 1;
      const text = comp.map((x) => x.c).join('');
      // runs of equally quoted characters: a bracket expression must be seen whole
      const pieces: { s: string; q: boolean }[] = [];
      for (const x of comp) {
        const lastPiece = pieces[pieces.length - 1];
        if (lastPiece && lastPiece.q === x.q) lastPiece.s += x.c; else pieces.push({ s: x.c, q: x.q });
      }
      const next: string[] = [];
      if (comp.length === 0) { paths = paths.map((p) => (p.endsWith('/') ? p : p + '/')); continue; }
      if (!hasGlob(pieces)) {
        for (const p of paths) {
          const cand = p === '' ? text : p.endsWith('/') ? p + text : `${p}/${text}`;
          if (last ? this.m.fs.lstat(cand, this.cred, this.cwd) : this.m.fs.stat(cand, this.cred, this.cwd)) next.push(cand);
        }
      } else {
        const re = cached(`^${globToRegex(pieces, false)}$`, 's');
        const dotOk = comp[0]?.c === '.';
        for (const p of paths) {
          let names: string[];
          try {
            names = this.m.fs.list(p === '' ? '.' : p, this.cred, this.cwd);
          } catch {
            continue;
          }
          for (const n of names) {
            if (n.startsWith('.') && !dotOk) continue;
            if (!re.test(n)) continue;
            const cand = p === '' ? n : p.endsWith('/') ? p + n : `${p}/${n}`;
            if (!last) {
              let node;
              try { node = this.m.fs.stat(cand, this.cred, this.cwd); } catch { node = undefined; }
              if (!node || node.k !== 'd') continue;
            }
            next.push(cand);
          }
        }
      }
      paths = next;
      if (!paths.length) return [];
    }
    return paths.sort();
  }

  matchPattern(s: string, w: Word): boolean {
    // A pattern with nothing to expand (most `case` patterns) is compiled once, on the shared AST.
    if (w.glob === undefined) {
      w.glob = w.parts.every((p) => p.t === 'lit' || p.t === 'sq')
        ? casePattern(w.parts.map((p) => ({ s: (p as { v: string }).v, q: p.t === 'sq' })))
        : null;
    }
    if (w.glob) return w.glob.test(s);
    const segs: Seg[] = [];
    this.expandParts(w.parts, false, segs);
    return casePattern(segs.filter((x): x is Exclude<Seg, { brk: true }> => !('brk' in x)).map((x) => ({ s: x.s, q: x.q }))).test(s);
  }
}

/** A `case` pattern (its text, quoted parts literal) as a whole-string RegExp. */
function casePattern(chunks: readonly { s: string; q: boolean }[]): RegExp {
  return cached(`^(?:${globToRegex(chunks)})$`, 's');
}

/** $( )'s output minus its trailing newlines (a backward scan: /\n+$/ tried every newline). */
function trimNewlines(s: string): string {
  let e = s.length;
  while (e > 0 && s.charCodeAt(e - 1) === 10) e--;
  return e === s.length ? s : s.slice(0, e);
}

/**
 * A copy of a file descriptor table. `new Map(map)` walks an iterator (a result object per entry);
 * forEach does not, and the lab copies a table for every subshell, pipeline stage and redirection
 * (~1000 per host probe).
 */
function copyFds(fds: Map<number, Fd>): Map<number, Fd> {
  const c = new Map<number, Fd>();
  fds.forEach((v, k) => c.set(k, v));
  return c;
}
