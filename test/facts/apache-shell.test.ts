// The shell parts of the apache probe, run under dash against real files and processes.
import test from 'ava';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeErrorLog } from '../../src/facts/apache-log.js';
import { ERROR_LOG_SH } from '../../src/facts/apache.js';
import { Records } from '../../src/facts/records.js';
import { APACHE_MASTER, PRELUDE } from '../../src/facts/shell.js';
import { shQuote } from '../../src/transport/quote.js';
import { fixture, runSh } from './helpers.js';

test('rotated error logs (.gz, .1, current) are read oldest first, decompressed and filtered', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'facts-logs-'));
  try {
    const log = join(dir, 'error.log');
    const lines = fixture('apache2-error-log-graceful-debian12.txt').trim().split('\n');
    writeFileSync(join(dir, 'error.log.2'), lines.slice(0, 3).join('\n') + '\n[Thu Nov 26 11:30:54.7 2026] [core:info] [pid 9] AH00128: File does not exist: /x\n');
    writeFileSync(join(dir, 'error.log.1'), lines.slice(3, 6).join('\n') + '\n');
    writeFileSync(log, lines.slice(6).join('\n') + '\nlibgomp: could not create thread pool destructor.\n');
    runSh(`cd ${dir} && gzip error.log.2 && touch -d '2026-11-24 06:25' error.log.2.gz && touch -d '2026-11-25 06:25' error.log.1 && touch -d '2026-11-26 06:25' error.log`);
    const r = new Records(runSh(`${PRELUDE}__el=${shQuote(log)}\n${ERROR_LOG_SH}`).stdout);
    t.deepEqual(r.all('logfile'), [join(dir, 'error.log.2.gz'), join(dir, 'error.log.1'), log]);
    // only what the parser reads: restart/start/stop notices and the exhaustion line (not AH00094, not AH00128)
    t.deepEqual(r.all('log'), [...lines.filter((l) => !l.includes('AH00094')), 'libgomp: could not create thread pool destructor.']);
    const a = analyzeErrorLog(r.all('log').map((text) => ({ file: 'x', text })), { tzOffsetSec: 0 });
    t.like(a.masters.get(23298), { reloads: 3 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a non-file error log (syslog, piped) prints nothing to read', (t) => {
  t.is(runSh(`${PRELUDE}__el='|/usr/bin/rotatelogs /x 86400'\n${ERROR_LOG_SH}`).stdout, '');
});

/** Child pids of a process, from /proc (no procps needed). */
function kids(pid: number): number[] {
  return runSh(`grep -l '^PPid:[[:space:]]*${pid}$' /proc/[0-9]*/status 2>/dev/null`).stdout.split('\n').filter(Boolean).map((p) => Number(p.split('/')[2]));
}

test('the master is a live apache2/httpd process whose parent is not one (found in /proc, no procps)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'facts-master-'));
  const httpd = join(dir, 'httpd');
  copyFileSync('/bin/dash', httpd);
  // an "httpd" parent with an "httpd" child, like a master and its worker
  const parent = spawn(httpd, ['-c', `${httpd} -c 'sleep 30; :' & sleep 30; :`], { stdio: 'ignore' });
  try {
    let child: number | null = null;
    for (let i = 0; i < 50 && child === null; i++) {
      await new Promise((r) => setTimeout(r, 100));
      child = kids(parent.pid!).find((k) => runSh(`cat /proc/${k}/comm`).stdout.trim() === 'httpd') ?? null;
    }
    t.truthy(child, 'the child httpd started');
    const r = new Records(runSh(`${PRELUDE}${APACHE_MASTER}apache_master`).stdout);
    const candidates = r.all('master-candidate').map(Number);
    t.true(candidates.includes(parent.pid!), `parent ${parent.pid} in ${candidates}`);
    t.false(candidates.includes(child!), 'a worker is not a master');
  } finally {
    // only what this test started, by pid: the sleeps, the child, the parent
    const all = [...kids(parent.pid!).flatMap((k) => [...kids(k), k]), parent.pid!];
    for (const pid of all) try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
    rmSync(dir, { recursive: true, force: true });
  }
});
