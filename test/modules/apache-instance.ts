// A private, real Apache for the module tests: Debian's own configuration copied into a temp
// APACHE_CONFDIR (Debian's multi-instance mechanism), with its pidfile, logs and runtime dirs
// in the temp dir and a free loopback port — so it never fights the system instance on :80.
import { execFile } from 'node:child_process';
import { access, appendFile, chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ApacheInstance {
  confdir: string;
  port: number;
  pidFile: string;
  errorLog: string;
  statusUrl: string;
  healthUrl: string;
  /** apache2ctl with this instance's APACHE_CONFDIR. */
  ctl(...args: string[]): Promise<{ stdout: string; stderr: string }>;
  pid(): Promise<number | null>;
  remove(): Promise<void>;
}

export async function apacheInstalled(): Promise<boolean> {
  try {
    await access('/usr/sbin/apache2ctl');
    await access('/etc/apache2/apache2.conf');
    return true;
  } catch {
    return false;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function createApacheInstance(): Promise<ApacheInstance> {
  const confdir = await mkdtemp(join(tmpdir(), 'remediate-apache-'));
  await chmod(confdir, 0o755);
  await run('cp', ['-a', '/etc/apache2/.', confdir]);
  for (const d of ['run', 'lock', 'log']) await run('mkdir', ['-p', join(confdir, d)]);
  const port = await freePort();
  await appendFile(join(confdir, 'envvars'), [
    '', '# remediate test instance',
    `export APACHE_PID_FILE=${confdir}/run/apache2.pid`,
    `export APACHE_RUN_DIR=${confdir}/run`,
    `export APACHE_LOCK_DIR=${confdir}/lock`,
    `export APACHE_LOG_DIR=${confdir}/log`, '',
  ].join('\n'));
  await writeFile(join(confdir, 'ports.conf'), `Listen 127.0.0.1:${port}\n`);
  const site = join(confdir, 'sites-available/000-default.conf');
  await writeFile(site, (await readFile(site, 'utf8')).replace(/\*:80\b/g, `*:${port}`));
  await writeFile(join(confdir, 'conf-enabled/zz-remediate-test.conf'), 'ServerName localhost\n');
  const env = { ...process.env, APACHE_CONFDIR: confdir };
  const pidFile = join(confdir, 'run/apache2.pid');
  const inst: ApacheInstance = {
    confdir,
    port,
    pidFile,
    errorLog: join(confdir, 'log/error.log'),
    statusUrl: `http://127.0.0.1:${port}/server-status?auto`,
    healthUrl: `http://127.0.0.1:${port}/`,
    ctl: (...args) => run('/usr/sbin/apache2ctl', args, { env, timeout: 60_000 }),
    async pid() {
      try {
        const p = Number((await readFile(pidFile, 'utf8')).trim());
        process.kill(p, 0);
        return p;
      } catch {
        return null;
      }
    },
    async remove() {
      const p = await inst.pid();
      if (p !== null) {
        await inst.ctl('stop').catch(() => undefined);
        for (let i = 0; i < 100 && (await inst.pid()) !== null; i++) await new Promise((r) => setTimeout(r, 100));
      }
      await rm(confdir, { recursive: true, force: true });
    },
  };
  return inst;
}

/** A shared library whose constructor creates a pthread key and never deletes it: +1 key per load. */
export async function buildLeakyLibrary(dir: string): Promise<string> {
  const src = join(dir, 'leaky-key.c');
  const so = join(dir, 'leaky-key.so');
  await writeFile(src, '#include <pthread.h>\nstatic pthread_key_t key;\n__attribute__((constructor)) static void leak(void) { pthread_key_create(&key, 0); }\n');
  await run('gcc', ['-shared', '-fPIC', '-pthread', '-o', so, src]);
  return so;
}
