// The machine's own Apache (Debian's apache2 + libapache2-mod-php + php-imagick), driven the way
// an operator does: apache2ctl, the pidfile, mod_status on 127.0.0.1. No systemd needed.
// A cross-process lock keeps test files that use it (this e2e, the real-host facts test) apart.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const APACHE_CTL = '/usr/sbin/apache2ctl';
export const PID_FILE = '/run/apache2/apache2.pid';
export const ENVVARS = '/etc/apache2/envvars';
/** Debian's default site listens on :80 (ports.conf); the product finds it from Listen itself. */
export const BASE_URL = 'http://127.0.0.1';
export const STATUS_URL = `${BASE_URL}/server-status?auto`;
export const DOC_ROOT = '/var/www/html';

/** What is missing for the system-Apache e2e, or null when everything is there. */
export function systemApacheMissing(): string | null {
  if (!existsSync(APACHE_CTL) || !existsSync('/etc/apache2/apache2.conf')) return 'apache2 is not installed';
  if (!phpApacheConfDir()) return 'libapache2-mod-php is not installed (no /etc/php/*/apache2/conf.d)';
  if (!existsSync(join(phpApacheConfDir()!, '20-imagick.ini'))) return 'php-imagick is not enabled for the apache2 SAPI';
  if (process.getuid?.() !== 0) return 'not running as root';
  if (!existsSync('/usr/bin/gcc')) return 'gcc is not installed (the negative control builds a library)';
  return null;
}

/** The apache2 SAPI's scan dir, e.g. /etc/php/8.2/apache2/conf.d. */
export function phpApacheConfDir(): string | null {
  if (!existsSync('/etc/php')) return null;
  const dirs = readdirSync('/etc/php').map((v) => `/etc/php/${v}/apache2/conf.d`).filter((d) => existsSync(d)).sort();
  return dirs.at(-1) ?? null;
}

export function masterPid(): number | null {
  try {
    const pid = Number(readFileSync(PID_FILE, 'utf8').trim());
    return pid > 0 && existsSync(`/proc/${pid}`) ? pid : null;
  } catch {
    return null;
  }
}

export interface Status { generation: number; uptime: number }

export async function status(): Promise<Status | null> {
  try {
    const res = await fetch(STATUS_URL, { signal: AbortSignal.timeout(5000) });
    if (res.status !== 200) return null;
    const body = await res.text();
    const gen = /^ParentServerConfigGeneration: (\d+)$/m.exec(body);
    const up = /^ServerUptimeSeconds: (\d+)$/m.exec(body);
    return gen && up ? { generation: Number(gen[1]), uptime: Number(up[1]) } : null;
  } catch {
    return null;
  }
}

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== null && v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

const ctl = (...args: string[]) => run(APACHE_CTL, args, { timeout: 60_000 });

/** apache2ctl stop returns before the master exits: wait until it is gone. */
export async function stopApache(): Promise<void> {
  const pid = masterPid();
  if (pid === null) return;
  await ctl('stop').catch(() => undefined);
  await waitFor(`master ${pid} to exit`, async () => !existsSync(`/proc/${pid}`));
}

/** Start a new master and wait until mod_status answers on 127.0.0.1. */
export async function startApache(): Promise<number> {
  await ctl('start');
  await waitFor('mod_status on 127.0.0.1', status);
  return waitFor('the pidfile', async () => masterPid());
}

/** Full stop/start: a new master, keys back at the baseline. */
export async function restartApacheFresh(): Promise<number> {
  await stopApache();
  return startApache();
}

/** One graceful reload (SIGUSR1, same master), waited for until the generation moves. */
export async function gracefulReload(): Promise<Status> {
  const before = await waitFor('mod_status', status);
  await ctl('graceful');
  return waitFor('the generation to advance', async () => {
    const s = await status();
    return s && s.generation > before.generation ? s : null;
  });
}

export async function httpGet(path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(BASE_URL + path, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: await res.text() };
}

/** Drop `export LD_PRELOAD=` lines (the imagick playbook's remedy 2) from envvars. */
export async function stripPreloadFromEnvvars(): Promise<boolean> {
  const text = await readFile(ENVVARS, 'utf8');
  const kept = text.split('\n').filter((l) => !/^export LD_PRELOAD=/.test(l)).join('\n');
  if (kept === text) return false;
  await writeFile(ENVVARS, kept);
  return true;
}

const LOCK_DIR = '/var/lib/remediate-tests/system-apache.lock';

/**
 * Exclusive use of the system Apache across test processes (ava runs files in parallel).
 * Returns the release function. A lock whose owner process is gone is taken over.
 */
export async function lockSystemApache(timeoutMs = 600_000): Promise<() => Promise<void>> {
  await mkdir('/var/lib/remediate-tests', { recursive: true, mode: 0o700 });
  const owner = join(LOCK_DIR, 'pid');
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      await mkdir(LOCK_DIR);
      await writeFile(owner, String(process.pid));
      break;
    } catch {
      const pid = Number(await readFile(owner, 'utf8').catch(() => ''));
      const age = await stat(LOCK_DIR).then((s) => Date.now() - s.mtimeMs, () => 0);
      if ((pid > 0 && !existsSync(`/proc/${pid}`)) || (!pid && age > 10_000)) await rm(LOCK_DIR, { recursive: true, force: true });
      if (Date.now() > until) throw new Error(`timed out waiting for ${LOCK_DIR} (held by pid ${pid || '?'})`);
      await sleep(200);
    }
  }
  return () => rm(LOCK_DIR, { recursive: true, force: true });
}
