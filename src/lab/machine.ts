// A machine the shell runs on: a filesystem built from a tree of files, users and groups,
// the installed programs, a process table. Hosts (host.ts) are machines with a model behind
// their programs; tests use a plain one.
import { dir, file, Fs, link, splitPath, type Cred, type DirNode, type FsOptions, type Node } from './fs.js';
import { CORE_PATHS, CORE_PROGRAMS } from './programs/index.js';
import { runSession, type SessionResult } from './shell/exec.js';
import type { Machine, ProcInfo, Program } from './shell/process.js';

export interface User {
  name: string;
  uid: number;
  gid: number;
  home: string;
  groups?: number[];
  sudo?: { kind: 'nopasswd' } | { kind: 'password'; password: string } | { kind: 'none' };
}

export const BASE_USERS: User[] = [
  { name: 'root', uid: 0, gid: 0, home: '/root' },
  { name: 'daemon', uid: 1, gid: 1, home: '/usr/sbin' },
  { name: 'www-data', uid: 33, gid: 33, home: '/var/www' },
  { name: 'apache', uid: 48, gid: 48, home: '/usr/share/httpd' },
  { name: 'nobody', uid: 65534, gid: 65534, home: '/nonexistent' },
];

export const BASE_GROUPS: Record<string, number> = { root: 0, daemon: 1, adm: 4, 'www-data': 33, apache: 48, sudo: 27, wheel: 10, nogroup: 65534 };

/** Build a directory tree from path → node entries (directories created as needed). */
export function buildTree(entries: Iterable<[string, Node]>, root: DirNode = dir()): DirNode {
  for (const [path, node] of entries) {
    const parts = splitPath(path);
    let cur = root;
    for (let i = 0; i < parts.length - 1; i++) {
      let next = cur.kids.get(parts[i]);
      if (!next) { next = dir(); cur.kids.set(parts[i], next); }
      if (next.k !== 'd') throw new Error(`buildTree: ${parts.slice(0, i + 1).join('/')} is not a directory`);
      cur = next;
    }
    const name = parts[parts.length - 1];
    const old = cur.kids.get(name);
    if (old?.k === 'd' && node.k === 'd') {
      // merge directory metadata, keep children
      cur.kids.set(name, { ...node, kids: new Map([...old.kids, ...node.kids]) });
    } else cur.kids.set(name, node);
  }
  return root;
}

/** An executable the lab implements: a small ELF-looking stub naming its program. */
export function binary(prog: string, mode = 0o755): Node {
  return file(`\x7fELF\x02\x01\x01\0lab:${prog}\n`, { mode, prog });
}

/** /bin, /usr/bin entries for the core programs (usrmerge: /bin links to /usr/bin on newer distros). */
export function coreBinaries(usrMerged: boolean, names: readonly string[] = Object.keys(CORE_PATHS)): [string, Node][] {
  const out: [string, Node][] = [];
  for (const n of names) {
    const path = CORE_PATHS[n];
    const base = path.split('/').pop() as string;
    out.push([usrMerged ? `/usr/bin/${base}` : path, binary(n, n === 'sudo' ? 0o4755 : 0o755)]);
  }
  if (usrMerged) {
    out.push(['/bin', link('usr/bin')], ['/sbin', link('usr/sbin')], ['/lib', link('usr/lib')], ['/lib64', link('usr/lib64')]);
  }
  return out;
}

export interface MachineOptions {
  hostname: string;
  kernel?: string;
  root: DirNode;
  users?: User[];
  groups?: Record<string, number>;
  now: () => number;
  programs?: Record<string, Program>;
  procs?: () => ProcInfo[];
  kill?: Machine['kill'];
  fsOptions?: Omit<FsOptions, 'now'>;
  steps?: number;
}

export class LabMachine implements Machine {
  fs: Fs;
  hostname: string;
  kernel: string;
  budget = { steps: 0 };
  private readonly users: User[];
  private readonly groups: Record<string, number>;
  private readonly programs: Record<string, Program>;
  readonly now: () => number;
  private readonly procsFn: () => ProcInfo[];
  private readonly killFn: Machine['kill'];
  private readonly steps: number;

  constructor(o: MachineOptions) {
    this.hostname = o.hostname;
    this.kernel = o.kernel ?? '6.1.0-27-amd64';
    this.users = [...BASE_USERS, ...(o.users ?? [])];
    this.groups = { ...BASE_GROUPS, ...(o.groups ?? {}) };
    this.programs = { ...CORE_PROGRAMS, ...(o.programs ?? {}) };
    this.now = o.now;
    this.procsFn = o.procs ?? (() => []);
    this.killFn = o.kill ?? ((pid) => (this.procsFn().some((x) => x.pid === pid) ? 'ok' : 'ESRCH'));
    this.steps = o.steps ?? 2_000_000;
    this.fs = new Fs(o.root, { ...(o.fsOptions ?? {}), now: o.now });
  }

  program(name: string): Program | undefined {
    return this.programs[name];
  }
  userName(uid: number): string | undefined {
    return this.users.find((u) => u.uid === uid)?.name;
  }
  groupName(gid: number): string | undefined {
    return Object.entries(this.groups).find(([, g]) => g === gid)?.[0] ?? this.users.find((u) => u.gid === gid)?.name;
  }
  userId(name: string): number | undefined {
    return this.users.find((u) => u.name === name)?.uid;
  }
  groupId(name: string): number | undefined {
    return this.groups[name] ?? this.users.find((u) => u.name === name)?.gid;
  }
  groupsOf(uid: number): number[] {
    const u = this.users.find((x) => x.uid === uid);
    return u ? [u.gid, ...(u.groups ?? [])] : [uid];
  }
  homeOf(uid: number): string {
    return this.users.find((u) => u.uid === uid)?.home ?? '/';
  }
  procs(): ProcInfo[] {
    return this.procsFn();
  }
  kill(pid: number, sig: string, cred: Cred): 'ok' | 'ESRCH' | 'EPERM' {
    return this.killFn(pid, sig, cred);
  }
  sudoRule(uid: number): ReturnType<Machine['sudoRule']> {
    return this.users.find((u) => u.uid === uid)?.sudo ?? { kind: 'none' };
  }

  credOf(user: string): Cred {
    const uid = this.userId(user);
    if (uid === undefined) throw new Error(`no user ${user}`);
    return { uid, gids: this.groupsOf(uid) };
  }

  /** An exec request from `user`: the login shell runs the command. */
  run(command: string, o: { user: string; stdin?: string; env?: Record<string, string> }): SessionResult {
    this.budget.steps = this.steps;
    const cred = this.credOf(o.user);
    const home = this.homeOf(cred.uid);
    const env = new Map<string, string>([
      ['PATH', cred.uid === 0 ? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' : '/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games'],
      ['HOME', home], ['USER', o.user], ['LOGNAME', o.user], ['SHELL', '/bin/sh'], ['LANG', 'C.UTF-8'], ['PWD', home],
      ...Object.entries(o.env ?? {}),
    ]);
    const cwd = this.fs.stat(home, cred)?.k === 'd' ? home : '/';
    try {
      return runSession(this, command, { cred, env, cwd, stdin: o.stdin });
    } finally {
      this.fs.dropMemo();
    }
  }
}
