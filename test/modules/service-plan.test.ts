// Pure planning and judging of service and canary_reload on crafted control states and
// captured script output; plus the shell pieces under dash (zombie detection, Listen → URL).
import test from 'ava';
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { actionScript, CTL_PRELUDE, localBaseUrl, parseControlProbe, type ApacheControl } from '../../src/modules/apache-ctl.js';
import { forecast, humanDuration, judgeCanary, normalizeCanaryArgs, parseReload, planCanary, type CanaryData, type ReloadObservation } from '../../src/modules/canary-reload.js';
import { parseLocateFor } from '../../src/modules/keys.js';
import type { Planned } from '../../src/modules/types.js';
import { judgeAction, normalizeServiceArgs, planService, splayMs, type ServiceData } from '../../src/modules/service.js';

const debian: ApacheControl = {
  name: 'apache2', systemd: false, confdir: null, ctl: '/usr/sbin/apache2ctl', service: '/usr/sbin/service', invokeRc: '/usr/sbin/invoke-rc.d', http: 'curl',
  pid: 1234, configTest: { ok: true, output: 'Syntax OK' }, listens: ['80', '443'], generation: 3, statusCode: '200',
  errorLog: '/var/log/apache2/error.log', errorLogSize: 1000, clock: 1_700_000_000,
};
const st = (c: Partial<ApacheControl> = {}, statusUrl: string | null = 'http://127.0.0.1:80/server-status?auto') => {
  const ctl = { ...debian, ...c };
  return { ctl, statusUrl, generation: ctl.generation };
};

const plans: { name: string; args: Record<string, unknown>; state: ReturnType<typeof st>; status: Planned['status']; summary: RegExp }[] = [
  { name: 'full restart, sysvinit', args: { state: 'restarted' }, state: st(), status: 'change', summary: /^full restart of apache2 \(master 1234 → new master\) via apache2ctl$/ },
  { name: 'full restart, systemd, staggered', args: { state: 'restarted', stagger: '10m' }, state: st({ systemd: true }), status: 'change', summary: /^full restart of apache2 \(master 1234 → new master\) via systemd, staggered within 600 s$/ },
  { name: 'graceful reload keeps the master', args: { state: 'reloaded' }, state: st(), status: 'change', summary: /^graceful reload of apache2 \(master 1234 keeps its PID; generation 3 → 4\) via apache2ctl$/ },
  { name: 'reload of a stopped Apache starts it', args: { state: 'reloaded' }, state: st({ pid: null }), status: 'change', summary: /^start apache2 \(not running; a reload starts it\) via apache2ctl$/ },
  { name: 'started when running: ok', args: { state: 'started' }, state: st(), status: 'ok', summary: /running \(master 1234\)/ },
  { name: 'stopped when stopped: ok', args: { state: 'stopped' }, state: st({ pid: null }), status: 'ok', summary: /not running/ },
  { name: 'stop', args: { state: 'stopped' }, state: st(), status: 'change', summary: /^stop apache2 \(master 1234\) via apache2ctl$/ },
  { name: 'broken config: fail before acting', args: { state: 'restarted' }, state: st({ configTest: { ok: false, output: 'AH00526: Syntax error on line 1 of /etc/apache2/conf-enabled/x.conf:\nInvalid command' } }), status: 'fail', summary: /config test fails: a restart would not bring it back/ },
  { name: 'no way to act', args: { state: 'restarted' }, state: st({ ctl: null, service: null, invokeRc: null }), status: 'fail', summary: /cannot stop apache2/ },
  { name: 'httpd via service(8)', args: { state: 'reloaded', name: 'httpd' }, state: st({ name: 'httpd', ctl: null }), status: 'change', summary: /via service$/ },
];
for (const c of plans) {
  test(`planService: ${c.name}`, (t) => {
    const p = planService(normalizeServiceArgs(c.args), c.state);
    t.is(p.status, c.status);
    t.regex(p.summary, c.summary);
    t.is(p.class, 'stateless');
  });
}

test('actionScript: systemd, sysvinit, a Debian multi-instance under systemd uses its apache2ctl', (t) => {
  t.is(actionScript({ ...debian, systemd: true }, 'reload'), 'systemctl reload apache2');
  t.is(actionScript(debian, 'reload'), '/usr/sbin/apache2ctl graceful');
  t.is(actionScript(debian, 'stop'), '/usr/sbin/apache2ctl stop');
  t.is(actionScript({ ...debian, systemd: true, confdir: '/etc/apache2-two' }, 'reload'), '/usr/sbin/apache2ctl graceful');
  t.is(actionScript({ ...debian, ctl: null }, 'reload'), '/usr/sbin/service apache2 reload');
  t.is(actionScript({ ...debian, ctl: null, service: null }, 'reload'), '/usr/sbin/invoke-rc.d apache2 reload');
});

const d = (over: Partial<ServiceData> = {}): ServiceData => ({ act: 'restart', pid: 100, generation: 3, statusUrl: 'http://127.0.0.1/server-status?auto', healthUrl: 'http://127.0.0.1/', healthAny: false, ctl: debian, ...over });
const judged: [string, ServiceData, string, boolean, RegExp][] = [
  ['restart: new master, healthy', d(), 'rc|0\ngone|1\nrc|0\npid|200\nhealthy|1\nhealth|200\npid-now|200\n', true, /^full restart: master 100 → 200; http:\/\/127\.0\.0\.1\/ answers 200$/],
  ['restart: the old master never stopped', d(), 'rc|0\ngone|0\n', false, /master 100 did not stop/],
  ['restart: same pid is not a full restart', d(), 'rc|0\ngone|1\nrc|0\nhealthy|1\npid-now|100\n', false, /still 100: not a full restart/],
  ['restart: not serving', d(), 'rc|0\ngone|1\nrc|0\nhealthy|0\nhealth|000\npid-now|200\n', false, /does not serve http:\/\/127\.0\.0\.1\/ after the restart \(last HTTP status 000\)/],
  ['restart: start failed', d(), 'rc|0\ngone|1\nrc|1\nout|AH00072: make_sock: could not bind to address\npid-now|\n', false, /exited 1 \(AH00072/],
  ['reload: generation advanced', d({ act: 'reload' }), 'rc|0\ngeneration|4\nhealthy|1\nhealth|200\npid-now|100\n', true, /^graceful reload: master 100, generation 4/],
  ['reload: generation stuck', d({ act: 'reload' }), 'rc|0\ngeneration|3\nhealthy|1\npid-now|100\n', false, /generation did not advance past 3 \(now 3\)/],
  ['reload: master replaced', d({ act: 'reload' }), 'rc|0\ngeneration|1\nhealthy|1\npid-now|300\n', false, /master changed 100 → 300/],
  ['stop: gone', d({ act: 'stop', healthUrl: null }), 'rc|0\ngone|1\npid-now|\n', true, /stopped/],
];
for (const [name, data, out, ok, msg] of judged) {
  test(`judgeAction: ${name}`, (t) => {
    const r = judgeAction(data, out, 'apache2');
    t.is(r.ok, ok);
    t.regex(r.msg, msg);
  });
}

test('splay: stable per host, within [0, max), spread across hosts', (t) => {
  t.is(splayMs('web01', 600_000), splayMs('web01', 600_000));
  const v = Array.from({ length: 200 }, (_, i) => splayMs(`web${i}`, 600_000));
  t.true(v.every((x) => x >= 0 && x < 600_000));
  t.true(v.filter((x) => x < 300_000).length > 60 && v.filter((x) => x >= 300_000).length > 60, 'roughly uniform');
  t.is(splayMs('web01', 0), 0);
});

test('normalizeServiceArgs: durations (validated ms or raw text) and errors', (t) => {
  t.is(normalizeServiceArgs({ state: 'restarted', stagger: '10m' }).stagger, 600_000);
  t.is(normalizeServiceArgs({ state: 'restarted', stagger: 5000 }).stagger, 5000);
  t.throws(() => normalizeServiceArgs({ state: 'bounced' }), { message: /state must be reloaded, restarted, started or stopped/ });
  t.throws(() => normalizeServiceArgs({ state: 'reloaded', health_url: 'localhost/' }), { message: /http\(s\) URL/ });
  t.throws(() => normalizeServiceArgs({ state: 'reloaded', stagger: 'soon' }), { message: /duration/ });
});

for (const [listens, want] of [[['80', '443'], 'http://127.0.0.1:80'], [['443', '8080'], 'http://127.0.0.1:8080'], [['0.0.0.0:81'], 'http://127.0.0.1:81'], [['[::]:82'], 'http://[::1]:82'], [['10.0.0.5:8443 https', '10.0.0.5:8000'], 'http://10.0.0.5:8000'], [[], null]] as [string[], string | null][]) {
  test(`localBaseUrl ${JSON.stringify(listens)}`, (t) => t.is(localBaseUrl(listens), want));
}

test('parseControlProbe reads the records', (t) => {
  const c = parseControlProbe('name|httpd\nconfdir|\nclock|1700000000\nsystemd|1\nctl|/usr/sbin/apachectl\nhttp|wget\npid|\nlisten|80\nconfigtest-rc|1\nconfigtest|AH00526: Syntax error\nerrorlog|/var/log/httpd/error_log\nerrorlog-size|42\n');
  t.like(c, { name: 'httpd', confdir: null, systemd: true, ctl: '/usr/sbin/apachectl', http: 'wget', pid: null, listens: ['80'], configTest: { ok: false, output: 'AH00526: Syntax error' }, errorLogSize: 42, clock: 1_700_000_000 });
});

test('alive: a zombie apache2 (exited, not reaped yet) is dead, a running one alive (dash)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'remediate-zombie-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  copyFileSync('/bin/sleep', join(dir, 'apache2'));
  // A parent (sh) that execs into a sleep without reaping: its child apache2 exits and stays a zombie.
  const parent = spawn('sh', ['-c', `${join(dir, 'apache2')} 0.1 & ${join(dir, 'apache2')} 30 & exec sleep 30`], { stdio: 'ignore' });
  t.teardown(() => { parent.kill('SIGKILL'); });
  const script = `${CTL_PRELUDE}\nfor p in $(ps -o pid= --ppid ${parent.pid}); do s=$(cut -d' ' -f3 /proc/$p/stat); if alive $p; then echo "$s alive"; else echo "$s dead"; fi; done`;
  let seen: string[] = [];
  // Poll (a loaded machine may take a while to run the short child to its end).
  for (let i = 0; i < 100; i++) {
    seen = execFileSync('dash', ['-c', script]).toString().trim().split('\n').sort();
    if (seen.includes('Z dead')) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  t.deepEqual(seen, ['S alive', 'Z dead']);
  execFileSync('pkill', ['-KILL', '-P', String(parent.pid)]);
});

// ---------------------------------------------------------------- canary_reload

const cst = (keys: number | string | null, c: Partial<ApacheControl> = {}) => ({ apache: st(c), keys: keys === null ? null : typeof keys === 'number' ? { keys, pid: 1234, how: 'read' } : { unknown: keys } });
const cplans: [string, Record<string, unknown>, ReturnType<typeof cst>, Planned['status'], RegExp][] = [
  ['default 50 reloads with keys', {}, cst(8), 'change', /^canary: 50 graceful reloads of apache2 \(master 1234, generation 3\); 8 keys in use; passes when they grow by at most 0$/],
  ['without root: generations', {}, cst('cannot read /proc/1234/maps as uid 1000 (keys need root: become)'), 'change', /keys not measured \(cannot read \/proc\/1234\/maps as uid 1000 \(keys need root: become\)\); judged by generation counters and the master staying alive$/],
  ['keys: measure, without root', { keys: 'measure' }, cst('no root'), 'fail', /keys in use cannot be measured: no root/],
  ['the incident: 1100 reloads on a fresh master', { reloads: 1100 }, cst(7), 'fail', /a canary of 1100 reloads could exhaust master 1234's pthread keys \(7 of 1024 in use\)/],
  ['20 reloads with 1000 keys in use', { reloads: 20 }, cst(1000), 'change', /1000 keys in use/],
  ['24 reloads with 1000 keys in use', { reloads: 24 }, cst(1000), 'fail', /could exhaust/],
  ['not running', {}, cst(null, { pid: null }), 'fail', /not running: nothing to prove a remedy on/],
];
for (const [name, raw, state, status, summary] of cplans) {
  test(`planCanary: ${name}`, (t) => {
    const p = planCanary(normalizeCanaryArgs(raw), state);
    t.is(p.status, status);
    t.regex(p.summary, summary);
  });
}

const data: CanaryData = { pid: 1234, generation: 3, statusUrl: 'http://127.0.0.1/server-status?auto', healthUrl: 'http://127.0.0.1/server-status?auto', healthAny: true, errorLog: '/var/log/apache2/error.log', logOffset: 0, keysBefore: 7, keysWhy: null, reloadCmd: 'apache2ctl graceful', clock: 1_640_995_200 /* 2022-01-01 */ };
const ok = (index: number, extra: Partial<ReloadObservation> = {}): ReloadObservation => ({ index, rc: 0, alive: true, pidNow: 1234, generation: 3 + index, healthy: true, health: '200', exhaustion: [], out: '', ...extra });
const k = (keys: number) => ({ keys, pid: 1234, how: 'read' });

test('judgeCanary: zero growth passes', (t) => {
  const v = judgeCanary(normalizeCanaryArgs({ reloads: 3 }), data, [ok(1), ok(2), ok(3)], k(7));
  t.true(v.ok);
  t.is(v.msg, 'canary passed: 3 graceful reloads, master 1234 alive, generation 3 → 6; keys 7 → 7 (+0)');
});

test('judgeCanary: the incident rate fails with reloads left and the date of death', (t) => {
  const v = judgeCanary(normalizeCanaryArgs({ reloads: 5 }), { ...data, keysBefore: 2 }, [1, 2, 3, 4, 5].map((i) => ok(i)), k(7));
  t.false(v.ok);
  t.is(v.msg, 'canary failed: leaks 1.00 key per reload (keys 2 → 7 over 5 reloads); 1017 reloads left → dies in 2.8 years at 1 reload/day (2024-10-14) (allowed growth 0)');
  t.like(v.result, { key_growth: 5, keys_per_reload: 1, reloads_left: 1017, forecast_death: '2024-10-14', evidence: 'pthread_keys' });
});

test('judgeCanary: death by exhaustion on a reload names it', (t) => {
  const v = judgeCanary(normalizeCanaryArgs({ reloads: 50 }), data, [ok(1), ok(2, { alive: false, pidNow: null, exhaustion: ['libgomp: could not create thread pool destructor.'] })], null);
  t.false(v.ok);
  t.regex(v.msg, /^canary failed on reload #2 of 50: pthread keys exhausted \(libgomp: could not create thread pool destructor\.\); master 1234 died$/);
});

for (const [name, o, re] of [
  ['master died', ok(1, { alive: false, pidNow: null }), /master 1234 died/],
  ['reload refused', ok(1, { rc: 1, out: 'Action graceful failed' }), /`apache2ctl graceful` exited 1 \(Action graceful failed\)/],
  ['generation stuck', ok(1, { generation: 3 }), /generation did not advance past 3 within 30 s/],
  ['not serving', ok(1, { healthy: false, health: '503' }), /does not answer \(last HTTP status 503\)/],
  ['master replaced', ok(1, { pidNow: 999 }), /the master is now 999, not 1234/],
] as [string, ReloadObservation, RegExp][]) {
  test(`judgeCanary: ${name}`, (t) => {
    const v = judgeCanary(normalizeCanaryArgs({ reloads: 5 }), data, [o], null);
    t.false(v.ok);
    t.regex(v.msg, re);
  });
}

test('judgeCanary: without keys, generations + alive pass and say so', (t) => {
  const v = judgeCanary(normalizeCanaryArgs({ reloads: 2 }), { ...data, keysBefore: null, keysWhy: 'no root' }, [ok(1), ok(2)], null);
  t.true(v.ok);
  t.regex(v.msg, /keys not measured \(no root\): judged by generations and the master staying alive$/);
});

test('forecast and durations', (t) => {
  t.like(forecast(7, 1, 1, 1_640_995_200), { reloadsLeft: 1017, date: '2024-10-14' });
  t.is(forecast(1000, 1, 4, null).text, '24 reloads left → dies in 6 days at 4 reloads/day');
  t.is(forecast(1000, 2, 0, null).text, '12 reloads left');
  t.deepEqual([humanDuration(1017), humanDuration(40.5), humanDuration(0.2)], ['2.8 years', '40 days', '5 hours']);
});

test('parseReload reads one reload', (t) => {
  t.deepEqual(parseReload(3, 'rc|0\nout|x\ngeneration|9\nalive|1\npid-now|1234\nhealthy|1\nhealth|200\nexhaustion|[Sat Jan 01] libgomp: could not create thread pool destructor.\n'), {
    index: 3, rc: 0, alive: true, pidNow: 1234, generation: 9, healthy: true, health: '200', exhaustion: ['[Sat Jan 01] libgomp: could not create thread pool destructor.'], out: 'x',
  });
});

test('normalizeCanaryArgs: defaults and errors', (t) => {
  t.like(normalizeCanaryArgs({}), { reloads: 50, max_key_growth: 0, keys: 'auto', reloads_per_day: 1, error_log: 'auto', reload_timeout: 30_000 });
  t.throws(() => normalizeCanaryArgs({ reloads: 0 }), { message: /reloads must be an integer from 1 to 5000/ });
  t.throws(() => normalizeCanaryArgs({ keys: 'guess' }), { message: /keys must be auto, measure or generation/ });
  t.throws(() => normalizeCanaryArgs({ error_log: 'error.log' }), { message: /absolute path/ });
});

test('parseLocateFor: libc mapping, or why keys cannot be read', (t) => {
  const loc = parseLocateFor(1234, `lib|7f9af55f7000-7f9af561d000|${'a'.repeat(64)}|0|/usr/lib/x86_64-linux-gnu/libc.so.6\n`);
  t.deepEqual(loc, { pid: 1234, libs: [{ range: '7f9af55f7000-7f9af561d000', start: 0x7f9af55f7000, path: '/usr/lib/x86_64-linux-gnu/libc.so.6', deleted: false, sha256: 'a'.repeat(64) }] });
  t.deepEqual(parseLocateFor(1234, 'denied|1000|cat: /proc/1234/maps: Permission denied\n'), { unknown: 'cannot read /proc/1234/maps as uid 1000 (keys need root: become): cat: /proc/1234/maps: Permission denied' });
  t.deepEqual(parseLocateFor(1234, ''), { unknown: 'master 1234 maps no libc.so.6 or libpthread.so.0' });
});
