// A real OpenSSH sshd for tests and benches: its own config, host key, port and client key in a
// temp dir, run as a child process (`sshd -D -e -f`). Accepts connections from 127.0.0.0/8
// only (any 127.x.y.z address can stand for a different host). Needs root (creates throwaway
// users once per machine) and Debian's openssh-server.
//
// Users: `user` (key-only, password field `*`, passwordless sudo), `passwordUser` (key or
// password login, sudo asks for the password), `ttyUser` (key-only, sudo with requiretty).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { chmod, link, mkdir, mkdtemp, readFile, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const SSHD = '/usr/sbin/sshd';
export const KEY_USER = 'rmd-ssh-key';
export const PASSWORD_USER = 'rmd-ssh-pw';
export const TTY_USER = 'rmd-ssh-tty';
const STATE_DIR = '/var/lib/remediate-tests';
const SUDOERS_FILE = '/etc/sudoers.d/remediate-tests';

export interface SshdOptions {
  maxSessions?: number;
  /** Extra sshd_config lines (before the Match block). */
  extraConfig?: string;
  /** Default VERBOSE (connections and accepted keys); DEBUG1 also shows each auth method tried. */
  logLevel?: 'INFO' | 'VERBOSE' | 'DEBUG1';
}

export interface Sshd {
  port: number;
  dir: string;
  /** `ssh-ed25519 AAAA...` */
  hostKeyPub: string;
  /** A known_hosts line for this server reached at `address` (default 127.0.0.1). */
  knownHostsLine(address?: string): string;
  user: string;
  /** Private key accepted for all three users. */
  keyFile: string;
  keyPub: string;
  passwordUser: string;
  password: string;
  ttyUser: string;
  /** sshd's log so far (LogLevel VERBOSE, stderr). */
  log(): string;
  /** TCP connections sshd accepted on `address` (each 127.x alias stands for one host). */
  connectionsTo(address: string): number;
  pid: number;
  /** SIGTERM sshd and every session process under it, remove the temp dir. */
  stop(): Promise<void>;
  /** SIGKILL sshd and all its session processes at once: every connection drops. */
  kill(): Promise<void>;
  /** SIGKILL the session processes only: open connections drop, new ones are accepted. */
  dropConnections(): void;
}

export function sshdAvailable(): boolean {
  return existsSync(SSHD) && typeof process.getuid === 'function' && process.getuid() === 0;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '0.0.0.0', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Cross-process lock (parallel test files set up the same users): mkdir is atomic. */
async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  const lock = join(STATE_DIR, 'lock');
  await mkdir(STATE_DIR, { recursive: true, mode: 0o700 });
  for (let i = 0; ; i++) {
    try {
      await mkdir(lock);
      break;
    } catch {
      const st = await stat(lock).catch(() => undefined);
      if (st && Date.now() - st.mtimeMs > 60_000) await rmdir(lock).catch(() => undefined);
      if (i > 600) throw new Error(`timed out waiting for ${lock}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await fn();
  } finally {
    await rmdir(lock).catch(() => undefined);
  }
}

async function userExists(name: string): Promise<boolean> {
  return run('id', ['-u', name]).then(() => true, () => false);
}

function shadowField(name: string): string | undefined {
  const line = readFileSync('/etc/shadow', 'utf8').split('\n').find((l) => l.startsWith(name + ':'));
  return line?.split(':')[1];
}

/** The machine's test password: random once, kept in a root-only file. */
async function testPassword(): Promise<string> {
  const file = join(STATE_DIR, 'password');
  if (!existsSync(file)) {
    const tmp = `${file}.${process.pid}`;
    await writeFile(tmp, 'Rmd-' + randomBytes(12).toString('base64url'), { mode: 0o600 });
    await link(tmp, file).catch(() => undefined);
    await rm(tmp, { force: true });
  }
  return (await readFile(file, 'utf8')).trim();
}

async function ensureUsers(): Promise<string> {
  return withLock(async () => {
    const password = await testPassword();
    for (const u of [KEY_USER, PASSWORD_USER, TTY_USER]) {
      if (!(await userExists(u))) await run('useradd', ['-m', '-s', '/bin/sh', u]);
    }
    // `*`: no password login, yet not "locked" (sshd without PAM refuses `!` accounts even for keys).
    for (const u of [KEY_USER, TTY_USER]) if (shadowField(u) !== '*') await run('usermod', ['-p', '*', u]);
    const pwMarker = join(STATE_DIR, 'password-set');
    const pwField = shadowField(PASSWORD_USER) ?? '';
    if (!existsSync(pwMarker) || pwField.startsWith('!') || pwField === '*' || pwField === '') {
      await new Promise<void>((resolve, reject) => {
        const p = spawn('chpasswd', [], { stdio: ['pipe', 'ignore', 'inherit'] });
        p.on('error', reject);
        p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`chpasswd exited ${code}`))));
        p.stdin.end(`${PASSWORD_USER}:${password}\n`);
      });
      await writeFile(pwMarker, '');
    }
    const sudoers = [
      `Defaults:${PASSWORD_USER} lecture=never`,
      `${KEY_USER} ALL=(ALL) NOPASSWD: ALL`,
      `${PASSWORD_USER} ALL=(ALL) ALL`,
      `Defaults:${TTY_USER} requiretty`,
      `${TTY_USER} ALL=(ALL) NOPASSWD: ALL`,
      '',
    ].join('\n');
    if (existsSync('/usr/bin/sudo') && (!existsSync(SUDOERS_FILE) || readFileSync(SUDOERS_FILE, 'utf8') !== sudoers)) {
      const tmp = `${SUDOERS_FILE}.tmp`;
      await writeFile(tmp, sudoers, { mode: 0o440 });
      await run('visudo', ['-cf', tmp]);
      await run('mv', [tmp, SUDOERS_FILE]);
    }
    return password;
  });
}

/** Every descendant of pid (deepest last), from /proc. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(d));
      children.set(ppid, list);
    } catch {
      // process exited meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

function signalTree(pid: number, sig: NodeJS.Signals): void {
  for (const p of [pid, ...descendants(pid)]) {
    try {
      process.kill(p, sig);
    } catch {
      // already gone
    }
  }
}

function configText(dir: string, port: number, o: SshdOptions, extra: string): string {
  return [
    `Port ${port}`,
    'ListenAddress 0.0.0.0',
    `HostKey ${dir}/host_ed25519`,
    `PidFile ${dir}/sshd.pid`,
    'UsePAM no',
    'StrictModes no',
    'MaxStartups 1000:30:1000',
    `MaxSessions ${o.maxSessions ?? 10}`,
    'MaxAuthTries 6',
    'LoginGraceTime 30',
    'PubkeyAuthentication yes',
    'PasswordAuthentication yes',
    'KbdInteractiveAuthentication no',
    `AuthorizedKeysFile ${dir}/keys/%u.keys`,
    'PermitRootLogin no',
    `AllowUsers ${KEY_USER} ${PASSWORD_USER} ${TTY_USER}`,
    'AllowTcpForwarding yes',
    'X11Forwarding no',
    'PrintMotd no',
    `LogLevel ${o.logLevel ?? 'VERBOSE'}`,
    'Subsystem sftp internal-sftp',
    extra,
    o.extraConfig ?? '',
    // sshd has at most 16 listen sockets, so it listens everywhere and refuses non-loopback peers.
    'Match Address *,!127.0.0.0/8',
    '  DenyUsers *',
    '  PubkeyAuthentication no',
    '  PasswordAuthentication no',
    '',
  ].join('\n');
}

export async function startSshd(o: SshdOptions = {}): Promise<Sshd> {
  if (!existsSync(SSHD)) throw new Error(`${SSHD} is missing: apt-get install -y openssh-server`);
  const password = await ensureUsers();
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  const dir = await mkdtemp(join(tmpdir(), 'rmd-sshd-'));
  await chmod(dir, 0o755);
  await mkdir(join(dir, 'keys'), { mode: 0o755 });
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'remediate-test-host', '-f', join(dir, 'host_ed25519')]);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'remediate-test-client', '-f', join(dir, 'client_ed25519')]);
  const keyPub = (await readFile(join(dir, 'client_ed25519.pub'), 'utf8')).trim();
  for (const u of [KEY_USER, PASSWORD_USER, TTY_USER]) await writeFile(join(dir, 'keys', `${u}.keys`), keyPub + '\n', { mode: 0o644 });
  const hostKeyPub = (await readFile(join(dir, 'host_ed25519.pub'), 'utf8')).trim().split(/\s+/).slice(0, 2).join(' ');

  // OpenSSH >= 9.8 penalises sources that fail auth; tests fail auth on purpose.
  let extra = 'PerSourcePenalties no';
  const cfgFile = join(dir, 'sshd_config');
  await writeFile(cfgFile, configText(dir, 2222, o, extra));
  if (await run(SSHD, ['-t', '-f', cfgFile]).then(() => false, () => true)) extra = '';

  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    await writeFile(cfgFile, configText(dir, port, o, extra));
    // Chunks kept as they come (a bench's sshd logs a lot: no re-scanning of the whole log).
    const chunks: string[] = [];
    let joined = '';
    const logAll = () => {
      if (chunks.length) {
        joined += chunks.join('');
        chunks.length = 0;
      }
      return joined;
    };
    const child: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', cfgFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.setEncoding('utf8');
    const listening = new Promise<boolean>((resolve) => {
      let up = false;
      child.stderr!.on('data', (d: string) => {
        chunks.push(d);
        if (!up && logAll().includes(`Server listening on 0.0.0.0 port ${port}`)) resolve((up = true));
      });
      child.once('exit', () => resolve(false));
      child.once('error', () => resolve(false));
    });
    if (!(await listening)) {
      if (attempt < 5 && /Address already in use|Bind to port/i.test(logAll())) continue;
      await rm(dir, { recursive: true, force: true });
      throw new Error(`sshd did not start:\n${logAll()}`);
    }
    const pid = child.pid!;
    const onExit = () => signalTree(pid, 'SIGKILL');
    process.once('exit', onExit);
    let stopped = false;
    const exited = new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
    const finish = async (sig: NodeJS.Signals) => {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', onExit);
      signalTree(pid, sig);
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      signalTree(pid, 'SIGKILL');
      await rm(dir, { recursive: true, force: true });
    };
    return {
      port,
      dir,
      pid,
      hostKeyPub,
      knownHostsLine: (address = '127.0.0.1') => `[${address}]:${port} ${hostKeyPub}`,
      user: KEY_USER,
      keyFile: join(dir, 'client_ed25519'),
      keyPub,
      passwordUser: PASSWORD_USER,
      password,
      ttyUser: TTY_USER,
      log: logAll,
      connectionsTo: (address) => logAll().split('\n').filter((l) => l.startsWith('Connection from ') && l.includes(` on ${address} port ${port} `)).length,
      stop: () => finish('SIGTERM'),
      kill: () => finish('SIGKILL'),
      dropConnections: () => {
        // sshd's own per-connection processes first, so none can report its child's death.
        const all = descendants(pid);
        const isSshd = (p: number) => {
          try {
            return readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith('sshd');
          } catch {
            return false;
          }
        };
        for (const p of [...all.filter(isSshd), ...all.filter((p) => !isSshd(p))]) {
          try {
            process.kill(p, 'SIGKILL');
          } catch {
            // already gone
          }
        }
      },
    };
  }
}
