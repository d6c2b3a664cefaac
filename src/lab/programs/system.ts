// System commands: date, id, whoami, uname, hostname, env, sleep, getconf, timeout, nohup,
// which, seq, xargs, ps, kill, sudo, and the builtins' /usr/bin twins (echo, printf, test, [).
import { ROOT } from '../fs.js';
import { BUILTINS } from '../shell/builtins.js';
import { printf } from '../shell/format.js';
import { testExpr } from '../shell/test-expr.js';
import { escapes } from '../shell/format.js';
import { Io, readLine, inData, type Proc, type Program } from '../shell/process.js';
import { lookPath } from '../shell/exec.js';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const FULL_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const FULL_MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

const p2 = (n: number) => String(n).padStart(2, '0');

/** strftime over UTC (lab hosts run in UTC). */
export function strftime(fmt: string, epoch: number): string {
  const d = new Date(Math.floor(epoch) * 1000);
  return fmt.replace(/%([a-zA-Z%+])/g, (_, c: string) => {
    switch (c) {
      case 's': return String(Math.floor(epoch));
      case 'z': return '+0000';
      case 'Z': return 'UTC';
      case 'Y': return String(d.getUTCFullYear());
      case 'y': return p2(d.getUTCFullYear() % 100);
      case 'm': return p2(d.getUTCMonth() + 1);
      case 'd': return p2(d.getUTCDate());
      case 'e': return String(d.getUTCDate()).padStart(2, ' ');
      case 'H': return p2(d.getUTCHours());
      case 'M': return p2(d.getUTCMinutes());
      case 'S': return p2(d.getUTCSeconds());
      case 'a': return DAYS[d.getUTCDay()];
      case 'A': return FULL_DAYS[d.getUTCDay()];
      case 'b': case 'h': return MONTHS[d.getUTCMonth()];
      case 'B': return FULL_MONTHS[d.getUTCMonth()];
      case 'j': return String(Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86400000) + 1).padStart(3, '0');
      case 'F': return `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}`;
      case 'T': return `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
      case 'N': return String(Math.round((epoch % 1) * 1e9)).padStart(9, '0');
      case 'u': return String(d.getUTCDay() || 7);
      case 'n': return '\n';
      case 't': return '\t';
      case '%': return '%';
      case '+': return strftime('%a %b %e %H:%M:%S %Z %Y', epoch);
    }
    return '%' + c;
  });
}

export const date: Program = (p) => {
  const io = new Io(p, 'date');
  let t = p.m.now();
  let fmt = '%a %b %e %H:%M:%S %Z %Y';
  const args = p.argv.slice(1);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-u' || a === '--utc') continue;
    if (a === '-d' || a.startsWith('--date')) {
      const v = a === '-d' ? args[++i] : a.split('=')[1];
      if (/^@-?\d+(\.\d+)?$/.test(v ?? '')) t = Number(v.slice(1));
      else {
        const ms = Date.parse(v ?? '');
        if (Number.isNaN(ms)) return io.fail(`invalid date '${v}'`);
        t = ms / 1000;
      }
      continue;
    }
    if (a.startsWith('+')) { fmt = a.slice(1); continue; }
    if (a === '-R') { fmt = '%a, %d %b %Y %H:%M:%S +0000'; continue; }
    return io.fail(`invalid date '${a}'`);
  }
  io.out(strftime(fmt, t) + '\n');
  return 0;
};

export const id: Program = (p) => {
  const io = new Io(p, 'id');
  const args = p.argv.slice(1);
  const name = args.find((a) => !a.startsWith('-'));
  const uid = name ? p.m.userId(name) : p.cred.uid;
  if (uid === undefined) return io.fail(`'${name}': no such user`);
  const gids = name ? p.m.groupsOf(uid) : p.cred.gids;
  const flags = args.filter((a) => a.startsWith('-')).join('');
  const n = flags.includes('n');
  if (flags.includes('u')) { io.out((n ? p.m.userName(uid) : String(uid)) + '\n'); return 0; }
  if (flags.includes('G')) { io.out(gids.map((g) => (n ? p.m.groupName(g) : String(g))).join(' ') + '\n'); return 0; }
  if (flags.includes('g')) { io.out((n ? p.m.groupName(gids[0]) : String(gids[0])) + '\n'); return 0; }
  io.out(`uid=${uid}(${p.m.userName(uid)}) gid=${gids[0]}(${p.m.groupName(gids[0])}) groups=${gids.map((g) => `${g}(${p.m.groupName(g)})`).join(',')}\n`);
  return 0;
};

export const whoami: Program = (p) => {
  new Io(p, 'whoami').out((p.m.userName(p.cred.uid) ?? String(p.cred.uid)) + '\n');
  return 0;
};

export const hostname: Program = (p) => {
  new Io(p, 'hostname').out(p.m.hostname + '\n');
  return 0;
};

export const sleep: Program = (p) => {
  const io = new Io(p, 'sleep');
  if (p.argv.length < 2) return io.fail('missing operand');
  for (const a of p.argv.slice(1)) if (!/^\d+(\.\d+)?[smhd]?$/.test(a)) return io.fail(`invalid time interval '${a}'`);
  return 0; // simulated: the lab's time does not pass while commands run
};

export const uname: Program = (p) => {
  const io = new Io(p, 'uname');
  const flags = p.argv.slice(1).join('').replace(/-/g, '') || 's';
  const rel = p.env.get('LAB_KERNEL') ?? p.m.kernel;
  const all = flags.includes('a');
  const parts: string[] = [];
  if (all || flags.includes('s')) parts.push('Linux');
  if (all || flags.includes('n')) parts.push(p.m.hostname);
  if (all || flags.includes('r')) parts.push(rel);
  if (all || flags.includes('v')) parts.push('#1 SMP');
  if (all || flags.includes('m')) parts.push('x86_64');
  if (all || flags.includes('o')) parts.push('GNU/Linux');
  io.out(parts.join(' ') + '\n');
  return 0;
};

export const getconf: Program = (p) => {
  const io = new Io(p, 'getconf');
  const v: Record<string, string> = { CLK_TCK: '100', PAGESIZE: '4096', PAGE_SIZE: '4096', _NPROCESSORS_ONLN: '2', LONG_BIT: '64' };
  const r = v[p.argv[1] ?? ''];
  if (r === undefined) return io.fail(`Unrecognized variable '${p.argv[1]}'`);
  io.out(r + '\n');
  return 0;
};

function runRest(p: Proc, argv: string[], env?: Map<string, string>): number {
  if (!argv.length) return 0;
  return p.spawn(argv, { env: env ?? p.env });
}

export const env: Program = (p) => {
  const args = p.argv.slice(1);
  const e = new Map(p.env);
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i];
    if (a === '-i' || a === '-') { e.clear(); continue; }
    if (a === '-u') { e.delete(args[++i]); continue; }
    if (a === '--') { i++; break; }
    const eq = a.indexOf('=');
    if (eq > 0) { e.set(a.slice(0, eq), a.slice(eq + 1)); continue; }
    break;
  }
  if (i >= args.length) {
    new Io(p, 'env').out([...e].map(([k, v]) => `${k}=${v}\n`).join(''));
    return 0;
  }
  const path = lookPath(p.m, args[i], e.get('PATH') ?? '', p.cred, p.cwd);
  if (!path) return new Io(p, 'env').fail(`'${args[i]}': No such file or directory`, 127);
  return runRest(p, [path, ...args.slice(i + 1)], e);
};

export const timeout: Program = (p) => {
  const args = p.argv.slice(1);
  let i = 0;
  while (i < args.length && args[i].startsWith('-')) { if (args[i] === '-k' || args[i] === '-s') i++; i++; }
  i++; // duration
  return runRest(p, args.slice(i));
};

export const nohup: Program = (p) => runRest(p, p.argv.slice(1));

export const which: Program = (p) => {
  const io = new Io(p, 'which');
  let rc = 0;
  for (const n of p.argv.slice(1).filter((a) => !a.startsWith('-'))) {
    const r = lookPath(p.m, n, p.env.get('PATH') ?? '', p.cred, p.cwd);
    if (r && p.m.fs.stat(r, p.cred)) io.out(r + '\n'); else rc = 1;
  }
  return rc;
};

export const seq: Program = (p) => {
  const io = new Io(p, 'seq');
  const n = p.argv.slice(1).map(Number);
  const [a, s, b] = n.length === 1 ? [1, 1, n[0]] : n.length === 2 ? [n[0], 1, n[1]] : [n[0], n[1], n[2]];
  if (n.some(Number.isNaN) || !n.length) return io.fail('invalid argument');
  let out = '';
  for (let x = a; s > 0 ? x <= b : x >= b; x += s) out += x + '\n';
  io.out(out);
  return 0;
};

export const xargs: Program = (p) => {
  const io = new Io(p, 'xargs');
  const args = p.argv.slice(1);
  let i = 0;
  let per = Infinity;
  let repl: string | null = null;
  for (; i < args.length && args[i].startsWith('-'); i++) {
    if (args[i] === '-n') per = Number(args[++i]);
    else if (args[i] === '-I') repl = args[++i];
    else if (args[i] === '-r' || args[i] === '--no-run-if-empty') continue;
    else if (args[i] === '-0') continue;
  }
  const cmd = args.slice(i).length ? args.slice(i) : ['echo'];
  const input = io.stdin();
  const items = repl ? input.split('\n').filter(Boolean) : input.split(/\s+/).filter(Boolean);
  if (!items.length) return 0;
  let rc = 0;
  const run = (argv: string[]) => {
    const path = lookPath(p.m, argv[0], p.env.get('PATH') ?? '', p.cred, p.cwd);
    if (!path) { io.err(`xargs: ${argv[0]}: No such file or directory\n`); rc = 127; return; }
    const st = p.spawn([path, ...argv.slice(1)], { fds: new Map([...p.fds, [0, inData('')]]) });
    if (st !== 0) rc = 123;
  };
  if (repl) for (const it of items) run(cmd.map((c) => c.split(repl!).join(it)));
  else for (let k = 0; k < items.length; k += per === Infinity ? items.length : per) run([...cmd, ...items.slice(k, k + (per === Infinity ? items.length : per))]);
  return rc;
};

export const echoProgram: Program = (p) => {
  // coreutils echo: -n -e -E, no escapes by default
  const io = new Io(p, 'echo');
  let args = p.argv.slice(1);
  let nl = true;
  let esc = false;
  while (args.length && /^-[neE]+$/.test(args[0])) {
    for (const c of args[0].slice(1)) { if (c === 'n') nl = false; if (c === 'e') esc = true; if (c === 'E') esc = false; }
    args = args.slice(1);
  }
  const s = args.join(' ');
  const e = esc ? escapes(s, true) : { text: s, stop: false };
  io.out(e.text + (nl && !e.stop ? '\n' : ''));
  return 0;
};

export const printfProgram: Program = (p) => {
  const io = new Io(p, 'printf');
  if (p.argv.length < 2) return io.fail('missing operand');
  const r = printf(p.argv[1], p.argv.slice(2));
  io.out(r.out);
  for (const e of r.errors) io.err(`printf: ${e}\n`);
  return r.status;
};

export const testProgram: Program = (p) => {
  const bracket = p.argv[0].endsWith('[');
  let args = p.argv.slice(1);
  if (bracket) {
    if (args[args.length - 1] !== ']') return new Io(p, '[').fail("missing ']'", 2);
    args = args.slice(0, -1);
  }
  const r = testExpr(args, p.m.fs, p.cred, p.cwd);
  if (r.error) new Io(p, bracket ? '[' : 'test').err(`${bracket ? '[' : 'test'}: ${r.error}\n`);
  return r.status;
};

export const trueProgram: Program = () => 0;
export const falseProgram: Program = () => 1;

// ---- processes --------------------------------------------------------------------------------

function lstart(epoch: number): string {
  const d = new Date(Math.floor(epoch) * 1000);
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

function etime(sec: number): string {
  const d = Math.floor(sec / 86400);
  const h = Math.floor((sec % 86400) / 3600);
  const m = Math.floor((sec % 3600) / 60);
  const s = Math.floor(sec % 60);
  return `${d ? `${d}-` : ''}${d || h ? `${p2(h)}:` : ''}${p2(m)}:${p2(s)}`;
}

export const ps: Program = (p) => {
  const io = new Io(p, 'ps');
  const args = p.argv.slice(1);
  let fields: { name: string; header: string | null }[] = [];
  let pids: number[] | null = null;
  let comm: string[] | null = null;
  let all = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-o' || a === '-O') {
      for (const f of (args[++i] ?? '').split(',')) {
        const eq = f.indexOf('=');
        fields.push(eq < 0 ? { name: f, header: null } : { name: f.slice(0, eq), header: f.slice(eq + 1) });
      }
    } else if (a === '-p' || a === '--pid') pids = (args[++i] ?? '').split(',').map(Number);
    else if (a === '-C') comm = (args[++i] ?? '').split(',');
    else if (a === '-e' || a === '-A' || a === 'ax' || a === 'aux' || a === '-ef') all = true;
    else if (/^-?[a-zA-Z]+$/.test(a)) continue;
    else return io.fail(`error: unsupported option (BSD syntax)`);
  }
  if (!fields.length) fields = ['pid', 'tty', 'time', 'cmd'].map((name) => ({ name, header: null }));
  const now = p.m.now();
  let procs = p.m.procs();
  if (pids) procs = procs.filter((x) => pids!.includes(x.pid));
  else if (comm) procs = procs.filter((x) => comm!.includes(x.comm));
  else if (!all) procs = procs.filter((x) => x.uid === p.cred.uid);
  const W: Record<string, [string, number, boolean]> = {
    pid: ['PID', 7, true], ppid: ['PPID', 7, true], uid: ['UID', 5, true], user: ['USER', 8, false], comm: ['COMMAND', 15, false],
    args: ['COMMAND', 27, false], cmd: ['CMD', 27, false], lstart: ['STARTED', 24, false], etimes: ['ELAPSED', 7, true],
    etime: ['ELAPSED', 11, true], tty: ['TT', 8, false], time: ['TIME', 8, true], stat: ['STAT', 4, false],
  };
  const val = (f: string, x: ReturnType<typeof p.m.procs>[number]): string => {
    switch (f) {
      case 'pid': return String(x.pid);
      case 'ppid': return String(x.ppid);
      case 'uid': return String(x.uid);
      case 'user': return p.m.userName(x.uid) ?? String(x.uid);
      case 'comm': return x.comm;
      case 'args': case 'cmd': return x.args;
      case 'lstart': return lstart(x.start);
      case 'etimes': return String(Math.max(0, Math.floor(now - x.start)));
      case 'etime': return etime(Math.max(0, now - x.start));
      case 'tty': return '?';
      case 'time': return '00:00:00';
      case 'stat': return 'Ss';
    }
    return '-';
  };
  const cols = fields.map((f) => {
    const w = W[f.name];
    if (!w) return null;
    return { f: f.name, header: f.header ?? w[0], width: w[1], right: w[2] };
  });
  if (cols.some((c) => c === null)) return io.fail('error: unknown user-defined format specifier');
  const fmt = (vals: string[]) => vals.map((v, k) => {
    const c = cols[k]!;
    const last = k === vals.length - 1;
    return c.right ? v.padStart(c.width) : last ? v : v.padEnd(c.width);
  }).join(' ').replace(/\s+$/, '');
  let out = '';
  if (cols.some((c) => c!.header !== '')) out += fmt(cols.map((c) => c!.header)) + '\n';
  for (const x of procs) out += fmt(cols.map((c) => val(c!.f, x))) + '\n';
  io.out(out);
  return procs.length ? 0 : 1;
};

const SIGNALS: Record<string, number> = { HUP: 1, INT: 2, QUIT: 3, KILL: 9, USR1: 10, USR2: 12, TERM: 15, WINCH: 28, '0': 0 };

function parseKill(args: string[]): { sig: string; pids: string[] } | string {
  let sig = 'TERM';
  let i = 0;
  if (args[0] === '-s') { sig = args[1] ?? ''; i = 2; }
  else if (args[0]?.startsWith('-') && args[0] !== '--') { sig = args[0].slice(1); i = 1; }
  if (args[i] === '--') i++;
  sig = sig.toUpperCase().replace(/^SIG/, '');
  if (/^\d+$/.test(sig)) sig = Object.keys(SIGNALS).find((k) => String(SIGNALS[k]) === sig) ?? sig;
  if (!(sig in SIGNALS)) return `invalid signal number or name: ${sig}`;
  return { sig, pids: args.slice(i) };
}

/** dash's builtin kill. */
export function killBuiltin(p: Proc, errName: (m: string) => void): number {
  const r = parseKill(p.argv.slice(1));
  if (typeof r === 'string') { errName(r); return 2; }
  if (!r.pids.length) { errName('usage: kill [-s sigspec | -signum | -sigspec] [pid | job]... or\nkill -l [exitstatus]'); return 2; }
  let rc = 0;
  for (const pid of r.pids) {
    if (!/^-?\d+$/.test(pid)) { errName(`invalid process id: ${pid}`); return 2; }
    const res = p.m.kill(Number(pid), r.sig, p.cred);
    if (res === 'ESRCH') { errName('No such process'); rc = 1; }
    else if (res === 'EPERM') { errName('Operation not permitted'); rc = 1; }
  }
  return rc;
}

export const killProgram: Program = (p) => killBuiltin(p, (m) => new Io(p, 'kill').err(`kill: ${m}\n`));

BUILTINS.kill = (sh, argv) => killBuiltin(
  { m: sh.m, argv, env: sh.environ(), cwd: sh.cwd, cred: sh.cred, fds: sh.fds, spawn: sh.spawnProc },
  (m) => sh.errorLine(`kill: ${m}`),
);

// ---- sudo ---------------------------------------------------------------------------------------

export const sudo: Program = (p) => {
  const io = new Io(p, 'sudo');
  const args = p.argv.slice(1);
  let nonInteractive = false;
  let stdinPass = false;
  let user = 'root';
  let home = false;
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i];
    if (a === '--') { i++; break; }
    if (!a.startsWith('-')) break;
    if (a === '-u') { user = args[++i]; continue; }
    if (a === '-p') { i++; continue; }
    if (a.startsWith('-u')) { user = a.slice(2); continue; }
    if (a.startsWith('-p')) continue;
    for (const c of a.slice(1)) {
      if (c === 'n') nonInteractive = true;
      else if (c === 'S') stdinPass = true;
      else if (c === 'H') home = true;
      else if (c === 'E' || c === 'k' || c === 'i' || c === 's') continue;
      else { io.err(`sudo: invalid option -- '${c}'\nusage: sudo -h | -K | -k | -V\n`); return 1; }
    }
  }
  const cmd = args.slice(i);
  if (!cmd.length) { io.err('usage: sudo -h | -K | -k | -V\n'); return 1; }
  const uid = p.m.userId(user);
  if (uid === undefined) return io.fail(`unknown user ${user}`);
  const rule = p.m.sudoRule(p.cred.uid);
  const me = p.m.userName(p.cred.uid) ?? String(p.cred.uid);
  if (p.cred.uid !== 0) {
    if (rule.kind === 'none') {
      io.err(`${me} is not in the sudoers file.  This incident will be reported.\n`);
      return 1;
    }
    if (rule.kind === 'password') {
      if (stdinPass) {
        const l = readLine(p.fds, 0);
        if (!l || l.line !== rule.password) {
          io.err('sudo: 1 incorrect password attempt\n');
          return 1;
        }
      } else if (nonInteractive) {
        io.err('sudo: a password is required\n');
        return 1;
      } else {
        io.err('sudo: a terminal is required to read the password; either use the -S option to read from standard input or configure an askpass helper\nsudo: a password is required\n');
        return 1;
      }
    }
  }
  const env = new Map<string, string>([
    ['PATH', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
    ['HOME', home || user === 'root' ? p.m.homeOf(uid) : p.env.get('HOME') ?? '/'],
    ['USER', user], ['LOGNAME', user], ['SHELL', '/bin/bash'],
    ['SUDO_USER', me], ['SUDO_UID', String(p.cred.uid)], ['SUDO_GID', String(p.cred.gids[0])],
    ['TERM', p.env.get('TERM') ?? 'unknown'], ['LANG', p.env.get('LANG') ?? 'C.UTF-8'],
  ]);
  const cred = uid === 0 ? ROOT : { uid, gids: p.m.groupsOf(uid) };
  const path = lookPath(p.m, cmd[0], env.get('PATH')!, cred, p.cwd);
  if (!path) return io.fail(`${cmd[0]}: command not found`);
  return p.spawn([path, ...cmd.slice(1)], { cred, env });
};
