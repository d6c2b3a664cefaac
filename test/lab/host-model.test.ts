// The master's rules: +1 key per graceful reload with a leaky libgomp, 0 with a fixed one,
// death on the reload that needs key 1025 with the incident's log lines, full restart resets.
import test from 'ava';
import { Host, type HostSpec } from '../../src/lab/host.js';

const spec = (distro: HostSpec['distro'], reloads: number, baseline = 7): HostSpec => ({
  name: 'web-0001', index: 0, distro, address: '127.0.0.1', port: 22, baseline, reloads, rotateMinute: 385,
  gompUpdated: false, listenPort: 80, pidBase: 3426, libBase: 0x7f1234000000, faults: {},
});
const clock = { now: () => 1764156654 };

for (const [distro, perReload] of [['ubuntu1804', 1], ['debian9', 1], ['ubuntu2004', 0], ['debian12', 0]] as const) {
  test(`${distro}: ${perReload} key per graceful reload, kill -USR1 included`, (t) => {
    const h = new Host(spec(distro, 10), clock);
    const before = h.master.keys;
    h.run('sudo -n apachectl graceful', { user: 'lab' });
    h.run(`sudo -n kill -USR1 ${h.master.pid}`, { user: 'lab' });
    h.run('sudo -n systemctl reload apache2', { user: 'lab' });
    t.is(h.master.keys - before, 3 * perReload);
    t.true(h.master.alive);
  });
}

test('baseline 7 dies on reload #1018 with the exhaustion log lines; restart resets keys', (t) => {
  const h = new Host(spec('ubuntu1804', 1017), clock);
  t.is(h.master.keys, 1024);
  t.true(h.master.alive);
  const r = h.run('sudo -n apachectl graceful; echo rc=$?', { user: 'lab' });
  t.false(h.master.alive);
  const log = h.run('sudo -n cat /var/log/apache2/error.log', { user: 'lab' }).stdout;
  t.regex(log, /AH00171: Graceful restart requested, doing restart\n\nlibgomp: could not create thread pool destructor\.\n$/);
  t.regex(r.stdout, /rc=0/);
  h.run('sudo -n systemctl start apache2', { user: 'lab' });
  t.true(h.master.alive);
  t.is(h.master.keys, 7);
  t.not(h.master.pid, 3426);
});

test('/proc/PID/mem and maps are root-only, and the key table holds the modelled count', (t) => {
  const h = new Host(spec('debian12', 5, 9), clock);
  const pid = h.master.pid;
  const denied = h.run(`cat /proc/${pid}/maps`, { user: 'lab' });
  t.regex(denied.stderr, /Permission denied/);
  const maps = h.run(`sudo -n cat /proc/${pid}/maps`, { user: 'lab' }).stdout;
  t.regex(maps, /libc\.so\.6/);
  t.regex(maps, /libgomp\.so\.1\.0\.0/);
});

test('same seed, same fleet', async (t) => {
  const { generateFleet } = await import('../../src/lab/fleet.js');
  const a = generateFleet({ hosts: 200, profile: 'incident', seed: 42, basePort: 0 });
  const b = generateFleet({ hosts: 200, profile: 'incident', seed: 42, basePort: 0 });
  const c = generateFleet({ hosts: 200, profile: 'incident', seed: 43, basePort: 0 });
  t.deepEqual(a, b);
  t.notDeepEqual(a, c);
});
