import test from 'ava';
import { parseServerStatus } from '../../src/facts/apache-status.js';
import { isUnknown } from '../../src/facts/types.js';
import { fixture } from './helpers.js';

const CASES = [
  { file: 'server-status-auto-after-3-graceful.txt', version: 'Apache/2.4.71 (Debian)', uptime: 4, gen: 4, mpmGen: 3, busy: 1, idle: 4 },
  { file: 'server-status-auto-ubuntu2004-3-graceful.txt', version: 'Apache/2.4.41 (Ubuntu)', uptime: 6, gen: 4, mpmGen: 3, busy: 1, idle: 4 },
];
for (const c of CASES) {
  test(`server-status?auto after 3 graceful reloads: ${c.file}`, (t) => {
    const s = parseServerStatus(fixture(c.file));
    if (isUnknown(s)) return t.fail(s.reason);
    t.is(s.serverVersion, c.version);
    t.is(s.mpm, 'prefork');
    t.is(s.uptimeSeconds, c.uptime);
    t.is(s.configGeneration, c.gen);
    t.is((s.configGeneration ?? 0) - 1, 3, 'reloads survived = generation − 1');
    t.is(s.mpmGeneration, c.mpmGen);
    t.is(s.busyWorkers, c.busy);
    t.is(s.idleWorkers, c.idle);
    t.is(s.fields['Total Accesses'] !== undefined, true);
  });
}

test('a page that is not server-status (a 403 or the default site) is unknown with a reason', (t) => {
  const s = parseServerStatus('<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<title>403 Forbidden</title>');
  t.true(isUnknown(s));
  t.regex((s as { reason: string }).reason, /not a server-status/);
});

test('an old Apache without generation counters still parses, with nulls (synthetic)', (t) => {
  const s = parseServerStatus('Total Accesses: 5\nUptime: 100\nBusyWorkers: 1\nIdleWorkers: 2\nScoreboard: W_.');
  if (isUnknown(s)) return t.fail();
  t.is(s.configGeneration, null);
  t.is(s.uptimeSeconds, null);
});
