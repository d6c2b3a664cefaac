// The master's rules: +1 key per graceful reload with a leaky libgomp, 0 with a fixed one,
// death on the reload that needs key 1025 with the incident's log lines, full restart resets.
import test from 'ava';
import { readFileSync } from 'node:fs';
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

test('LD_PRELOAD of libgomp in envvars, then a full restart: reloads leak no key', (t) => {
  const h = new Host(spec('ubuntu1804', 100), clock);
  const before = h.master.keys;
  h.run('sudo -n apachectl graceful', { user: 'lab' });
  t.is(h.master.keys, before + 1, 'leaks before the fix');
  const w = h.run(`echo 'export LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libgomp.so.1' | sudo -n tee -a /etc/apache2/envvars >/dev/null && sudo -n systemctl restart apache2`, { user: 'lab' });
  t.is(w.exitCode, 0, w.stderr);
  const base = h.master.keys;
  t.is(base, 7, 'a new master starts at the baseline');
  for (let i = 0; i < 5; i++) h.run('sudo -n apachectl graceful', { user: 'lab' });
  t.is(h.master.keys, base);
  t.false(h.truth().atRisk);
});

test('stillLeaks fault: the Imagick upgrade installs, yet the libgomp on disk still leaks', (t) => {
  const fixed = new Host(spec('rhel7', 10), clock);
  const faulty = new Host({ ...spec('rhel7', 10), faults: { stillLeaks: true } }, clock);
  for (const h of [fixed, faulty]) {
    const cand = h.d.imagickCandidate!.version;
    const r = h.run(`sudo -n yum install -y ${h.d.imagickPkg}-${cand} && sudo -n systemctl restart httpd`, { user: 'lab' });
    t.is(r.exitCode, 0, r.stderr);
    t.is(h.imagickVersion(), '3.7.0');
    const k = h.master.keys;
    for (let i = 0; i < 3; i++) h.run('sudo -n systemctl reload httpd', { user: 'lab' });
    t.is(h.master.keys - k, h === faulty ? 3 : 0, h === faulty ? 'still leaks' : 'fixed');
  }
});

test('the lab warm-up workout runs cleanly on every distro', async (t) => {
  const { WORKOUT } = await import('../../src/lab/warmup.js');
  const { DISTROS } = await import('../../src/lab/distros.js');
  for (const d of Object.keys(DISTROS) as HostSpec['distro'][]) {
    const r = new Host(spec(d, 3), clock).run(WORKOUT, { user: 'lab' });
    t.is(r.exitCode, 0, `${d}: ${r.stderr}`);
    t.is(r.stderr, '', d);
    t.regex(r.stdout, /^osr\|/m, d);
  }
});

test('read-only probes change nothing: no mutation counted, the durable-state hash unchanged', async (t) => {
  const { FACTS, batchProbe } = await import('../../src/facts/index.js');
  const h = new Host(spec('debian12', 30), clock);
  h.machine();
  const hash = h.hash();
  const r = h.run(`sudo -n sh -c '${batchProbe(Object.values(FACTS), { vars: {} }).replace(/'/g, "'\\''")}'`, { user: 'lab' });
  t.is(r.exitCode, 0, r.stderr);
  t.is(h.mutations, 0);
  t.is(h.hash(), hash);
  h.run('echo x | sudo -n tee /etc/remediate-mark >/dev/null', { user: 'lab' });
  t.true(h.mutations > 0);
  t.not(h.hash(), hash);
});

test('programs write UTF-8 as on a real host: convert -version\'s © and systemctl status\'s ● are multi-byte', (t) => {
  const h = new Host(spec('ubuntu2004', 5), clock);
  // the session's strings carry one byte per character, as they go on the wire
  const bytes = (s: string) => Buffer.from(s, 'latin1');
  const captured = readFileSync(new URL('../fixtures/facts/convert-version-ubuntu2004.txt', import.meta.url)).toString('latin1').split('\n')[1]!;
  const convert = h.run('convert -version', { user: 'lab' }).stdout.split('\n')[1]!;
  t.deepEqual(bytes(convert), bytes(captured));
  t.is(bytes(convert).toString('utf8'), 'Copyright: © 1999-2019 ImageMagick Studio LLC');
  const status = h.run('systemctl status apache2', { user: 'lab' }).stdout;
  t.deepEqual([...bytes(status).subarray(0, 3)], [0xe2, 0x97, 0x8f]);
});
