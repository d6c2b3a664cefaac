// coreutils that look at or change files: ls, stat, readlink, dirname, basename, mktemp, mkdir,
// rm, rmdir, mv, cp, ln, chmod, chown, touch. Messages and exit codes as GNU coreutils prints them.
import { FsError, normalize, splitPath, ROOT, type Node } from '../fs.js';
import { Io, type Program } from '../shell/process.js';

/** Options first (until `--` or the first operand), as getopt does for these tools. */
function opts(argv: string[], withArg = ''): { flags: Set<string>; vals: Map<string, string>; ops: string[] } {
  const flags = new Set<string>();
  const vals = new Map<string, string>();
  const ops: string[] = [];
  let i = 1;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') { i++; break; }
    if (a.startsWith('--') && a.length > 2) { flags.add(a); continue; }
    if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const c = a[j];
        if (withArg.includes(c)) {
          vals.set(c, a.slice(j + 1) || argv[++i] || '');
          break;
        }
        flags.add(c);
      }
      continue;
    }
    ops.push(a);
  }
  ops.push(...argv.slice(i));
  return { flags, vals, ops };
}

const q = (s: string) => `'${s}'`;

function typeName(n: Node): string {
  if (n.k === 'f' && n.dev) return 'character special file';
  if (n.k === 'd') return 'directory';
  if (n.k === 'l') return 'symbolic link';
  return n.data.length === 0 && !n.readAt ? 'regular empty file' : 'regular file';
}

function modeString(n: Node): string {
  const t = n.k === 'd' ? 'd' : n.k === 'l' ? 'l' : n.dev ? 'c' : '-';
  const bits = 'rwxrwxrwx';
  let s = '';
  for (let i = 0; i < 9; i++) s += n.mode & (1 << (8 - i)) ? bits[i] : '-';
  return t + s;
}

export const ls: Program = (p) => {
  const io = new Io(p, 'ls');
  const o = opts(p.argv);
  const long = o.flags.has('l');
  const all = o.flags.has('a');
  const dirAsFile = o.flags.has('d');
  const byTime = o.flags.has('t');
  const reverse = o.flags.has('r');
  const ops = o.ops.length ? o.ops : ['.'];
  let rc = 0;
  const files: { name: string; n: Node }[] = [];
  const dirs: { name: string; n: Node }[] = [];
  for (const f of ops) {
    let n: Node | undefined;
    try {
      n = p.m.fs.stat(f, p.cred, p.cwd) ?? p.m.fs.lstat(f, p.cred, p.cwd);
    } catch (e) {
      io.err(`ls: cannot access ${q(f)}: ${(e as FsError).text}\n`);
      rc = 2;
      continue;
    }
    if (!n) { io.err(`ls: cannot access ${q(f)}: No such file or directory\n`); rc = 2; continue; }
    if (n.k === 'd' && !dirAsFile) dirs.push({ name: f, n }); else files.push({ name: f, n });
  }
  const order = (xs: { name: string; n: Node }[]) => {
    const s = [...xs].sort((a, b) => (byTime ? b.n.mtime - a.n.mtime || (a.name < b.name ? -1 : 1) : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return reverse ? s.reverse() : s;
  };
  const line = (name: string, n: Node) => long
    ? `${modeString(n)} 1 ${p.m.userName(n.uid) ?? n.uid} ${p.m.groupName(n.gid) ?? n.gid} ${n.k === 'f' ? n.data.length : 4096} ${new Date(n.mtime * 1000).toISOString().slice(0, 16).replace('T', ' ')} ${name}${n.k === 'l' ? ` -> ${n.target}` : ''}\n`
    : `${name}\n`;
  for (const f of order(files)) io.out(line(f.name, f.n));
  for (const d of order(dirs)) {
    if (files.length || dirs.length > 1) io.out(`${files.length || d !== order(dirs)[0] ? '\n' : ''}${d.name}:\n`);
    let names: string[];
    try {
      names = p.m.fs.list(d.name, p.cred, p.cwd);
    } catch (e) {
      io.err(`ls: cannot open directory ${q(d.name)}: ${(e as FsError).text}\n`);
      rc = 2;
      continue;
    }
    const kids = names.filter((x) => all || !x.startsWith('.')).map((x) => {
      const path = `${d.name.replace(/\/$/, '')}/${x}`;
      let n: Node | undefined;
      try { n = p.m.fs.lstat(path, p.cred, p.cwd); } catch { n = undefined; }
      return { name: x, n: n ?? d.n };
    });
    for (const k of order(kids)) io.out(line(k.name, k.n));
  }
  return rc;
};

export const stat: Program = (p) => {
  const io = new Io(p, 'stat');
  const o = opts(p.argv, 'c');
  const fmt = o.vals.get('c');
  const deref = o.flags.has('L');
  let rc = 0;
  for (const f of o.ops) {
    let n: Node | undefined;
    try {
      n = deref ? p.m.fs.stat(f, p.cred, p.cwd) : p.m.fs.lstat(f, p.cred, p.cwd);
    } catch (e) {
      io.err(`stat: cannot statx ${q(f)}: ${(e as FsError).text}\n`);
      rc = 1;
      continue;
    }
    if (!n) { io.err(`stat: cannot statx ${q(f)}: No such file or directory\n`); rc = 1; continue; }
    if (!fmt) {
      io.out(`  File: ${f}\n  Size: ${n.k === 'f' ? n.data.length : 4096}\n Access: (0${(n.mode & 0o7777).toString(8)}/${modeString(n)})  Uid: (${n.uid}/${p.m.userName(n.uid)})   Gid: (${n.gid}/${p.m.groupName(n.gid)})\n`);
      continue;
    }
    const node = n;
    io.out(fmt.replace(/%([a-zA-Z%])/g, (_, c: string) => {
      switch (c) {
        case 'a': return (node.mode & 0o7777).toString(8);
        case 'A': return modeString(node);
        case 'U': return p.m.userName(node.uid) ?? 'UNKNOWN';
        case 'G': return p.m.groupName(node.gid) ?? 'UNKNOWN';
        case 'u': return String(node.uid);
        case 'g': return String(node.gid);
        case 'F': return typeName(node);
        case 's': return String(node.k === 'f' ? node.data.length : node.k === 'l' ? node.target.length : 4096);
        case 'n': return f;
        case 'N': return node.k === 'l' ? `${q(f)} -> ${q(node.target)}` : q(f);
        case 'Y': case 'Z': case 'X': return String(Math.floor(node.mtime));
        case 'y': return new Date(node.mtime * 1000).toISOString().replace('T', ' ').replace('Z', ' +0000');
        case 'i': return '1';
        case 'h': return '1';
        case '%': return '%';
      }
      return '?';
    }) + '\n');
  }
  return rc;
};

/** Canonical path: `all` requires every component to exist (-e), else all but the last (-f). */
function canon(p: Parameters<Program>[0], path: string, mode: 'f' | 'e' | 'm'): string | null {
  const fs = p.m.fs;
  let parts = splitPath(normalize(path, p.cwd));
  let hops = 0;
  const done: string[] = [];
  while (parts.length) {
    const name = parts.shift()!;
    if (name === '..') { done.pop(); continue; }
    const cur = '/' + [...done, name].join('/');
    let n: Node | undefined;
    try { n = fs.lstat(cur, p.cred); } catch { n = undefined; }
    if (!n) {
      if (mode === 'm' || (mode === 'f' && parts.length === 0)) { done.push(name); continue; }
      return null;
    }
    if (n.k === 'l') {
      if (++hops > 40) return null;
      const t = n.target;
      parts = [...splitPath(t), ...parts];
      if (t.startsWith('/')) done.length = 0;
      continue;
    }
    if (parts.length && n.k !== 'd') return null;
    done.push(name);
  }
  return '/' + done.join('/');
}

export const readlink: Program = (p) => {
  const io = new Io(p, 'readlink');
  const o = opts(p.argv);
  const mode = o.flags.has('f') ? 'f' : o.flags.has('e') ? 'e' : o.flags.has('m') ? 'm' : null;
  let rc = 0;
  for (const f of o.ops) {
    if (mode) {
      const r = canon(p, f, mode);
      if (r === null) { rc = 1; continue; }
      io.out(r + '\n');
      continue;
    }
    let n: Node | undefined;
    try { n = p.m.fs.lstat(f, p.cred, p.cwd); } catch { n = undefined; }
    if (!n || n.k !== 'l') { rc = 1; continue; }
    io.out(n.target + '\n');
  }
  if (o.ops.length === 0) return io.fail('missing operand');
  return rc;
};

export const realpath: Program = (p) => {
  const io = new Io(p, 'realpath');
  const o = opts(p.argv);
  let rc = 0;
  for (const f of o.ops) {
    const r = canon(p, f, o.flags.has('m') ? 'm' : o.flags.has('e') ? 'e' : 'f');
    if (r === null) { io.err(`realpath: ${f}: No such file or directory\n`); rc = 1; continue; }
    io.out(r + '\n');
  }
  return rc;
};

export function dirnameOf(s: string): string {
  if (s === '') return '.';
  let t = s.replace(/\/+$/, '');
  if (t === '') return '/';
  const i = t.lastIndexOf('/');
  if (i < 0) return '.';
  t = t.slice(0, i).replace(/\/+$/, '');
  return t === '' ? '/' : t;
}

export const dirname: Program = (p) => {
  const o = opts(p.argv);
  if (!o.ops.length) return new Io(p, 'dirname').fail('missing operand');
  for (const f of o.ops) new Io(p, 'dirname').out(dirnameOf(f) + '\n');
  return 0;
};

export const basename: Program = (p) => {
  const o = opts(p.argv);
  if (!o.ops.length) return new Io(p, 'basename').fail('missing operand');
  let b = o.ops[0].replace(/\/+$/, '');
  b = b === '' && o.ops[0].startsWith('/') ? '/' : b.slice(b.lastIndexOf('/') + 1);
  const suf = o.ops[1];
  if (suf && b !== suf && b.endsWith(suf)) b = b.slice(0, -suf.length);
  new Io(p, 'basename').out(b + '\n');
  return 0;
};

let tmpCounter = 0;
export const mktemp: Program = (p) => {
  const io = new Io(p, 'mktemp');
  const o = opts(p.argv, 'p');
  const dirMode = o.flags.has('d');
  let tpl = o.ops[0] ?? 'tmp.XXXXXXXXXX';
  if (!tpl.includes('/') && (o.vals.has('p') || o.flags.has('t') || !o.ops.length)) tpl = `${o.vals.get('p') || p.env.get('TMPDIR') || '/tmp'}/${tpl}`;
  const m = /X{3,}$/.exec(tpl);
  if (!m) return io.fail(`too few X's in template ${q(tpl)}`);
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  for (let attempt = 0; attempt < 100; attempt++) {
    let seed = Math.floor(p.m.now() * 1000) + ++tmpCounter * 7919 + attempt;
    let rnd = '';
    for (let i = 0; i < m[0].length; i++) { rnd += alphabet[seed % 62]; seed = Math.floor(seed / 62) + i * 31 + 17; }
    const path = tpl.slice(0, m.index) + rnd;
    try {
      if (dirMode) p.m.fs.mkdir(path, p.cred, 0o700, p.cwd);
      else p.m.fs.writeFile(path, '', p.cred, { exclusive: true, mode: 0o600, cwd: p.cwd });
      if (!dirMode) p.m.fs.setMeta(path, p.cred, { mode: 0o600 }, p.cwd);
      io.out(path + '\n');
      return 0;
    } catch (e) {
      if (e instanceof FsError && e.code === 'EEXIST') continue;
      return io.fail(`failed to create ${dirMode ? 'directory' : 'file'} via template ${q(tpl)}: ${(e as FsError).text}`);
    }
  }
  return io.fail('too many attempts');
};

export const mkdir: Program = (p) => {
  const io = new Io(p, 'mkdir');
  const o = opts(p.argv, 'm');
  const mode = o.vals.has('m') ? parseInt(o.vals.get('m')!, 8) : 0o755;
  let rc = 0;
  for (const f of o.ops) {
    const abs = normalize(f, p.cwd);
    const parts = splitPath(abs);
    const targets = o.flags.has('p') ? parts.map((_, i) => '/' + parts.slice(0, i + 1).join('/')) : [abs];
    for (const t of targets) {
      try {
        const n = p.m.fs.stat(t, p.cred);
        if (n && o.flags.has('p')) {
          if (n.k !== 'd') { io.err(`mkdir: cannot create directory ${q(f)}: Not a directory\n`); rc = 1; break; }
          continue;
        }
        p.m.fs.mkdir(t, p.cred, t === abs ? mode : 0o755);
      } catch (e) {
        io.err(`mkdir: cannot create directory ${q(f)}: ${(e as FsError).text}\n`);
        rc = 1;
        break;
      }
    }
  }
  if (!o.ops.length) return io.fail('missing operand');
  return rc;
};

export const rm: Program = (p) => {
  const io = new Io(p, 'rm');
  const o = opts(p.argv);
  const force = o.flags.has('f');
  const rec = o.flags.has('r') || o.flags.has('R');
  let rc = 0;
  const removeTree = (path: string): void => {
    const n = p.m.fs.lstat(path, p.cred, p.cwd);
    if (n?.k === 'd') {
      for (const k of p.m.fs.list(path, p.cred, p.cwd)) removeTree(`${path}/${k}`);
      p.m.fs.remove(path, p.cred, p.cwd, true);
    } else p.m.fs.remove(path, p.cred, p.cwd);
  };
  for (const f of o.ops) {
    try {
      const n = p.m.fs.lstat(f, p.cred, p.cwd);
      if (!n) { if (!force) { io.err(`rm: cannot remove ${q(f)}: No such file or directory\n`); rc = 1; } continue; }
      if (n.k === 'd' && !rec) { io.err(`rm: cannot remove ${q(f)}: Is a directory\n`); rc = 1; continue; }
      removeTree(f);
    } catch (e) {
      io.err(`rm: cannot remove ${q(f)}: ${(e as FsError).text}\n`);
      rc = 1;
    }
  }
  if (!o.ops.length && !force) return io.fail('missing operand');
  return rc;
};

export const rmdir: Program = (p) => {
  const io = new Io(p, 'rmdir');
  let rc = 0;
  for (const f of opts(p.argv).ops) {
    try {
      const n = p.m.fs.lstat(f, p.cred, p.cwd);
      if (!n) throw new FsError('ENOENT', f);
      if (n.k !== 'd') throw new FsError('ENOTDIR', f);
      p.m.fs.remove(f, p.cred, p.cwd, true);
    } catch (e) {
      io.err(`rmdir: failed to remove ${q(f)}: ${(e as FsError).text}\n`);
      rc = 1;
    }
  }
  return rc;
};

export const mv: Program = (p) => {
  const io = new Io(p, 'mv');
  const o = opts(p.argv);
  if (o.ops.length < 2) return io.fail(o.ops.length ? `missing destination file operand after ${q(o.ops[0])}` : 'missing file operand');
  const dest = o.ops[o.ops.length - 1];
  let rc = 0;
  for (const src of o.ops.slice(0, -1)) {
    try {
      if (!p.m.fs.lstat(src, p.cred, p.cwd)) { io.err(`mv: cannot stat ${q(src)}: No such file or directory\n`); rc = 1; continue; }
      p.m.fs.rename(src, dest, p.cred, p.cwd);
    } catch (e) {
      io.err(`mv: cannot move ${q(src)} to ${q(dest)}: ${(e as FsError).text}\n`);
      rc = 1;
    }
  }
  return rc;
};

export const cp: Program = (p) => {
  const io = new Io(p, 'cp');
  const o = opts(p.argv);
  if (o.ops.length < 2) return io.fail('missing file operand');
  const keep = o.flags.has('p') || o.flags.has('a');
  const dest = o.ops[o.ops.length - 1];
  let rc = 0;
  for (const src of o.ops.slice(0, -1)) {
    try {
      const n = p.m.fs.stat(src, p.cred, p.cwd);
      if (!n) { io.err(`cp: cannot stat ${q(src)}: No such file or directory\n`); rc = 1; continue; }
      if (n.k === 'd') { io.err(`cp: -r not specified; omitting directory ${q(src)}\n`); rc = 1; continue; }
      const data = p.m.fs.readFile(src, p.cred, p.cwd);
      const d = p.m.fs.stat(dest, p.cred, p.cwd);
      const target = d?.k === 'd' ? `${dest}/${src.split('/').pop()}` : dest;
      p.m.fs.writeFile(target, data, p.cred, { cwd: p.cwd, mode: n.mode });
      if (keep) p.m.fs.setMeta(target, p.cred.uid === 0 ? p.cred : p.cred, p.cred.uid === 0 ? { mode: n.mode, uid: n.uid, gid: n.gid, mtime: n.mtime } : { mode: n.mode }, p.cwd);
    } catch (e) {
      io.err(`cp: cannot create regular file ${q(dest)}: ${(e as FsError).text}\n`);
      rc = 1;
    }
  }
  return rc;
};

export const ln: Program = (p) => {
  const io = new Io(p, 'ln');
  const o = opts(p.argv);
  if (!o.flags.has('s')) return io.fail('hard links are not supported in the lab');
  const [target, name] = o.ops;
  if (!target || !name) return io.fail('missing file operand');
  try {
    const ex = p.m.fs.lstat(name, p.cred, p.cwd);
    if (ex && ex.k === 'd' && !o.flags.has('n')) return io.fail(`failed to create symbolic link ${q(name)}: File exists`);
    if (ex && o.flags.has('f')) p.m.fs.remove(name, p.cred, p.cwd);
    p.m.fs.symlink(target, name, p.cred, p.cwd);
    return 0;
  } catch (e) {
    return io.fail(`failed to create symbolic link ${q(name)}: ${(e as FsError).text}`);
  }
};

function parseMode(spec: string, old: number, isDir: boolean): number | null {
  if (/^[0-7]{1,4}$/.test(spec)) return parseInt(spec, 8);
  let mode = old;
  for (const clause of spec.split(',')) {
    const m = /^([ugoa]*)([-+=])([rwxXst]*)$/.exec(clause);
    if (!m) return null;
    const who = m[1] || 'a';
    let bits = 0;
    for (const c of m[3]) {
      if (c === 'r') bits |= 0o444;
      if (c === 'w') bits |= 0o222;
      if (c === 'x' || (c === 'X' && (isDir || old & 0o111))) bits |= 0o111;
    }
    let mask = 0;
    if (who.includes('u') || who.includes('a')) mask |= 0o700;
    if (who.includes('g') || who.includes('a')) mask |= 0o070;
    if (who.includes('o') || who.includes('a')) mask |= 0o007;
    bits &= mask;
    if (m[2] === '+') mode |= bits;
    else if (m[2] === '-') mode &= ~bits;
    else mode = (mode & ~mask) | bits;
  }
  return mode;
}

export const chmod: Program = (p) => {
  const io = new Io(p, 'chmod');
  const args = p.argv.slice(1).filter((a) => a !== '--');
  const [spec, ...files] = args;
  if (!spec || !files.length) return io.fail('missing operand');
  let rc = 0;
  for (const f of files) {
    const n = p.m.fs.stat(f, p.cred, p.cwd);
    if (!n) { io.err(`chmod: cannot access ${q(f)}: No such file or directory\n`); rc = 1; continue; }
    const mode = parseMode(spec, n.mode, n.k === 'd');
    if (mode === null) return io.fail(`invalid mode: ${q(spec)}`);
    try {
      p.m.fs.setMeta(f, p.cred, { mode }, p.cwd);
    } catch (e) {
      io.err(`chmod: changing permissions of ${q(f)}: ${(e as FsError).text}\n`);
      rc = 1;
    }
  }
  return rc;
};

export const chown: Program = (p) => {
  const io = new Io(p, 'chown');
  const args = p.argv.slice(1).filter((a) => a !== '--' && a !== '-h' && a !== '-R');
  const [spec, ...files] = args;
  if (!spec || !files.length) return io.fail('missing operand');
  const [u, g] = spec.split(/[:.]/);
  const uid = u ? (/^\d+$/.test(u) ? Number(u) : p.m.userId(u)) : undefined;
  const gid = g ? (/^\d+$/.test(g) ? Number(g) : p.m.groupId(g)) : undefined;
  if (u && uid === undefined) return io.fail(`invalid user: ${q(spec)}`);
  if (g && gid === undefined) return io.fail(`invalid group: ${q(spec)}`);
  let rc = 0;
  for (const f of files) {
    try {
      const n = p.m.fs.stat(f, p.cred, p.cwd);
      if (!n) { io.err(`chown: cannot access ${q(f)}: No such file or directory\n`); rc = 1; continue; }
      const change: { uid?: number; gid?: number } = {};
      if (uid !== undefined) change.uid = uid;
      if (gid !== undefined) change.gid = gid;
      p.m.fs.setMeta(f, p.cred.uid === 0 ? ROOT : p.cred, change, p.cwd);
    } catch (e) {
      io.err(`chown: changing ownership of ${q(f)}: ${(e as FsError).text}\n`);
      rc = 1;
    }
  }
  return rc;
};

export const touch: Program = (p) => {
  const io = new Io(p, 'touch');
  let rc = 0;
  for (const f of opts(p.argv).ops) {
    try {
      if (p.m.fs.stat(f, p.cred, p.cwd)) p.m.fs.setMeta(f, p.cred, { mtime: p.m.now() }, p.cwd);
      else p.m.fs.writeFile(f, '', p.cred, { cwd: p.cwd });
    } catch (e) {
      io.err(`touch: cannot touch ${q(f)}: ${(e as FsError).text}\n`);
      rc = 1;
    }
  }
  return rc;
};
