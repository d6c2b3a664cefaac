// Running programs: PATH lookup, the program behind an executable file, `sh` itself, and a
// session's entry point (what sshd does with an exec request: the login shell's `-c`).
import { canAccess, FsError, normalize, type Cred } from '../fs.js';
import { Shell } from './interp.js';
import { Abort, BadFd, inData, outBuf, bufText, type Fd, type Machine, type Proc, type Program } from './process.js';

export interface SpawnOpts {
  cred: Cred;
  env: Map<string, string>;
  fds: Map<number, Fd>;
  cwd: string;
  /** The name it was invoked as (error messages). */
  argv0?: string;
}

function err(fds: Map<number, Fd>, m: Machine, cred: Cred, s: string): void {
  const fd = fds.get(2);
  if (!fd || fd.k === 'in') return;
  if (fd.k === 'buf') fd.chunks.push(s);
  else if (fd.k === 'file') m.fs.writeFile(fd.path, s, cred, { append: true });
}

export function lookPath(m: Machine, name: string, path: string, cred: Cred, cwd: string): string | null {
  if (name.includes('/')) return normalize(name, cwd);
  const find = (): string | null => {
    for (const d of path.split(':')) {
      const p = `${d || '.'}/${name}`;
      const n = m.fs.peek(p, cred, true, cwd);
      if (n && n.k === 'f' && canAccess(n, cred, 1)) return normalize(p, cwd);
    }
    return null;
  };
  const relative = path.split(':').some((d) => !d.startsWith('/'));
  return m.fs.memo(`look\0${cred.uid}\0${cred.gids.join(',')}\0${relative ? cwd : ''}\0${path}\0${name}`, find);
}

export function spawn(m: Machine, argv: string[], o: SpawnOpts): number {
  const name = o.argv0 ?? argv[0];
  const path = lookPath(m, argv[0], o.env.get('PATH') ?? '/usr/bin:/bin', o.cred, o.cwd);
  if (!path) {
    err(o.fds, m, o.cred, `${name}: not found\n`);
    return 127;
  }
  const node = m.fs.peek(path, o.cred, true, o.cwd);
  if (!node || node.k !== 'f') {
    err(o.fds, m, o.cred, `${name}: not found\n`);
    return 127;
  }
  if (!canAccess(node, o.cred, 1)) {
    err(o.fds, m, o.cred, `${name}: Permission denied\n`);
    return 126;
  }
  let prog: Program | undefined = node.prog ? m.program(node.prog) : undefined;
  let args = argv.slice(1);
  if (!prog && node.data.startsWith('#!')) {
    // a script: its interpreter runs it (only the lab's shells are interpreters here)
    const [interp, ...iargs] = node.data.slice(2, node.data.indexOf('\n') >>> 0).trim().split(/\s+/);
    const inode = m.fs.stat(interp, o.cred);
    prog = inode && inode.k === 'f' && inode.prog ? m.program(inode.prog) : undefined;
    args = [...iargs, path, ...args];
  }
  if (!prog) {
    err(o.fds, m, o.cred, `${name}: Exec format error\n`);
    return 126;
  }
  const p: Proc = {
    m,
    argv: [name, ...args],
    env: o.env,
    cwd: o.cwd,
    cred: o.cred,
    fds: o.fds, // programs read and write through it, none replaces a descriptor
    spawn: (a, so) => spawn(m, a, { cred: so?.cred ?? o.cred, env: so?.env ?? o.env, fds: so?.fds ?? p.fds, cwd: so?.cwd ?? o.cwd }),
  };
  try {
    return prog(p);
  } catch (e) {
    if (e instanceof FsError) {
      err(o.fds, m, o.cred, `${name.split('/').pop()}: ${e.path}: ${e.text}\n`);
      return 1;
    }
    if (e instanceof BadFd) return 1;
    throw e;
  }
}

/** sh / dash: `-c STRING [NAME [ARG…]]`, a script file, or commands on stdin. */
export const shProgram: Program = (p) => {
  const args = p.argv.slice(1);
  let i = 0;
  let script: string | null = null;
  let cflag = false;
  for (; i < args.length; i++) {
    const a = args[i];
    if (a === '--') { i++; break; }
    if (a === '-c') { cflag = true; continue; }
    if (/^-[eux]+$/.test(a) || a === '-s') continue;
    break;
  }
  let argv0 = p.argv[0].split('/').pop() ?? 'sh';
  let positional: string[] = [];
  if (cflag) {
    if (i >= args.length) {
      err(p.fds, p.m, p.cred, `${argv0}: 0: -c requires an argument\n`);
      return 2;
    }
    script = args[i];
    if (i + 1 < args.length) argv0 = args[i + 1];
    positional = args.slice(i + 2);
  } else if (i < args.length) {
    try {
      script = p.m.fs.readFile(args[i], p.cred, p.cwd);
    } catch (e) {
      err(p.fds, p.m, p.cred, `${argv0}: 0: cannot open ${args[i]}: ${e instanceof FsError ? e.text : 'error'}\n`);
      return 2;
    }
    argv0 = args[i];
    positional = args.slice(i + 1);
  } else {
    const fd = p.fds.get(0);
    script = fd && fd.k === 'in' ? fd.data.slice(fd.pos) : '';
    if (fd && fd.k === 'in') fd.pos = fd.data.length;
  }
  const sh = new Shell({ m: p.m, cred: p.cred, env: p.env, cwd: p.cwd, fds: p.fds, argv0, args: positional, spawn: (a, o) => p.spawn(a, o) });
  sh.spawnProc = (a, o) => spawn(p.m, a, { cred: o?.cred ?? sh.cred, env: o?.env ?? sh.environ(), fds: o?.fds ?? sh.fds, cwd: o?.cwd ?? sh.cwd, argv0: (o as { argv0?: string } | undefined)?.argv0 });
  return sh.runScript(script);
};

export interface SessionResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  /** The session was cut (a fault, or the step budget ran out). */
  aborted?: string;
}

/** What sshd does with an exec request: the user's login shell runs `sh -c COMMAND`. */
export function runSession(m: Machine, command: string, o: { cred: Cred; env: Map<string, string>; cwd: string; stdin?: string; shell?: string }): SessionResult {
  const out = outBuf();
  const errb = outBuf();
  const fds = new Map<number, Fd>([[0, inData(o.stdin ?? '')], [1, out], [2, errb]]);
  let exitCode: number;
  let aborted: string | undefined;
  try {
    exitCode = spawn(m, [o.shell ?? '/bin/sh', '-c', command], { cred: o.cred, env: o.env, fds, cwd: o.cwd, argv0: 'sh' });
  } catch (e) {
    if (!(e instanceof Abort)) throw e;
    aborted = e.message;
    exitCode = 137;
  }
  return { stdout: bufText(out), stderr: bufText(errb), exitCode, aborted };
}
