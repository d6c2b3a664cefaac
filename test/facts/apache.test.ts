import test from 'ava';
import { parseApache } from '../../src/facts/apache.js';
import { isUnknown } from '../../src/facts/types.js';
import { fixture, out, tagged } from './helpers.js';

test('our probe captured on Debian 12 after 5 graceful reloads', (t) => {
  const a = parseApache(out(fixture('probe-apache-debian12.txt')));
  t.like(a, { installed: true, binary: '/usr/sbin/apache2', version: 'Apache/2.4.71 (Debian)', mpm: 'prefork', running: true, statusUrl: 'http://127.0.0.1:80/server-status?auto', statusUrlVerified: true, dead: null });
  if (isUnknown(a.master)) return t.fail(a.master.reason);
  t.like(a.master, { pid: 17499, source: 'pidfile:/run/apache2/apache2.pid', exe: '/usr/sbin/apache2' });
  t.deepEqual(a.listens.map((l) => [l.port, l.active]), [[80, true], [443, false], [443, false]], 'ssl_module is not loaded');
  t.deepEqual(a.reloads, { count: 5, source: 'server-status', exact: true, detail: 'ParentServerConfigGeneration 6 − 1' });
  t.true(a.uptimeCheck?.consistent);
  if (isUnknown(a.errorLog)) return t.fail(a.errorLog.reason);
  t.deepEqual(a.errorLog.files, ['/var/log/apache2/error.log']);
  t.like(a.reloadFrequency, { perDay: 1, source: 'logrotate' });
  t.like(a.reloadFrequency.logrotate[0], { frequency: 'daily', reloadsMaster: true });
});

/** A probe output assembled from parts (synthetic unless the part says captured). */
function probe(parts: Record<string, string | string[]>): string {
  return Object.entries(parts).flatMap(([tag, v]) => (Array.isArray(v) ? v.map((x) => `${tag}|${x}`) : [`${tag}|${v}`])).join('\n');
}
const CLOCK = Date.UTC(2026, 10, 26, 11, 31, 0) / 1000;

test('synthetic RHEL 7 layout: httpd on 8080, status answering, rotated dateext logs', (t) => {
  const stdout = [
    probe({ pidfile: '/run/httpd/httpd.pid|2210|alive', master: '2210|pidfile:/run/httpd/httpd.pid', clock: String(CLOCK), tz: '+0000', ps: 'Thu Nov 26 11:30:53 2026        7', bin: '/usr/sbin/httpd' }),
    probe({ v: ['Server version: Apache/2.4.6 (CentOS)', 'Server MPM:     prefork'], dump: ['Loaded Modules:', ' status_module (shared)', ' mpm_prefork_module (shared)'] }),
    probe({ cfgfile: '/etc/httpd/conf/httpd.conf', cfg: ['42:Listen 8080'] }),
    probe({ 'status-try': '0|http://127.0.0.1:8080/server-status?auto', 'status-url': 'http://127.0.0.1:8080/server-status?auto' }),
    tagged('status', fixture('server-status-auto-after-3-graceful.txt').replace('ServerUptimeSeconds: 4', 'ServerUptimeSeconds: 8')),
    probe({ errorlog: '/var/log/httpd/error_log', logfile: '/var/log/httpd/error_log-20261122' }),
    tagged('log', fixture('apache2-error-log-graceful-debian12.txt').replaceAll('23298', '2210').trim()),
    probe({ 'logrotate-file': '/etc/logrotate.d/httpd', logrotate: ['/var/log/httpd/*log {', '    missingok', '    postrotate', '        /bin/systemctl reload httpd.service > /dev/null 2>/dev/null || true', '    endscript', '}'], 'logrotate-global': 'weekly' }),
  ].join('\n');
  const a = parseApache(out(stdout));
  t.like(a, { binary: '/usr/sbin/httpd', version: 'Apache/2.4.6 (CentOS)', mpm: 'prefork', statusUrl: 'http://127.0.0.1:8080/server-status?auto' });
  t.deepEqual(a.listens.map((l) => [l.address, l.port]), [[null, 8080]]);
  t.like(a.reloads, { count: 3, source: 'server-status' });
  t.like(a.uptimeCheck, { statusUptime: 8, masterAge: 7, consistent: true });
  t.like(a.reloadFrequency.logrotate[0], { frequency: 'weekly', frequencyFromDefault: true, reloadsMaster: true });
  t.is(a.reloadFrequency.perDay, 1 / 7);
});

test('synthetic: status from another server (uptime ≠ master age) is not trusted; the log counts instead', (t) => {
  const stdout = [
    probe({ master: '23298|pidfile:/run/apache2/apache2.pid', clock: String(CLOCK), tz: '+0000', ps: 'Thu Nov 26 09:00:00 2026     9060', bin: '/usr/sbin/apache2' }),
    probe({ 'status-url': 'http://127.0.0.1:80/server-status?auto' }),
    tagged('status', fixture('server-status-auto-ubuntu2004-3-graceful.txt')),
    probe({ errorlog: '/var/log/apache2/error.log', logfile: '/var/log/apache2/error.log' }),
    tagged('log', fixture('apache2-error-log-graceful-debian12.txt').trim()),
  ].join('\n');
  const a = parseApache(out(stdout));
  t.like(a.uptimeCheck, { statusUptime: 6, masterAge: 9060, consistent: false });
  t.like(a.reloads, { count: 3, source: 'error-log', exact: false });
});

test('synthetic: a master dead of key exhaustion (captured log), stale pidfile, no process', (t) => {
  const stdout = [
    probe({ pidfile: '/run/apache2/apache2.pid|3426|stale', clock: String(CLOCK), tz: '+0000', bin: '/usr/sbin/apache2' }),
    probe({ errorlog: '/var/log/apache2/error.log', logfile: '/var/log/apache2/error.log' }),
    tagged('log', fixture('apache2-error-log-libgomp-exhaustion-ubuntu2004.txt').split('\n').filter((l) => /AH00|thread pool destructor/.test(l)).join('\n')),
  ].join('\n');
  const a = parseApache(out(stdout));
  t.false(a.running);
  t.true(isUnknown(a.master));
  t.like(a.dead, { pid: 3426, reloadsSurvived: 3, complete: false, atIso: '2026-11-26T11:22:46.000Z' });
  t.deepEqual(a.pidfiles, [{ path: '/run/apache2/apache2.pid', pid: 3426, state: 'stale' }]);
});

test('synthetic: after the death a new master runs: previousDeath, not dead', (t) => {
  const stdout = [
    probe({ master: '5000|pidfile:/run/apache2/apache2.pid', clock: String(CLOCK), tz: '+0000', ps: 'Thu Nov 26 11:25:00 2026     360', bin: '/usr/sbin/apache2' }),
    probe({ errorlog: '/var/log/apache2/error.log', logfile: '/var/log/apache2/error.log' }),
    tagged('log', fixture('apache2-error-log-libgomp-exhaustion-ubuntu2004.txt').split('\n').filter((l) => /AH00|thread pool destructor/.test(l)).join('\n')),
    'log|[Thu Nov 26 11:25:00.100000 2026] [mpm_prefork:notice] [pid 5000] AH00163: Apache/2.4.41 (Ubuntu) configured -- resuming normal operations',
  ].join('\n');
  const a = parseApache(out(stdout));
  t.is(a.dead, null);
  t.like(a.previousDeath, { pid: 3426 });
  t.like(a.reloads, { count: 0, source: 'error-log', exact: true });
});

test('synthetic: missing tools and permissions become reasons, not crashes', (t) => {
  const noCurl = parseApache(out(probe({ master: '10|proc', clock: String(CLOCK), bin: '/usr/sbin/apache2', cfgfile: '/etc/apache2/ports.conf', cfg: '5:Listen 80', 'status-missing': 'neither curl nor wget', errorlog: '/var/log/apache2/error.log', 'logfile-unreadable': '/var/log/apache2/error.log' })));
  t.deepEqual(noCurl.status, { unknown: true, reason: 'neither curl nor wget on the host' });
  t.deepEqual(noCurl.errorLog, { unknown: true, reason: 'cannot read /var/log/apache2/error.log (needs become)' });
  t.true(isUnknown(noCurl.reloads));
  t.regex((noCurl.reloads as { reason: string }).reason, /neither curl nor wget.*needs become/);
  t.is(noCurl.statusUrl, 'http://127.0.0.1:80/server-status?auto');
  t.false(noCurl.statusUrlVerified);

  const refused = parseApache(out(probe({ master: '10|proc', bin: '/usr/sbin/apache2', cfgfile: '/x', cfg: '1:Listen 127.0.0.1:8080', 'status-try': '7|http://127.0.0.1:8080/server-status?auto', errorlog: 'syslog:local1' })));
  t.regex((refused.status as { reason: string }).reason, /did not answer: http:\/\/127\.0\.0\.1:8080\/server-status\?auto \(exit 7\)/);
  t.deepEqual(refused.errorLog, { unknown: true, reason: 'error log is not a file: syslog:local1' });

  const none = parseApache(out(probe({ 'bin-missing': 'no apache2 or httpd binary', clock: String(CLOCK) })));
  t.like(none, { installed: false, running: false, binary: null });
});

test('synthetic: without procps the master age comes from /proc/PID/stat and /proc/uptime', (t) => {
  const a = parseApache(out(probe({ master: '99|proc', clock: String(CLOCK), starttime: '68711', uptime: '883.85', clk: '100', bin: '/usr/sbin/apache2' })));
  if (isUnknown(a.master)) return t.fail();
  t.is(a.master.ageSeconds, 197);
  t.is(a.master.startedAt, CLOCK - 197);
  t.is(a.master.lstart, null);
});
