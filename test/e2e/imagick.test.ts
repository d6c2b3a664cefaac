// End to end, with real components only: the real CLI (in-process runCli), real SSH to a real
// OpenSSH sshd on loopback (a key user with passwordless sudo; the playbook has become: true),
// and this machine's real Apache (Debian apache2 + mod_php + php-imagick, apache2ctl, no systemd).
// Serial and stateful: each test builds on the previous one. It resets the machine first and
// restores it afterwards, failure or not. Findings are cross-checked with independent readers:
// Apache itself (a PHP page), mod_status, /proc/PID/mem via nm, and gdb when installed.
//
//   1 check: non-compliant (set_single_thread=0), Imagick/OpenMP/keys as the master really has them
//   2 plan: touches nothing (every file under /etc/php and /etc/apache2 hashed)
//   3 apply: the drop-in, a canary of 20 real graceful reloads with zero key growth; check passes
//   4 rollback: /etc/php byte-identical to before the apply, and Apache reloaded onto it
//   5 negative control: a LoadFile'd library leaking one key per load; check and canary must fail
import test from 'ava';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Event } from '../../src/report/events.js';
import { cli, type CliRun } from '../helpers/cli.js';
import { buildLeakyLibrary } from '../modules/apache-instance.js';
import { gdbAvailable, keysViaGdb, keysViaProcMem } from './pthread-keys-reader.js';
import { gracefulReload, httpGet, masterPid, restartApacheFresh, status, systemApacheMissing } from '../helpers/system-apache.js';
import { diffSnapshots, snapshot, type Snapshot } from './tree-hashes.js';
import { openVulnerableApache, type VulnerableApache } from './vulnerable-apache.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const PLAYBOOK = 'playbooks/imagick.yml';
const CANARY_TASK = 'prove it on the canary - reload repeatedly, zero key growth';
const missing = systemApacheMissing();

// Everything the tests share (set up in before, torn down in after.always): the vulnerable
// Apache behind a real sshd (tmp, confd, testIni, dropIn, inventory, restore), plus this file's own.
interface World extends VulnerableApache {
  leakConf: string;
  page: string;
  journal: string;
  so: string;
}
let w: World | undefined;
// Results handed from one serial test to the next.
let baselineKeys: number | undefined;
let phpBeforeApply: Snapshot | undefined;
let applyRunId: string | undefined;

const PAGE_PHP = `<?php
header('Content-Type: application/json');
echo json_encode([
  'version' => phpversion('imagick'),
  'features' => class_exists('Imagick') ? Imagick::getFeatures() : null,
  'single' => ini_get('imagick.set_single_thread'),
]);
`;
interface Page { version: string | false; features: string | null; single: string | false }

async function readPage(): Promise<Page> {
  const r = await httpGet('/' + w!.page.split('/').pop());
  if (r.status !== 200) throw new Error(`the test page answered ${r.status}: ${r.body.slice(0, 300)}`);
  return JSON.parse(r.body) as Page;
}

async function remediate(t: { log: (...a: unknown[]) => void }, args: string[]): Promise<CliRun & { events: Event[] }> {
  const started = Date.now();
  const r = await cli(args, { cwd: REPO, env: { XDG_STATE_HOME: join(w!.tmp, 'state') } });
  t.log(`remediate ${args.filter((a) => !a.startsWith('/')).join(' ')} → exit ${r.code} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const events = args.includes('--json')
    ? r.out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Event)
    : [];
  return { ...r, events };
}

function fact<T>(events: Event[], name: string): T {
  const e = events.find((x) => x.kind === 'host.fact' && x.fact === name);
  if (!e || e.kind !== 'host.fact') throw new Error(`no ${name} fact in the events`);
  return e.value as T;
}

function checks(events: Event[]): Record<string, string> {
  return Object.fromEntries(events.flatMap((e) => (e.kind === 'host.check' ? [[e.id, e.status]] : [])));
}

function step(events: Event[], task: string): Extract<Event, { kind: 'host.step' }> {
  const e = events.find((x) => x.kind === 'host.step' && x.task === task);
  if (!e || e.kind !== 'host.step') throw new Error(`no step '${task}' in the events`);
  return e;
}

function runId(events: Event[]): string {
  const e = events.find((x) => x.kind === 'run.start');
  if (!e || e.kind !== 'run.start') throw new Error('no run.start event');
  return e.runId;
}

interface Keys { kind: string; keysInUse?: number; pid?: number }
interface Leak { leaking: boolean | null; evidence: string; ratePerReload: number | null; detail: string }
interface SapiExt { version: string; setSingleThread: { present: boolean; value?: string }; openmp: boolean; features: string[] }
interface PhpExt { apache: { scanDir: string; extension: SapiExt } | null }

async function independentKeys(pid: number): Promise<{ mem: number; gdb: number | null }> {
  return { mem: await keysViaProcMem(pid), gdb: await keysViaGdb(pid) };
}

if (missing) {
  const why = `real Apache end-to-end skipped: ${missing}`;
  if (process.env.CI) test('real Apache end-to-end (CI)', (t) => t.fail(`${missing}: .ci/run installs apache2, libapache2-mod-php, php-imagick, openssh-server and gcc and runs as root`));
  else test.skip(why, () => undefined);
} else {
  test.before(async () => {
    // Takes the system-Apache lock; removes what this test (or an earlier, killed run of it) may
    // have left behind, here and again in after.always.
    const leakConf = '/etc/apache2/conf-enabled/zz-remediate-e2e-leaky-key.conf';
    const page = '/var/www/html/remediate-e2e-imagick.php';
    const host = await openVulnerableApache({ tmpPrefix: 'remediate-e2e-imagick-', extraFiles: [leakConf, page] });
    w = Object.assign(host, { leakConf, page, journal: join(host.tmp, 'journal.db'), so: '' });
    await writeFile(w.page, PAGE_PHP);
    w.so = await buildLeakyLibrary(w.tmp);
  });

  test.after.always(async () => {
    await w?.restore();
  });

  test.serial('check: non-compliant on set_single_thread; Imagick, OpenMP and the keys in use as the running master has them', async (t) => {
    const pid = masterPid()!;
    const page = await readPage();
    t.is(page.single, '0', 'the setup took: Apache serves set_single_thread=0');
    const r = await remediate(t, ['check', PLAYBOOK, '-i', w!.inventory, '--json']);
    t.is(r.code, 8, `check exits 8 (non-compliant)\n${r.err}`);
    t.deepEqual(checks(r.events), {
      'imagick-min-version': 'pass',
      'set-single-thread': 'fail',
      'no-key-leak': 'pass',
      'not-at-risk': 'pass',
    });

    // Imagick as Apache loads it: the same as what Apache itself serves.
    const php = fact<PhpExt>(r.events, 'php_extension');
    const ext = php.apache!.extension;
    t.is(php.apache!.scanDir, w!.confd);
    t.is<string | false, string | false>(ext.version, page.version, 'the version Apache itself reports');
    const osRelease = await readFile('/etc/os-release', 'utf8');
    if (/^ID=debian$/m.test(osRelease) && /^VERSION_ID="12"$/m.test(osRelease)) t.is(ext.version, '3.7.0', 'Debian 12 ships php8.2-imagick 3.7.0');
    t.deepEqual(ext.setSingleThread, { present: true, value: '0' });
    // OpenMP: Imagick::getFeatures() as served, and the imagemagick fact (incl. the mapped libgomp).
    t.true(/OpenMP/.test(page.features ?? ''), `Apache's Imagick features: ${page.features}`);
    t.true(ext.openmp);
    const im = fact<{ openmp: boolean; masterPid: number; libgomp: { path: string } | null }>(r.events, 'imagemagick');
    t.true(im.openmp);
    t.is(im.masterPid, pid);
    t.regex(im.libgomp?.path ?? '', /libgomp\.so/);
    t.regex(await readFile(`/proc/${pid}/maps`, 'utf8'), new RegExp(im.libgomp!.path.replace(/[.]/g, '\\.')));

    // Keys in use: the product's reading equals two independent ones.
    const keys = fact<Keys>(r.events, 'pthread_keys');
    t.is(keys.kind, 'measured');
    t.is(keys.pid, pid);
    const ind = await independentKeys(pid);
    t.is(keys.keysInUse, ind.mem, '/proc/PID/mem at nm\'s __pthread_keys');
    if (gdbAvailable()) t.is(keys.keysInUse, ind.gdb!, 'gdb');
    else t.log('gdb is not installed: cross-checked with nm + /proc/PID/mem only');
    baselineKeys = keys.keysInUse;
    t.log(`master ${pid}: Imagick ${ext.version}, features "${page.features}", ${keys.keysInUse} keys in use (mem ${ind.mem}, gdb ${ind.gdb ?? 'n/a'})`);

    const risk = fact<{ risk: string; reloadsLeft: number }>(r.events, 'risk');
    t.is(risk.risk, 'safe');
    t.is(risk.reloadsLeft, 1024 - keys.keysInUse!);
    t.is(masterPid(), pid, 'check did not touch the master');
  });

  test.serial('plan: what would change, and nothing under /etc/php or /etc/apache2 changed', async (t) => {
    const before = await snapshot('/etc/php', '/etc/apache2');
    const pid = masterPid();
    const gen = (await status())!.generation;
    const r = await remediate(t, ['plan', PLAYBOOK, '-i', w!.inventory]);
    t.is(r.code, 0, r.err);
    t.regex(r.out, new RegExp(`will change: imagick\\.set_single_thread = 1 .*create ${w!.dropIn.replace(/[.]/g, '\\.')}`));
    t.regex(r.out, /\+imagick\.set_single_thread = 1/);
    t.regex(r.out, /will change: graceful reload/);
    t.deepEqual(diffSnapshots(before, await snapshot('/etc/php', '/etc/apache2')), { added: [], removed: [], changed: [] });
    t.is(masterPid(), pid);
    t.is((await status())!.generation, gen, 'no reload either');
  });

  test.serial('apply: the drop-in, a canary of 20 real graceful reloads with zero key growth, Apache serves 1, check passes', async (t) => {
    t.timeout(300_000);
    phpBeforeApply = await snapshot('/etc/php');
    const apacheBefore = await snapshot('/etc/apache2');
    const pid = masterPid()!;
    const gen0 = (await status())!.generation;
    const keys0 = await independentKeys(pid);

    const r = await remediate(t, ['apply', PLAYBOOK, '-i', w!.inventory, '--yes', '--journal', w!.journal, '--json', '-e', 'canary_reloads=20']);
    t.is(r.code, 0, `${r.err}\n${r.out.slice(-3000)}`);
    applyRunId = runId(r.events);

    const canary = step(r.events, CANARY_TASK);
    t.is(canary.status, 'changed', canary.msg);
    const m = /^canary passed: (\d+) graceful reloads, master (\d+) alive, generation (\d+) → (\d+); keys (\d+) → (\d+) \(\+0\)$/.exec(canary.msg ?? '');
    t.truthy(m, canary.msg);
    const [reloads, master, genA, genB, kA, kB] = m!.slice(1).map(Number);
    t.true(reloads >= 20);
    t.is(master, pid);
    t.true(genB - genA >= reloads, 'every canary reload advanced the generation');
    t.is(kA, keys0.mem);
    t.is(kB, keys0.mem);
    t.log(`canary: ${reloads} graceful reloads in ${(canary.ms / 1000).toFixed(1)} s, generation ${genA} → ${genB}, keys ${kA} → ${kB}`);

    // Independently: the same master, ≥ 20 reloads by mod_status, and not one key more.
    t.is(masterPid(), pid, 'graceful reloads only: the master kept its PID');
    const gen1 = (await status())!.generation;
    t.true(gen1 - gen0 >= 20, `generation ${gen0} → ${gen1}`);
    const keys1 = await independentKeys(pid);
    t.deepEqual(keys1, keys0, 'zero key growth, read independently');

    // Only the drop-in changed; Apache serves the new value.
    const phpAfter = await snapshot('/etc/php');
    t.deepEqual(diffSnapshots(phpBeforeApply, phpAfter), { added: [w!.dropIn], removed: [], changed: [] });
    t.regex(await readFile(w!.dropIn, 'utf8'), /^imagick\.set_single_thread = 1\n$/);
    t.deepEqual(diffSnapshots(apacheBefore, await snapshot('/etc/apache2')), { added: [], removed: [], changed: [] });
    t.is((await readPage()).single, '1');

    const c = await remediate(t, ['check', PLAYBOOK, '-i', w!.inventory, '--json']);
    t.is(c.code, 0, c.err);
    t.deepEqual(checks(c.events), { 'imagick-min-version': 'pass', 'set-single-thread': 'pass', 'no-key-leak': 'pass', 'not-at-risk': 'pass' });
    t.deepEqual(fact<PhpExt>(c.events, 'php_extension').apache!.extension.setSingleThread, { present: true, value: '1' });
    const leak = fact<Leak>(c.events, 'leak');
    t.is(leak.leaking, false, leak.detail);
  });

  test.serial('rollback: /etc/php byte-identical to before the apply, and Apache reloaded onto it', async (t) => {
    t.truthy(applyRunId, 'the apply ran');
    const r = await remediate(t, ['rollback', applyRunId!, '--yes', '--journal', w!.journal]);
    t.is(r.code, 0, `${r.err}\n${r.out}`);
    t.regex(r.out, /rolled back: \[web1\]/);
    t.false(existsSync(w!.dropIn));
    t.deepEqual(diffSnapshots(phpBeforeApply!, await snapshot('/etc/php')), { added: [], removed: [], changed: [] });
    t.deepEqual(await snapshot('/etc/php'), phpBeforeApply!);
    // The rollback re-ran the handler the undone ini step had notified: Apache read the restored
    // config, and serves the value it served before the apply again.
    t.regex(r.out, /changed: \[web1\] graceful reload/);
    // A graceful reload lets old children finish: the new config is served within moments.
    let single = (await readPage()).single;
    for (let i = 0; i < 50 && single !== '0'; i++) { await new Promise((r) => setTimeout(r, 100)); single = (await readPage()).single; }
    t.is(single, '0', 'Apache serves the pre-apply set_single_thread again');
  });

  test.serial('negative control: a library leaking one key per load — check reports the leak from keys vs reloads, the canary fails with the rate', async (t) => {
    t.timeout(300_000);
    await writeFile(w!.leakConf, `LoadFile ${w!.so}\n`);
    const pid = await restartApacheFresh();
    const k0 = await keysViaProcMem(pid);
    for (let i = 0; i < 5; i++) await gracefulReload();
    const k5 = await keysViaProcMem(pid);
    t.is(masterPid(), pid);
    t.is(k5 - k0, 5, `the library leaks +1 key per graceful reload (${k0} → ${k5}, read independently)`);
    t.log(`leaky master ${pid}: ${k0} keys after the start, ${k5} after 5 graceful reloads`);

    // check: decided from evidence (keys in use against reloads survived), not from versions.
    const c = await remediate(t, ['check', PLAYBOOK, '-i', w!.inventory, '--json']);
    t.is(c.code, 8, c.err);
    t.is(checks(c.events)['no-key-leak'], 'fail');
    const keys = fact<Keys>(c.events, 'pthread_keys');
    t.is(keys.keysInUse, k5);
    t.like(fact<{ reloads: { count: number } }>(c.events, 'apache'), { reloads: { count: 5 } });
    const leak = fact<Leak>(c.events, 'leak');
    t.is(leak.leaking, true);
    t.is(leak.evidence, 'keys-vs-reloads');
    t.true(leak.ratePerReload! >= 1 && leak.ratePerReload! < 2, `about one key per reload: ${leak.ratePerReload}`);
    t.log(`check: ${leak.detail}`);

    // apply: the canary measures the growth and fails; the host is rolled back.
    const phpBefore = await snapshot('/etc/php');
    const r = await remediate(t, ['apply', PLAYBOOK, '-i', w!.inventory, '--yes', '--journal', w!.journal, '--json', '-e', 'canary_reloads=5']);
    t.is(r.code, 2, `apply exits 2 (a host failed)\n${r.err}`);
    const canary = step(r.events, CANARY_TASK);
    t.is(canary.status, 'failed');
    // The playbook may restart Apache before the canary (LD_PRELOAD + flush_handlers), so the
    // canary starts from the new master's count: what matters is +5 over its 5 reloads.
    t.regex(canary.msg ?? '', /^canary failed: leaks 1\.00 key per reload \(keys \d+ → \d+ over 5 reloads\); \d+ reloads left → dies in /);
    const [, from, to] = /keys (\d+) → (\d+) over 5 reloads/.exec(canary.msg ?? '') ?? [];
    t.is(Number(to) - Number(from), 5, 'five reloads, five keys');
    t.log(`canary (${(canary.ms / 1000).toFixed(1)} s): ${canary.msg}`);
    t.true(r.events.some((e) => e.kind === 'host.rollback' && e.host === 'web1' && e.status === 'restored'));
    t.deepEqual(diffSnapshots(phpBefore, await snapshot('/etc/php')), { added: [], removed: [], changed: [] }, 'rollback: host put /etc/php back');
    // The rollback also re-ran the handlers its undone steps had notified (Apache must read the
    // restored config): a full restart brings a fresh master (keys as after a start with the
    // library), a graceful reload alone adds the library's one key to the canary's final count.
    const ev = r.events as { kind: string; host?: string; task?: string; status?: string }[];
    const afterCanary = ev.slice(ev.findIndex((e) => e.kind === 'host.step' && e.task === CANARY_TASK) + 1, ev.findIndex((e) => e.kind === 'host.rollback' && e.host === 'web1'));
    const rerun = afterCanary.filter((e) => e.kind === 'host.step' && e.status === 'changed').map((e) => e.task);
    t.true(rerun.length > 0, 'the rollback re-ran the notified handlers');
    const keysNow = await keysViaProcMem(masterPid()!);
    // The playbook's handler order is full restart, then graceful reload: each reload after the
    // last restart adds the library's key to a fresh master's count.
    const lastRestart = rerun.lastIndexOf('full restart');
    const reloadsAfter = rerun.slice(lastRestart + 1).filter((x) => x === 'graceful reload').length;
    if (lastRestart >= 0) t.is(keysNow, k0 + reloadsAfter, `restarted after the rollback (${rerun.join(', ')}): a fresh master's count + ${reloadsAfter}, read independently`);
    else t.is(keysNow, Number(to) + 1, `reloaded after the rollback (${rerun.join(', ')}): the canary's final count + 1, read independently`);

    // Without the library, a full restart brings a new master back to the baseline.
    await rm(w!.leakConf, { force: true });
    const fresh = await restartApacheFresh();
    t.not(fresh, pid);
    t.is(await keysViaProcMem(fresh), baselineKeys!);
  });
}
