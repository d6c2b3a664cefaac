// A real root for the corpus test: a lab host's files written to a scratch directory, where the
// real dash and the real coreutils/sed/awk/grep run (chroot). Programs the lab models from its
// host model (apache2, curl, php, dpkg-query, date, ps…) are replayed there: a shim prints what
// the lab's model printed for the same program and arguments, so both sides run the same shell
// around the same answers and any difference is the lab's shell or core tools.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, lchownSync, lutimesSync, mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { file, ROOT, type Node } from '../../src/lab/fs.js';
import type { Host } from '../../src/lab/host.js';
import type { Program } from '../../src/lab/shell/process.js';
import { bufText, outBuf } from '../../src/lab/shell/process.js';

/** Lab programs that are the real tools in the real root (their lab file gets the real bytes). */
const REAL: Record<string, string> = {
  sh: 'dash', dash: 'dash', bash: 'bash', ls: 'ls', stat: 'stat', readlink: 'readlink', realpath: 'realpath', dirname: 'dirname',
  basename: 'basename', mktemp: 'mktemp', mkdir: 'mkdir', rm: 'rm', rmdir: 'rmdir', mv: 'mv', cp: 'cp', ln: 'ln', chmod: 'chmod',
  chown: 'chown', touch: 'touch', cat: 'cat', head: 'head', tail: 'tail', grep: 'grep', egrep: 'egrep', sed: 'sed', tr: 'tr',
  cut: 'cut', sort: 'sort', uniq: 'uniq', wc: 'wc', tee: 'tee', base64: 'base64', sha256sum: 'sha256sum', md5sum: 'md5sum',
  sha1sum: 'sha1sum', od: 'od', dd: 'dd', gzip: 'gzip', gunzip: 'gunzip', zcat: 'zcat', awk: 'mawk', mawk: 'mawk', gawk: 'mawk',
  sleep: 'sleep', env: 'env', timeout: 'timeout', nohup: 'nohup', which: 'which', seq: 'seq', xargs: 'xargs', echo: 'echo',
  printf: 'printf', test: 'test', '[': '[', true: 'true', false: 'false',
};

export interface Call {
  /** Who called (some answers depend on it: id -u). */
  user: string;
  name: string;
  args: string[];
  stdout: string;
  stderr: string;
  code: number;
}

/** Root, the tools, chroot and dash present: the corpus can run. */
export function realRootSupported(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (chroot)';
  for (const t of ['dash', 'mawk', 'chroot', 'ldd']) if (spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0) return `needs ${t}`;
  return null;
}

function which(name: string): string {
  for (const d of ['/usr/bin', '/bin', '/usr/sbin', '/sbin']) {
    if (existsSync(`${d}/${name}`)) return realpathSync(`${d}/${name}`);
  }
  throw new Error(`no ${name} on this machine`);
}

const binaries = new Map<string, { bytes: string; libs: string[] }>();

/** A real tool's bytes and the shared libraries it loads (read once per test process). */
function realBinary(name: string): { bytes: string; libs: string[] } {
  if (!binaries.size) {
    // one ldd for all of them: `path:` headers, then that binary's libraries
    const names = [...new Set(Object.values(REAL))];
    const paths = names.map(which);
    const out = spawnSync('ldd', paths, { encoding: 'utf8' }).stdout;
    const libsOf = new Map<string, string[]>();
    let cur = '';
    for (const line of out.split('\n')) {
      if (/^\S.*:$/.test(line)) { cur = line.slice(0, -1); libsOf.set(cur, []); continue; }
      const m = /=>\s+(\/\S+)/.exec(line);
      if (m && cur) libsOf.get(cur)!.push(m[1]);
    }
    names.forEach((n, i) => binaries.set(n, { bytes: readFileSync(paths[i]).toString('latin1'), libs: libsOf.get(paths[i]) ?? [] }));
  }
  const b = binaries.get(name);
  if (!b) throw new Error(`no ${name} on this machine`);
  return b;
}

/** Record every call of a modelled program on this host (name as invoked, args, output, status). */
export function recordCalls(h: Host): Call[] {
  const calls: Call[] = [];
  const m = h.machine();
  const orig = m.program.bind(m);
  m.program = (name: string): Program | undefined => {
    const p = orig(name);
    if (!p || name in REAL) return p;
    return (proc) => {
      const out = outBuf();
      const err = outBuf();
      const fds = new Map(proc.fds);
      fds.set(1, out);
      fds.set(2, err);
      const code = p({ ...proc, fds });
      const call = { user: proc.env.get('USER') ?? '', name: proc.argv[0].split('/').pop()!, args: proc.argv.slice(1), stdout: bufText(out), stderr: bufText(err), code };
      calls.push(call);
      const w = (n: number, s: string) => {
        const fd = proc.fds.get(n);
        if (!s || !fd) return;
        if (fd.k === 'buf') { fd.chunks.push(s); fd.size += s.length; } else if (fd.k === 'file') proc.m.fs.writeFile(fd.path, s, proc.cred, { append: true });
      };
      w(1, call.stdout);
      w(2, call.stderr);
      return code;
    };
  };
  return calls;
}

const sq = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

/** A shell script answering the recorded calls of one program (anything else: exit 99). */
function shim(calls: Call[]): string {
  const b64 = (s: string) => Buffer.from(s, 'latin1').toString('base64');
  const arms = new Map<string, string>();
  for (const c of calls) {
    // a quoted case pattern matches literally: who, which name, the arguments
    const key = `${c.user}|${c.name}|${c.args.join(' ')}`;
    arms.set(key, `${sq(key)}) printf '%s' '${b64(c.stdout)}' | base64 -d; printf '%s' '${b64(c.stderr)}' | base64 -d >&2; exit ${c.code};;`);
  }
  return `#!/bin/sh
# corpus replay: what the lab's model answered for these arguments
case "$USER|\${0##*/}|$*" in
${[...arms.values()].join('\n')}
*) echo "corpus: unrecorded call: \${0##*/} $*" >&2; exit 99;;
esac
`;
}

/**
 * Make the host's files match what the real root will hold: real bytes for the real tools (the
 * lab still runs its own implementation by the file's program tag), replay shims for the
 * modelled programs, the real dynamic loader and libraries in /.real.
 */
export function prepareHost(h: Host, calls: Call[]): void {
  const fs = h.machine().fs;
  const libs = new Set<string>();
  const walk = (path: string) => {
    for (const name of fs.list(path, ROOT)) {
      const p = path === '/' ? `/${name}` : `${path}/${name}`;
      if (p === '/proc' || p === '/dev') continue;
      const n = fs.lstat(p, ROOT);
      if (!n) continue;
      if (n.k === 'd') { walk(p); continue; }
      if (n.k !== 'f' || !n.prog) continue;
      const real = REAL[n.prog];
      if (real) {
        const b = realBinary(real);
        fs.install(p, { ...file(b.bytes, { mode: n.mode }), prog: n.prog, mtime: n.mtime });
        for (const l of b.libs) libs.add(l);
      } else {
        fs.install(p, { ...file(shim(calls), { mode: n.mode }), prog: n.prog, mtime: n.mtime });
      }
    }
  };
  walk('/');
  for (const l of libs) fs.install(`/.real/lib/${l.split('/').pop()}`, file(readFileSync(l).toString('latin1'), { mode: 0o755 }));
  fs.install('/.real/ld.so', file(readFileSync(realpathSync('/lib64/ld-linux-x86-64.so.2')).toString('latin1'), { mode: 0o755 }));
  // the program interpreter path every real binary names, wherever /lib64 leads on this image
  const lib64 = fs.lstat('/lib64', ROOT);
  const interp = lib64?.k === 'l' ? '/usr/lib64/ld-linux-x86-64.so.2' : '/lib64/ld-linux-x86-64.so.2';
  fs.install(interp, file(readFileSync(realpathSync('/lib64/ld-linux-x86-64.so.2')).toString('latin1'), { mode: 0o755 }));
  fs.install('/.real/run', file(`#!/bin/sh\ncd "$HOME" 2>/dev/null || cd /\nexec sh -c "$1"\n`, { mode: 0o755 }));
}

/** Write the host's whole tree (as root sees it, /proc included) under `dir`. */
export function materialize(h: Host, dir: string): void {
  const fs = h.machine().fs;
  const meta = (p: string, n: Node) => {
    lchownSync(p, n.uid, n.gid);
    // what only root may read (a root process's maps): no access for anyone else
    if (n.k !== 'l') chmodSync(p, n.rootOnly ? n.mode & 0o7700 : n.mode & 0o7777);
    lutimesSync(p, n.mtime, n.mtime);
  };
  const walk = (path: string, out: string) => {
    const dirs: [string, Node][] = [];
    for (const name of fs.list(path, ROOT)) {
      const p = path === '/' ? `/${name}` : `${path}/${name}`;
      const o = join(out, name);
      const n = fs.lstat(p, ROOT);
      if (!n) continue;
      if (n.k === 'd') {
        mkdirSync(o);
        walk(p, o);
        dirs.push([o, n]);
      } else if (n.k === 'l') {
        symlinkSync(n.target, o);
        meta(o, n);
      } else if (n.dev === 'null') {
        spawnSync('mknod', ['-m', '666', o, 'c', '1', '3']);
      } else if (n.readAt) {
        continue; // /proc/PID/mem: no file can stand for it
      } else {
        writeFileSync(o, Buffer.from(n.data, 'latin1'));
        meta(o, n);
      }
    }
    for (const [o, n] of dirs) meta(o, n);
  };
  if (!existsSync(dir)) mkdirSync(dir);
  walk('/', dir);
  meta(dir, fs.lstat('/', ROOT)!);
}

export interface RealResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** `sh -c SCRIPT` in the real root, as root or as the lab user, with the lab's login environment. */
export function runReal(dir: string, script: string, o: { user: 'root' | 'lab'; stdin?: string }): RealResult {
  const root = o.user === 'root';
  const env = [
    `PATH=${root ? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' : '/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games'}`,
    `HOME=${root ? '/root' : '/home/lab'}`, `USER=${o.user}`, `LOGNAME=${o.user}`, 'SHELL=/bin/sh', 'LANG=C.UTF-8', `PWD=${root ? '/root' : '/home/lab'}`,
    'LD_LIBRARY_PATH=/.real/lib',
  ];
  const spec = root ? [] : ['--userspec=1000:1000', `--groups=${readFileSync(join(dir, 'etc/group'), 'utf8').split('\n').filter((l) => l.split(':')[3]?.split(',').includes('lab')).map((l) => l.split(':')[2]).join(',')}`];
  const r = spawnSync('chroot', [...spec, dir, '/.real/ld.so', '--library-path', '/.real/lib', '/usr/bin/env', '-i', ...env, '/.real/run', script], { input: o.stdin ?? '', encoding: 'latin1', timeout: 30_000 });
  return { stdout: r.stdout, stderr: r.stderr, exitCode: r.status ?? -1 };
}
