import test from 'ava';
import { analyzeErrorLog, parseLogLine, parseTzOffset, reloadRateFromLog, type LogLine } from '../../src/facts/apache-log.js';
import { fixture } from './helpers.js';

const asLines = (file: string, text: string): LogLine[] => text.split('\n').filter(Boolean).map((t) => ({ file, text: t }));
const DAY = 86400;

/** Apache's own timestamp format, in UTC. */
function stamp(epoch: number): string {
  const d = new Date(epoch * 1000);
  const [wd, mon, day, y, time] = [d.toUTCString().slice(0, 3), d.toUTCString().slice(8, 11), d.getUTCDate(), d.getUTCFullYear(), d.toISOString().slice(11, 19)];
  return `${wd} ${mon} ${String(day).padStart(2, '0')} ${time}.123456 ${y}`;
}
const notice = (epoch: number, pid: number, code: string, msg: string, mod = 'mpm_prefork') => `[${stamp(epoch)}] [${mod}:notice] [pid ${pid}] ${code}: ${msg}`;
const start = (e: number, pid: number) => [notice(e, pid, 'AH00163', 'Apache/2.4.41 (Ubuntu) configured -- resuming normal operations'), notice(e, pid, 'AH00094', "Command line: '/usr/sbin/apache2'", 'core')];
const reload = (e: number, pid: number) => [notice(e, pid, 'AH00171', 'Graceful restart requested, doing restart'), ...start(e + 1, pid)];

test('graceful reloads on Debian 12 (captured): 3 reloads of pid 23298, its start not in the log', (t) => {
  const a = analyzeErrorLog(asLines('error.log', fixture('apache2-error-log-graceful-debian12.txt')), { tzOffsetSec: 0 });
  const m = a.masters.get(23298);
  t.like(m, { reloads: 3, complete: false, pending: false });
  t.is(a.death, null);
  t.is(a.recognized, 6, 'AH00094 lines are not events');
});

test("the same log with the master's start time known: still 3 reloads", (t) => {
  const first = parseLogLine({ file: 'x', text: fixture('apache2-error-log-graceful-debian12.txt').split('\n')[0] }, 0);
  const a = analyzeErrorLog(asLines('error.log', fixture('apache2-error-log-graceful-debian12.txt')), { tzOffsetSec: 0, masterPid: 23298, masterStart: (first?.at ?? 0) - 1 });
  t.like(a.masters.get(23298), { reloads: 3 });
});

test('the master that died on reload #1018 (captured, middle elided): death of pid 3426 on a reload', (t) => {
  const a = analyzeErrorLog(asLines('error.log', fixture('apache2-error-log-libgomp-exhaustion-ubuntu2004.txt')), { tzOffsetSec: 0 });
  t.truthy(a.death);
  t.is(a.death?.pid, 3426);
  t.false(a.death?.complete, 'its start is in the elided part');
  t.is(a.death?.reloadsSurvived, 3, 'three full reloads visible before the fatal one');
  t.is(a.death?.at, Date.UTC(2026, 10, 26, 11, 22, 46) / 1000);
});

test('synthetic: the whole incident: start, 1017 daily reloads, death on reload #1018 (baseline 7)', (t) => {
  const t0 = Date.UTC(2019, 2, 20, 6, 25, 0) / 1000;
  const lines = [...start(t0, 3426)];
  for (let i = 1; i <= 1018; i++) lines.push(...(i < 1018 ? reload(t0 + i * DAY, 3426) : [notice(t0 + i * DAY, 3426, 'AH00171', 'Graceful restart requested, doing restart')]));
  lines.push('', 'libgomp: could not create thread pool destructor.');
  const a = analyzeErrorLog(asLines('error.log', lines.join('\n')), { tzOffsetSec: 0 });
  t.deepEqual(a.death, { pid: 3426, at: t0 + 1018 * DAY, reloadsSurvived: 1017, complete: true });
  t.is(1024 - 7 + 1, 1018, 'incident arithmetic: died on reload 1024 − baseline + 1');
  const rate = reloadRateFromLog(a);
  t.is(rate?.perDay, 1);
});

test('synthetic: rotated logs, oldest first; a reload split across the rotation boundary counts once', (t) => {
  const t0 = Date.UTC(2026, 0, 1, 6, 25, 0) / 1000;
  // error.log.2.gz starts mid-reload (its AH00171 was in a file already deleted): not a start.
  const oldest = [...start(t0, 900), ...reload(t0 + DAY, 900)];
  const rotated = [notice(t0 + 2 * DAY, 900, 'AH00171', 'Graceful restart requested, doing restart')];
  const current = [...start(t0 + 2 * DAY + 1, 900), ...reload(t0 + 3 * DAY, 900)];
  const lines = [...asLines('error.log.2.gz', oldest.join('\n')), ...asLines('error.log.1', rotated.join('\n')), ...asLines('error.log', current.join('\n'))];
  const a = analyzeErrorLog(lines, { tzOffsetSec: 0 });
  t.like(a.masters.get(900), { reloads: 3, complete: false, pending: false });
  t.deepEqual(a.files, ['error.log.2.gz', 'error.log.1', 'error.log']);
  // Knowing when pid 900 started (ps), the first line is its start: exact count.
  const b = analyzeErrorLog(lines, { tzOffsetSec: 0, masterPid: 900, masterStart: t0 });
  t.like(b.masters.get(900), { reloads: 3, complete: true, startedAt: t0 });
});

test('synthetic: a full restart (new master) resets; pid reuse by the current master is filtered by its start time', (t) => {
  const t0 = Date.UTC(2026, 0, 1) / 1000;
  const lines = [
    ...start(t0, 500), ...reload(t0 + DAY, 500), ...reload(t0 + 2 * DAY, 500),
    notice(t0 + 3 * DAY, 500, 'AH00169', 'caught SIGTERM, shutting down'),
    ...start(t0 + 3 * DAY + 5, 600), ...reload(t0 + 4 * DAY, 600),
    notice(t0 + 5 * DAY, 600, 'AH00169', 'caught SIGTERM, shutting down'),
    ...start(t0 + 5 * DAY + 5, 500), ...reload(t0 + 6 * DAY, 500),
  ];
  const a = analyzeErrorLog(asLines('error.log', lines.join('\n')), { tzOffsetSec: 0, masterPid: 500, masterStart: t0 + 5 * DAY + 5 });
  t.like(a.masters.get(500), { reloads: 1, complete: true });
  t.like(a.masters.get(600), { reloads: 1, complete: true });
});

test('synthetic: event/worker MPM and SIGHUP restarts count; graceful-stop and other notices do not', (t) => {
  const t0 = Date.UTC(2026, 0, 1) / 1000;
  const lines = [
    notice(t0, 42, 'AH00163', 'Apache/2.4.62 configured -- resuming normal operations', 'mpm_event'),
    notice(t0 + 10, 42, 'AH00493', 'SIGUSR1 received.  Doing graceful restart', 'mpm_event'),
    notice(t0 + 11, 42, 'AH00163', 'Apache/2.4.62 configured -- resuming normal operations', 'mpm_event'),
    notice(t0 + 20, 42, 'AH00494', 'SIGHUP received.  Attempting to restart', 'mpm_event'),
    notice(t0 + 21, 42, 'AH00163', 'Apache/2.4.62 configured -- resuming normal operations', 'mpm_event'),
    notice(t0 + 30, 42, 'AH00297', 'SIGUSR1 received.  Doing graceful restart', 'mpm_worker'),
    notice(t0 + 40, 42, 'AH00173', 'SIGHUP received.  Attempting to restart'),
    notice(t0 + 50, 42, 'AH00558', 'apache2: Could not reliably determine the server fully qualified domain name', 'core'),
  ];
  const a = analyzeErrorLog(asLines('error_log', lines.join('\n')), { tzOffsetSec: 0, masterPid: 42, masterStart: t0 });
  t.like(a.masters.get(42), { reloads: 4, complete: true });
});

test('synthetic, hostile: a request path or client message cannot pose as a reload line', (t) => {
  const t0 = Date.UTC(2026, 0, 1) / 1000;
  const fake = `[${stamp(t0 + 5)}] [core:info] [pid 77:tid 77] [client 203.0.113.9:4711] AH00128: File does not exist: /var/www/html/] [mpm_prefork:notice] [pid 42] AH00171: Graceful restart requested`;
  const php = `[${stamp(t0 + 6)}] [php:error] [pid 77] [client 203.0.113.9:4711] PHP Warning: libgomp: could not create thread pool destructor.`;
  const lines = [...start(t0, 42), fake, php, ...reload(t0 + 10, 42)];
  const a = analyzeErrorLog(asLines('error.log', lines.join('\n')), { tzOffsetSec: 0, masterPid: 42, masterStart: t0 });
  t.like(a.masters.get(42), { reloads: 1 });
  t.false(a.masters.has(77));
  t.is(a.death, null);
});

test('local time in the log is converted with the host offset', (t) => {
  t.is(parseTzOffset('+0130'), 5400);
  t.is(parseTzOffset('-0500'), -18000);
  t.is(parseTzOffset('garbage'), null);
  const e = parseLogLine({ file: 'x', text: '[Thu Nov 26 11:30:54.663211 2026] [mpm_prefork:notice] [pid 23298:tid 23298] AH00171: Graceful restart requested, doing restart' }, 3600);
  t.is(e?.at, Date.UTC(2026, 10, 26, 10, 30, 54) / 1000);
  t.is(e?.pid, 23298);
  t.is(e?.kind, 'restart');
});

test('reload rate needs more than a day of history', (t) => {
  const t0 = Date.UTC(2026, 0, 1) / 1000;
  const burst = analyzeErrorLog(asLines('e', [...start(t0, 1), ...reload(t0 + 10, 1), ...reload(t0 + 20, 1)].join('\n')), { tzOffsetSec: 0 });
  t.is(reloadRateFromLog(burst), null);
  const weekly = [...start(t0, 1)];
  for (let i = 1; i <= 3; i++) weekly.push(...reload(t0 + i * 7 * DAY, 1));
  const w = reloadRateFromLog(analyzeErrorLog(asLines('e', weekly.join('\n')), { tzOffsetSec: 0 }));
  t.is(w?.perDay, 1 / 7);
  t.is(w?.spanDays, 14);
});
