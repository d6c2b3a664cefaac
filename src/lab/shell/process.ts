// What a command runs with: file descriptors, credentials, environment, and the machine it runs
// on. Execution is synchronous: a pipeline runs its stages one after the other, each reading
// what the previous one wrote (the lab's commands are short and never interactive).
import type { Cred, Fs } from '../fs.js';

export type Fd =
  | { k: 'buf'; chunks: string[]; size: number }           // captured output (pipe, $( ), the session)
  | { k: 'file'; path: string }                            // each write appends to the file
  | { k: 'null' }
  | { k: 'in'; data: string; pos: number };                // readable (file, pipe, here-document)

export function outBuf(): Fd & { k: 'buf' } {
  return { k: 'buf', chunks: [], size: 0 };
}

export function inData(data: string): Fd & { k: 'in' } {
  return { k: 'in', data, pos: 0 };
}

export function bufText(fd: Fd & { k: 'buf' }): string {
  const s = fd.chunks.join('');
  fd.chunks = s ? [s] : [];
  return s;
}

/** Ends the whole session (a fault: connection dropped, output limit). */
export class Abort extends Error {}

/** The machine commands run on: filesystem, clock, the programs installed, a step budget. */
export interface Machine {
  fs: Fs;
  hostname: string;
  /** uname -r */
  kernel: string;
  /** Epoch seconds (the host's clock, skew included). */
  now(): number;
  /** The implementation behind a file's `prog` tag. */
  program(name: string): Program | undefined;
  /** Decremented per command; at 0 the session is aborted (a runaway loop must not hang the lab). */
  budget: { steps: number };
  /** Login names for uids / group names for gids. */
  userName(uid: number): string | undefined;
  groupName(gid: number): string | undefined;
  userId(name: string): number | undefined;
  groupId(name: string): number | undefined;
  /** Primary group and supplementary groups of a user. */
  groupsOf(uid: number): number[];
  homeOf(uid: number): string;
  /** The process table (ps, kill, /proc). */
  procs(): ProcInfo[];
  /** Deliver a signal: 'ok', no such process, or not permitted. */
  kill(pid: number, sig: string, cred: Cred): 'ok' | 'ESRCH' | 'EPERM';
  /** What sudoers says about a user. */
  sudoRule(uid: number): { kind: 'nopasswd' } | { kind: 'password'; password: string } | { kind: 'none' };
}

export interface ProcInfo {
  pid: number;
  ppid: number;
  uid: number;
  comm: string;
  args: string;
  /** Epoch seconds. */
  start: number;
}

export interface Proc {
  m: Machine;
  argv: string[];
  env: Map<string, string>;
  cwd: string;
  cred: Cred;
  fds: Map<number, Fd>;
  /** Run another command (sudo, env, sh -c, xargs…): argv[0] is looked up in PATH. */
  spawn(argv: string[], opts?: { cred?: Cred; env?: Map<string, string>; fds?: Map<number, Fd>; cwd?: string }): number;
}

export type Program = (p: Proc) => number;

export class BadFd extends Error {
  constructor(readonly fd: number) {
    super(`${fd}: Bad file descriptor`);
  }
}

/** Write to one of the process's descriptors (writes to a file go through the filesystem). */
export function writeFd(m: Machine, cred: Cred, fds: Map<number, Fd>, n: number, s: string): void {
  if (!s) return;
  const fd = fds.get(n);
  if (!fd || fd.k === 'in') throw new BadFd(n);
  if (fd.k === 'buf') {
    fd.chunks.push(s);
    fd.size += s.length;
    if (fd.size > 256 * 1024 * 1024) throw new Abort('output limit');
  } else if (fd.k === 'file') m.fs.writeFile(fd.path, s, cred, { append: true });
}

export function readAll(fds: Map<number, Fd>, n = 0): string {
  const fd = fds.get(n);
  if (!fd || fd.k !== 'in') return '';
  const s = fd.data.slice(fd.pos);
  fd.pos = fd.data.length;
  return s;
}

/** One line (without its newline) or null at end of input; `partial` when it had no newline. */
export function readLine(fds: Map<number, Fd>, n = 0): { line: string; partial: boolean } | null {
  const fd = fds.get(n);
  if (!fd || fd.k !== 'in' || fd.pos >= fd.data.length) return null;
  const nl = fd.data.indexOf('\n', fd.pos);
  if (nl < 0) {
    const line = fd.data.slice(fd.pos);
    fd.pos = fd.data.length;
    return { line, partial: true };
  }
  const line = fd.data.slice(fd.pos, nl);
  fd.pos = nl + 1;
  return { line, partial: false };
}

/** Helpers for program implementations. */
export class Io {
  constructor(readonly p: Proc, readonly name: string) {}
  out(s: string): void {
    writeFd(this.p.m, this.p.cred, this.p.fds, 1, s);
  }
  err(s: string): void {
    try {
      writeFd(this.p.m, this.p.cred, this.p.fds, 2, s);
    } catch (e) {
      if (!(e instanceof BadFd)) throw e;
    }
  }
  /** `name: msg` on stderr and the exit code. */
  fail(msg: string, code = 1): number {
    this.err(`${this.name}: ${msg}\n`);
    return code;
  }
  stdin(): string {
    return readAll(this.p.fds, 0);
  }
  /** Contents of a file operand ('-' = stdin), or null after printing the error. */
  read(path: string): string | null {
    if (path === '-') return this.stdin();
    try {
      return this.p.m.fs.readFile(path, this.p.cred, this.p.cwd);
    } catch (e) {
      const text = (e as { text?: string }).text ?? (e as Error).message;
      this.err(`${this.name}: ${path}: ${text}\n`);
      return null;
    }
  }
}
