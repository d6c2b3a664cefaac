// The probes for real on this machine: Debian's apache2 + libapache2-mod-php + php-imagick.
// Read-only, except that Apache is started (and stopped again) when it is not already running.
// Skipped, with the reason shown, where Apache is not installed; a failure when CI is set.
import test from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApacheFact } from '../../src/facts/apache.js';
import { gatherFacts } from '../../src/facts/gather.js';
import type { ImageMagickFact } from '../../src/facts/imagemagick.js';
import { FACTS } from '../../src/facts/index.js';
import type { OsFact } from '../../src/facts/os.js';
import { parsePhpRi, type PhpExtensionFact } from '../../src/facts/php-extension.js';
import type { PthreadKeys } from '../../src/facts/pthread-keys.js';
import { assessRisk } from '../../src/facts/risk.js';
import { isUnknown } from '../../src/facts/types.js';
import { localRunner } from './helpers.js';
import { createLocalTransport } from '../../src/transport/local.js';
import type { ProbeRunner } from '../../src/facts/types.js';
import { lockSystemApache } from '../helpers/system-apache.js';

const APACHE = '/usr/sbin/apache2';
const installed = existsSync(APACHE);
const sh = (cmd: string) => spawnSync('sh', ['-c', cmd], { encoding: 'utf8' });
const masterPid = () => { try { const p = readFileSync('/run/apache2/apache2.pid', 'utf8').trim(); return existsSync(`/proc/${p}`) ? Number(p) : null; } catch { return null; } };

let startedHere = false;
// The machine's Apache is shared with the end-to-end test (test/e2e): hold its lock throughout.
let unlock: (() => Promise<void>) | undefined;
test.before(async () => {
  if (!installed) return;
  unlock = await lockSystemApache();
  if (masterPid() === null) {
    sh('apache2ctl start');
    startedHere = true;
    for (let i = 0; i < 50 && sh("curl -s -m 1 -o /dev/null -w '%{http_code}' http://127.0.0.1/server-status?auto").stdout !== '200'; i++) sh('sleep 0.1');
  }
});
test.after.always(async () => { if (startedHere) sh('apache2ctl stop'); await unlock?.(); });

if (!installed) {
  const reason = `${APACHE} is not installed: real-host fact probes skipped (apt-get install apache2 libapache2-mod-php php-imagick to run them)`;
  if (process.env.CI) test('real host: Apache must be installed in CI', (t) => t.fail(reason));
  else test.skip(`real host: ${reason}`, () => {});
} else {
  test.serial('every fact probed for real in one batch agrees with independent tools', async (t) => {
    const started = Date.now();
    const g = await gatherFacts(localRunner, Object.values(FACTS), { vars: {} }, { cache: new Map() });
    t.log(`one batch + refine: ${Date.now() - started} ms`);
    if (g.kind !== 'facts') return t.fail(g.reason);
    const v = g.values as { os: OsFact; apache: ApacheFact; php_extension: PhpExtensionFact; imagemagick: ImageMagickFact; pthread_keys: PthreadKeys };

    // os
    const osr = readFileSync('/etc/os-release', 'utf8');
    t.is(v.os.id, /^ID=(.*)$/m.exec(osr)?.[1] ?? null);
    t.true(Math.abs((v.os.clockEpoch ?? 0) - Date.now() / 1000) < 120);

    // apache: the master is the pidfile's, the generation counter is curl's
    const pid = masterPid();
    t.truthy(pid);
    t.true(v.apache.running);
    if (isUnknown(v.apache.master)) return t.fail(v.apache.master.reason);
    t.is<number | null, number | null>(v.apache.master.pid, pid);
    const status = sh("curl -s 'http://127.0.0.1/server-status?auto'").stdout;
    const gen = Number(/ParentServerConfigGeneration: (\d+)/.exec(status)?.[1]);
    t.like(v.apache.reloads, { count: gen - 1, source: 'server-status', exact: true });
    t.true(v.apache.statusUrlVerified);
    t.true(v.apache.uptimeCheck?.consistent);
    const mpm = /Server MPM:\s+(\S+)/.exec(execFileSync('sh', ['-c', '. /etc/apache2/envvars; apache2 -V'], { encoding: 'utf8' }))?.[1];
    t.is(v.apache.mpm, mpm ?? null);

    // php_extension as Apache loads it, against php --ri with the apache2 SAPI's ini
    const sapi = v.php_extension.apache;
    t.truthy(sapi, v.php_extension.problems.join('; '));
    const ri = parsePhpRi(sh(`PHP_INI_SCAN_DIR=${sapi!.scanDir} php${sapi!.phpVersion} -c ${sapi!.iniFile} --ri imagick`).stdout);
    const ext = sapi!.extension;
    if (isUnknown(ext)) return t.fail(ext.reason);
    t.is(ext.version, ri.version);
    const single = ri.directives['imagick.set_single_thread'];
    t.deepEqual(ext.setSingleThread, single ? { present: true, value: single.local } : { present: false });

    // imagemagick: the libgomp the master maps, and its hash
    const maps = readFileSync(`/proc/${pid}/maps`, 'utf8');
    const gompPath = /\s(\/\S*libgomp[^\s]*)$/m.exec(maps)?.[1] ?? null;
    if (gompPath === null) t.is(v.imagemagick.libgomp, null);
    else {
      const g2 = v.imagemagick.libgomp;
      if (g2 === null || isUnknown(g2)) return t.fail('libgomp not found');
      t.is(g2.path, gompPath);
      t.is(g2.sha256, sh(`sha256sum < ${gompPath}`).stdout.split(' ')[0]);
    }

    t.true(v.imagemagick.openmp !== null, 'OpenMP known, from convert or from Imagick::getFeatures()');
    if (ext.openmp !== null && v.imagemagick.openmpSource === 'imagick-features') t.is(v.imagemagick.openmp, ext.openmp);

    // pthread_keys: measured, equal to what gdb reads from __pthread_keys
    const k = v.pthread_keys;
    if (isUnknown(k)) return t.fail(k.reason);
    t.is(k.kind, 'measured');
    if (sh('command -v gdb').status === 0) {
      // the reference count_keys.gdb, inline
      const dir = mkdtempSync(join(tmpdir(), 'facts-gdb-'));
      writeFileSync(join(dir, 'count.gdb'), 'set pagination off\nset $n = 0\nset $i = 0\nwhile $i < 1024\n  if (((unsigned long *) &__pthread_keys)[2 * $i] & 1)\n    set $n = $n + 1\n  end\n  set $i = $i + 1\nend\nprintf "keys=%d\\n", $n\ndetach\nquit\n');
      const gdb = spawnSync('gdb', ['-p', String(pid), '-batch', '-x', join(dir, 'count.gdb')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 }).stdout ?? '';
      rmSync(dir, { recursive: true, force: true });
      const n = /keys=(\d+)/.exec(gdb)?.[1];
      if (n) t.is(k.keysInUse, Number(n), 'same count as gdb');
      else t.log('gdb could not attach (ptrace restricted?): not compared');
    } else t.log('gdb not installed: keys not cross-checked');

    // the deciders on real facts: Debian 12's GCC 12 libgomp does not leak
    const risk = assessRisk(v, { horizonDays: 30, nowEpoch: v.os.clockEpoch ?? Math.floor(Date.now() / 1000) });
    t.log(`risk ${risk.risk}: ${risk.reason}`);
    if (v.os.id === 'debian' && v.os.versionId === '12') {
      t.is(risk.risk, 'safe');
      t.is(risk.leak.leaking, false);
      t.is(risk.reloadsLeft, 1024 - k.keysInUse);
    }
  });

  test.serial("through the project's local transport (its sh -c quoting), the batch parses the same", async (t) => {
    const tr = createLocalTransport({ env: process.env });
    const host = { name: 'localhost', address: 'localhost', port: 22, connection: 'local' as const };
    const run: ProbeRunner = async (script, opts) => {
      const r = await tr.exec(host, { cmd: { script }, timeoutMs: opts?.timeoutMs ?? 120_000, maxOutputBytes: opts?.maxOutputBytes });
      return r.kind === 'exit' ? { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode } : r;
    };
    const g = await gatherFacts(run, Object.values(FACTS), { vars: {} }, { become: false, cache: new Map() });
    if (g.kind !== 'facts') return t.fail(g.reason);
    const keys = g.values.pthread_keys as PthreadKeys;
    if (isUnknown(keys)) return t.fail(keys.reason);
    t.is(keys.kind, 'measured');
    t.is((g.values.apache as ApacheFact).running, true);
    t.deepEqual(Object.keys(g.raw), Object.keys(FACTS));
  });
}
