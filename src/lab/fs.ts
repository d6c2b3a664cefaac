// A per-host in-memory filesystem. Nodes are immutable once shared: every host starts from its
// distro's image (one tree shared by all hosts of that image) and copies only the directories
// on the path of what it changes (path copying). File data are byte strings (latin1, one char
// per byte), so binary files and UTF-8 text pass through unchanged and identical contents are
// shared between hosts.

export interface Meta {
  mode: number;   // permission bits (07777)
  uid: number;
  gid: number;
  mtime: number;  // epoch seconds
}

export interface FileNode extends Meta {
  k: 'f';
  data: string;
  /** An executable the lab implements (argv[0] dispatch), e.g. 'cat', 'apache2'. */
  prog?: string;
  /** Only root may read it (e.g. /proc/PID/mem, maps of a root process). */
  rootOnly?: boolean;
  /** A character device: /dev/null reads empty and swallows writes. */
  dev?: 'null';
  /** Random access instead of `data` (/proc/PID/mem): null = I/O error at that offset. */
  readAt?: (offset: number, length: number) => string | null;
}

export interface DirNode extends Meta {
  k: 'd';
  kids: Map<string, Node>;
  rootOnly?: boolean;
}

export interface LinkNode extends Meta {
  k: 'l';
  target: string;
  rootOnly?: boolean;
}

export type Node = FileNode | DirNode | LinkNode;

export const ERRNO = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  EEXIST: 'File exists',
  ENOSPC: 'No space left on device',
  ENOTEMPTY: 'Directory not empty',
  ELOOP: 'Too many levels of symbolic links',
  EINVAL: 'Invalid argument',
  EIO: 'Input/output error',
  EPERM: 'Operation not permitted',
} as const;
export type Errno = keyof typeof ERRNO;

/**
 * A failed file operation. Not constructed through Error (no stack trace captured): lookups fail
 * by the thousand in a fact probe (`[ -x "$c" ]` over candidate paths), and stack capture was most
 * of their cost. It still is an `instanceof Error` (its prototype chain says so).
 */
export class FsError {
  readonly name = 'FsError';
  readonly message: string;
  constructor(readonly code: Errno, readonly path: string) {
    this.message = `${path}: ${ERRNO[code]}`;
  }
  get text(): string {
    return ERRNO[this.code];
  }
}
Object.setPrototypeOf(FsError.prototype, Error.prototype);

/**
 * Synthetic subtrees (/proc, generated logs): given the path below the mount, the node or
 * undefined. `full`: the caller lists the directory (fill `kids`); otherwise a directory's
 * metadata is enough (walking through it, stat).
 */
export type Mount = (rel: string[], full: boolean) => Node | undefined;

interface MountTrie {
  mount?: Mount;
  kids: Map<string, MountTrie>;
}

export interface Cred {
  uid: number;
  gids: number[];
}

export const ROOT: Cred = { uid: 0, gids: [0] };

export function dir(kids: Record<string, Node> = {}, meta: Partial<Meta> = {}): DirNode {
  return { k: 'd', kids: new Map(Object.entries(kids)), mode: 0o755, uid: 0, gid: 0, mtime: 0, ...meta };
}

export function file(data: string, meta: Partial<Meta> & { prog?: string } = {}): FileNode {
  return { k: 'f', data, mode: 0o644, uid: 0, gid: 0, mtime: 0, ...meta };
}

export function link(target: string, meta: Partial<Meta> = {}): LinkNode {
  return { k: 'l', target, mode: 0o777, uid: 0, gid: 0, mtime: 0, ...meta };
}

export function splitPath(p: string): string[] {
  return p.split('/').filter((x) => x !== '' && x !== '.');
}

export function joinPath(parts: readonly string[]): string {
  return '/' + parts.join('/');
}

/** Components of an absolute path, `.` and `..` resolved lexically. */
function components(path: string, cwd: string): string[] {
  const out: string[] = [];
  const add = (s: string) => {
    let i = 0;
    while (i < s.length) {
      let j = s.indexOf('/', i);
      if (j < 0) j = s.length;
      if (j > i) {
        const c = j - i === 1 && s[i] === '.' ? null : s.slice(i, j);
        if (c === '..') out.pop();
        else if (c !== null) out.push(c);
      }
      i = j + 1;
    }
  };
  if (path[0] !== '/') add(cwd);
  add(path);
  return out;
}

/**
 * The path of the first n components. A lookup joins one only where it returns or needs one (a
 * symlink's relative target): a string and a hash per component was most of a lookup's cost.
 */
/** An absolute path with no empty, `.` or `..` component and no trailing slash. */
function isCanonical(p: string): boolean {
  if (p.charCodeAt(0) !== 47) return false;
  if (p.length === 1) return true;
  if (p.charCodeAt(p.length - 1) === 47) return false;
  for (let i = 0; i < p.length; i++) {
    if (p.charCodeAt(i) !== 47) continue;
    const a = p.charCodeAt(i + 1);
    if (a === 47) return false;
    if (a === 46) {
      const b = p.charCodeAt(i + 2);
      if (b !== b || b === 47 || (b === 46 && (i + 3 === p.length || p.charCodeAt(i + 3) === 47))) return false;
    }
  }
  return true;
}

/** The parent of a canonical path. */
function parentOf(p: string): string {
  const at = p.lastIndexOf('/');
  return at <= 0 ? '/' : p.slice(0, at);
}

function prefix(parts: readonly string[], n: number): string {
  return n === 0 ? '/' : '/' + parts.slice(0, n).join('/');
}

export function normalize(path: string, cwd: string): string {
  return '/' + components(path, cwd).join('/');
}

export interface Resolved {
  node: Node | undefined;
  /** Canonical path (symlinks resolved up to the last component; the last one too when followed). */
  path: string;
  parent: DirNode;
  parentPath: string;
  name: string;
  /** Below a synthetic mount (read-only): the mount and the path under it, for listing. */
  mount?: { fn: Mount; rel: string[] };
}

export interface FsOptions {
  /** Counts a durable change (tests prove a dry run changed nothing). */
  onMutation?: (path: string) => void;
  /** Writes that add data fail with ENOSPC (the disk-full fault). */
  diskFull?: () => boolean;
  now: () => number;
  mounts?: Record<string, Mount>;
}

export class Fs {
  private owned = new WeakSet<Node>();
  private readonly mountAt: Map<string, Mount>;
  /** The mount points by component, walked beside a lookup. */
  private readonly mountTrie: MountTrie = { kids: new Map() };
  /** Bumped on every change: caches over the tree (command lookup) key on it. */
  gen = 0;
  private memoGen = -1;
  private memoMap = new Map<string, unknown>();

  /** A value computed from the tree, kept until the tree changes (PATH lookups). */
  memo<T>(key: string, compute: () => T): T {
    this.freshMemo();
    if (this.memoMap.has(key)) return this.memoMap.get(key) as T;
    const v = compute();
    if (this.memoMap.size > 5000) this.memoMap.clear();
    this.memoMap.set(key, v);
    return v;
  }

  /**
   * Forget the memos (the end of a session): kept across sessions they were most of what a host
   * retained (tens of KB of PATH-lookup keys each, thousands of hosts), for little gain.
   */
  dropMemo(): void {
    this.memoMap = new Map();
    this.cmdTables = new WeakMap();
  }

  private freshMemo(): void {
    if (this.memoGen === this.gen) return;
    this.memoMap.clear();
    this.cmdTables = new WeakMap();
    this.memoGen = this.gen;
  }

  private cmdTables = new WeakMap<Cred, Map<string, Map<string, unknown>>>();

  /**
   * A table for command lookups under one credential and PATH, kept like memo(): nested maps
   * keyed by the very strings the shell holds (their hashes are cached), no key built per command.
   */
  commandTable(cred: Cred, path: string): Map<string, unknown> {
    this.freshMemo();
    let byPath = this.cmdTables.get(cred);
    if (!byPath) this.cmdTables.set(cred, (byPath = new Map()));
    let t = byPath.get(path);
    if (!t) byPath.set(path, (t = new Map()));
    return t;
  }

  constructor(public root: DirNode, private readonly opts: FsOptions) {
    this.mountAt = new Map(Object.entries(opts.mounts ?? {}).map(([k, v]) => [normalize(k, '/'), v]));
    for (const [p, fn] of this.mountAt) {
      let t = this.mountTrie;
      for (const c of splitPath(p)) {
        let k = t.kids.get(c);
        if (!k) t.kids.set(c, (k = { kids: new Map() }));
        t = k;
      }
      t.mount = fn;
    }
  }

  /** Walk to `path`. `follow`: resolve a symlink in the last component too. */
  resolve(path: string, cred: Cred, follow = true, cwd = '/'): Resolved {
    const r = this.lookup(path, cred, follow, cwd);
    if (r instanceof FsError) throw r;
    return r;
  }

  /** resolve() without throwing: the error is returned. */
  lookup(path: string, cred: Cred, follow = true, cwd = '/'): Resolved | FsError {
    let parts = components(path, cwd);
    // Until a symlink is followed, a path already in canonical form is its own result (no
    // component joins per lookup: the lab resolves thousands of paths per host probe).
    let canon = isCanonical(path);
    let hops = 0;
    restart: for (;;) {
      let cur: Node = this.root;
      let mount: Mount | undefined;
      let relStart = 0;
      let trie: MountTrie | undefined = this.mountTrie;
      if (parts.length === 0) return { node: this.root, path: '/', parent: this.root, parentPath: '/', name: '' };
      for (let i = 0; i < parts.length; i++) {
        const name = parts[i];
        if (cur.k !== 'd') return new FsError('ENOTDIR', prefix(parts, i));
        if (!canAccess(cur, cred, 1)) return new FsError('EACCES', prefix(parts, i + 1));
        const parent: DirNode = cur;
        let next: Node | undefined;
        if (mount) next = mount(parts.slice(relStart, i + 1), false);
        else {
          trie = trie?.kids.get(name);
          if (trie?.mount) {
            mount = trie.mount;
            relStart = i + 1;
            next = mount([], false);
          } else next = parent.kids.get(name);
        }
        const last = i === parts.length - 1;
        if (!next) {
          if (last) return { node: undefined, path: canon ? path : prefix(parts, i + 1), parent, parentPath: canon ? parentOf(path) : prefix(parts, i), name, mount: mount ? { fn: mount, rel: parts.slice(relStart) } : undefined };
          return new FsError('ENOENT', prefix(parts, i + 1));
        }
        // /proc/PID/exe of another user's process: even the link's target is not for others to see
        if (next.k === 'l' && next.rootOnly && cred.uid !== 0) return new FsError('EACCES', prefix(parts, i + 1));
        if (next.k === 'l' && (!last || follow)) {
          if (++hops > 40) return new FsError('ELOOP', path);
          const t = next.target;
          parts = components(t, t[0] === '/' ? '/' : prefix(parts, i)).concat(parts.slice(i + 1));
          canon = false;
          continue restart;
        }
        if (last) return { node: next, path: canon ? path : prefix(parts, i + 1), parent, parentPath: canon ? parentOf(path) : prefix(parts, i), name, mount: mount ? { fn: mount, rel: parts.slice(relStart) } : undefined };
        cur = next;
      }
    }
  }

  isMounted(path: string): boolean {
    const parts = splitPath(path);
    for (const at of this.mountAt.keys()) {
      const mp = splitPath(at);
      if (parts.length >= mp.length && mp.every((p, i) => parts[i] === p)) return true;
    }
    return false;
  }

  /** The node at path, or undefined; symlinks followed. Errors other than ENOENT propagate. */
  stat(path: string, cred: Cred, cwd = '/'): Node | undefined {
    return this.statOrErr(path, cred, true, cwd);
  }

  lstat(path: string, cred: Cred, cwd = '/'): Node | undefined {
    return this.statOrErr(path, cred, false, cwd);
  }

  private statOrErr(path: string, cred: Cred, follow: boolean, cwd: string): Node | undefined {
    const r = this.lookup(path, cred, follow, cwd);
    if (r instanceof FsError) {
      if (r.code === 'ENOENT' || r.code === 'ENOTDIR') return undefined;
      throw r;
    }
    return r.node;
  }

  /** The node, or undefined for any error (tests such as `[ -r ]` only need yes or no). */
  peek(path: string, cred: Cred, follow = true, cwd = '/'): Node | undefined {
    const r = this.lookup(path, cred, follow, cwd);
    return r instanceof FsError ? undefined : r.node;
  }

  readFile(path: string, cred: Cred, cwd = '/'): string {
    const r = this.resolve(path, cred, true, cwd);
    if (!r.node) throw new FsError('ENOENT', path);
    if (r.node.k === 'd') throw new FsError('EISDIR', path);
    if (r.node.k !== 'f') throw new FsError('ENOENT', path);
    if (!canAccess(r.node, cred, 4)) throw new FsError('EACCES', path);
    if (r.node.readAt) throw new FsError('EIO', path);
    return r.node.data;
  }

  /** Names in a directory, sorted as `ls` (C locale) sorts them. */
  list(path: string, cred: Cred, cwd = '/'): string[] {
    const r = this.resolve(path, cred, true, cwd);
    if (!r.node) throw new FsError('ENOENT', path);
    if (r.node.k !== 'd') throw new FsError('ENOTDIR', path);
    if (!canAccess(r.node, cred, 4)) throw new FsError('EACCES', path);
    const n = r.mount ? r.mount.fn(r.mount.rel, true) : r.node;
    if (!n || n.k !== 'd') throw new FsError('ENOTDIR', path);
    const names = [...n.kids.keys()];
    // mount points show in their parent directory like any entry
    for (const at of this.mountAt.keys()) {
      const slash = at.lastIndexOf('/');
      const parent = slash === 0 ? '/' : at.slice(0, slash);
      const name = at.slice(slash + 1);
      if (parent === r.path && !n.kids.has(name)) names.push(name);
    }
    return names.sort();
  }

  // ---- mutation (path copying) ----------------------------------------------------------------

  private own<T extends Node>(n: T): T {
    if (this.owned.has(n)) return n;
    const c = (n.k === 'd' ? { ...n, kids: new Map(n.kids) } : { ...n }) as T;
    this.owned.add(c);
    return c;
  }

  /** A writable copy of the directory at `parts` (every directory above it copied as needed). */
  private writableDir(parts: string[]): DirNode {
    this.root = this.own(this.root);
    let cur = this.root;
    for (const name of parts) {
      const next = cur.kids.get(name);
      if (!next || next.k !== 'd') throw new FsError(next ? 'ENOTDIR' : 'ENOENT', joinPath(parts));
      const mine = this.own(next);
      cur.kids.set(name, mine);
      cur = mine;
    }
    return cur;
  }

  private checkWritableParent(r: Resolved, cred: Cred): void {
    if (r.mount) throw new FsError('EACCES', r.path);
    if (!canAccess(r.parent, cred, 2)) throw new FsError('EACCES', r.path);
  }

  /** Put `node` at the (already resolved) location. */
  private put(r: Resolved, node: Node | null): void {
    const d = this.writableDir(splitPath(r.parentPath));
    if (node) {
      this.owned.add(node);
      d.kids.set(r.name, node);
    } else d.kids.delete(r.name);
    d.mtime = this.opts.now();
    this.gen++;
    this.opts.onMutation?.(r.path);
  }

  /** open(O_CREAT|O_TRUNC) or O_APPEND; returns the canonical path written to. */
  writeFile(path: string, data: string, cred: Cred, opts: { append?: boolean; mode?: number; cwd?: string; exclusive?: boolean } = {}): string {
    const r = this.resolve(path, cred, true, opts.cwd ?? '/');
    if (r.node?.k === 'd') throw new FsError('EISDIR', path);
    if (r.node?.k === 'f' && r.node.dev === 'null') {
      if (!canAccess(r.node, cred, 2)) throw new FsError('EACCES', path);
      return r.path;
    }
    if (r.node && opts.exclusive) throw new FsError('EEXIST', path);
    if (r.node) {
      if (!canAccess(r.node, cred, 2)) throw new FsError('EACCES', path);
      if (r.mount) throw new FsError('EACCES', path);
    } else this.checkWritableParent(r, cred);
    if (data.length > 0 && this.opts.diskFull?.()) {
      // The file is created/truncated first, then the write fails: as a real full disk does.
      if (!r.node || !opts.append) this.put(r, { k: 'f', data: '', mode: r.node?.mode ?? (opts.mode ?? 0o666) & ~0o022, uid: r.node?.uid ?? cred.uid, gid: r.node?.gid ?? cred.gids[0], mtime: this.opts.now() });
      throw new FsError('ENOSPC', path);
    }
    const old = r.node as FileNode | undefined;
    const next: FileNode = {
      k: 'f',
      data: opts.append && old ? old.data + data : data,
      mode: old ? old.mode : (opts.mode ?? 0o666) & ~0o022,
      uid: old ? old.uid : cred.uid,
      gid: old ? old.gid : cred.gids[0],
      mtime: this.opts.now(),
    };
    this.put(r, next);
    return r.path;
  }

  mkdir(path: string, cred: Cred, mode = 0o755, cwd = '/'): void {
    const r = this.resolve(path, cred, false, cwd);
    if (r.node) throw new FsError('EEXIST', path);
    this.checkWritableParent(r, cred);
    this.put(r, { k: 'd', kids: new Map(), mode, uid: cred.uid, gid: cred.gids[0], mtime: this.opts.now() });
  }

  symlink(target: string, path: string, cred: Cred, cwd = '/'): void {
    const r = this.resolve(path, cred, false, cwd);
    if (r.node) throw new FsError('EEXIST', path);
    this.checkWritableParent(r, cred);
    this.put(r, { k: 'l', target, mode: 0o777, uid: cred.uid, gid: cred.gids[0], mtime: this.opts.now() });
  }

  /** unlink(2) or rmdir(2). */
  remove(path: string, cred: Cred, cwd = '/', allowDir = false): void {
    const r = this.resolve(path, cred, false, cwd);
    if (!r.node) throw new FsError('ENOENT', path);
    if (r.node.k === 'd') {
      if (!allowDir) throw new FsError('EISDIR', path);
      if (r.node.kids.size) throw new FsError('ENOTEMPTY', path);
    }
    this.checkWritableParent(r, cred);
    this.put(r, null);
  }

  /** rename(2): replaces a file at the destination atomically. */
  rename(from: string, to: string, cred: Cred, cwd = '/'): void {
    const a = this.resolve(from, cred, false, cwd);
    if (!a.node) throw new FsError('ENOENT', from);
    let b = this.resolve(to, cred, false, cwd);
    if (b.node?.k === 'd' && a.node.k !== 'd') {
      b = this.resolve(`${b.path}/${a.name}`, cred, false, cwd);
    }
    if (b.node?.k === 'd' && a.node.k === 'd' && b.node.kids.size) throw new FsError('ENOTEMPTY', to);
    this.checkWritableParent(a, cred);
    this.checkWritableParent(b, cred);
    const node = a.node;
    this.put(a, null);
    const b2 = this.resolve(b.path, cred, false, '/');
    this.put(b2, { ...node });
  }

  /** Replace a node's metadata (chmod/chown/touch). */
  setMeta(path: string, cred: Cred, change: Partial<Meta>, cwd = '/'): void {
    const r = this.resolve(path, cred, true, cwd);
    if (!r.node) throw new FsError('ENOENT', path);
    if (r.mount) throw new FsError('EPERM', path);
    if (cred.uid !== 0 && (change.uid !== undefined || change.gid !== undefined)) throw new FsError('EPERM', path);
    if (cred.uid !== 0 && r.node.uid !== cred.uid) throw new FsError('EPERM', path);
    this.put(r, { ...r.node, ...change } as Node);
  }

  /** Put a prepared node (host model: package installs, service state). Bypasses permissions. */
  install(path: string, node: Node | null): void {
    const parts = splitPath(path);
    for (let i = 1; i < parts.length; i++) {
      const p = joinPath(parts.slice(0, i));
      const r = this.resolve(p, ROOT, true);
      if (!r.node) this.put(r, { k: 'd', kids: new Map(), mode: 0o755, uid: 0, gid: 0, mtime: this.opts.now() });
    }
    const r = this.resolve(path, ROOT, false);
    if (!node && !r.node) return;
    this.put(r, node);
  }
}

/** Unix permission check: bit 4 read, 2 write, 1 execute/search. Root passes (but x needs some x bit). */
export function canAccess(n: Node, cred: Cred, bit: 1 | 2 | 4): boolean {
  if (cred.uid === 0) return bit !== 1 || n.k === 'd' || (n.mode & 0o111) !== 0;
  if (n.rootOnly) return false;
  if (n.k === 'l') return true;
  const shift = n.uid === cred.uid ? 6 : cred.gids.includes(n.gid) ? 3 : 0;
  return ((n.mode >> shift) & bit) !== 0;
}
