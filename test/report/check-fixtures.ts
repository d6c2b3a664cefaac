// Check runs as event streams, with fact values shaped like the parsers' output (the fields
// the risk forecast and evidence read), for the report, history and dashboard tests.
import type { Event } from '../../src/report/events.js';
import type { ApacheFact } from '../../src/facts/apache.js';
import type { OsFact } from '../../src/facts/os.js';
import type { PhpExtensionFact } from '../../src/facts/php-extension.js';
import type { ImageMagickFact } from '../../src/facts/imagemagick.js';
import type { PthreadKeys } from '../../src/facts/pthread-keys.js';
import { unknown } from '../../src/facts/types.js';

export interface HostSpec {
  host: string;
  /** 'debian 12', 'ubuntu 20.04' */
  os?: string;
  /** The host's clock (epoch s). */
  clock?: number;
  /** Keys measured in the master; null = unknown (no root). */
  keys?: number | null;
  reloads?: number;
  perDay?: number | null;
  singleThread?: string | null;
  imagick?: string;
  libgomp?: { path: string; gcc: string; leaky: boolean | null } | null;
  /** The host never answered. */
  unreachable?: string;
  /** Facts could not be gathered (host ended skipped). */
  factsFailed?: string;
  /** Master died of exhaustion at this epoch. */
  deadAt?: number;
}

export const ASSERTIONS = [
  { id: 'single-thread', that: "facts.php_extension.apache.extension.setSingleThread.value == '1'" },
  { id: 'imagick-3.5', that: "facts.php_extension.apache.extension.version is version('3.5.0', '>=', 'php')" },
];

export function factsOf(s: HostSpec): Record<string, unknown> {
  const [id, versionId] = (s.os ?? 'debian 12').split(' ');
  const os = { id, versionId, idLike: [], clockEpoch: s.clock ?? null } as unknown as OsFact;
  const reloads = s.reloads ?? 20;
  const apache = {
    installed: true, binary: '/usr/sbin/apache2', version: '2.4.62', mpm: 'prefork', running: s.deadAt === undefined,
    master: s.deadAt === undefined ? { pid: 3426, source: 'pidfile:/run/apache2/apache2.pid', lstart: null, ageSeconds: reloads * 86400, startedAt: null, exe: '/usr/sbin/apache2' } : unknown('no master'),
    reloads: { count: reloads, source: 'server-status', exact: true, detail: '' },
    dead: s.deadAt === undefined ? null : { pid: 3426, at: s.deadAt, reloadsSurvived: 1017, complete: true, atIso: new Date(s.deadAt * 1000).toISOString() },
    reloadFrequency: { perDay: s.perDay === undefined ? 1 : s.perDay, source: 'logrotate', sinceStart: null, logHistory: null, logrotate: [] },
    clockEpoch: s.clock ?? null, tzOffset: '+0000',
  } as unknown as ApacheFact;
  const php = {
    name: 'imagick',
    apache: {
      layout: 'debian', phpVersion: '8.2', enabledInApache: true, iniFile: '/etc/php/8.2/apache2/php.ini', scanDir: '/etc/php/8.2/apache2/conf.d', phpBinary: '/usr/bin/php8.2',
      extension: {
        loaded: true, version: s.imagick ?? '3.7.0', features: ['OpenMP'], openmp: true, ini: {}, phpVersion: '8.2.28', magickVersion: null,
        setSingleThread: s.singleThread === null ? { present: false } : { present: true, value: s.singleThread ?? '1' },
      },
      loadedBy: [{ path: '/etc/php/8.2/apache2/conf.d/20-imagick.ini', symlink: true, target: '/etc/php/8.2/mods-available/imagick.ini' }],
      settings: [],
    },
    sapis: [], packages: [], candidates: [], problems: [],
  } as unknown as PhpExtensionFact;
  const g = s.libgomp === undefined ? { path: '/usr/lib/x86_64-linux-gnu/libgomp.so.1.0.0', gcc: '12.2.0', leaky: false } : s.libgomp;
  const imagemagick = {
    openmp: true, openmpSource: 'convert', convertVersion: '6.9.11', features: ['OpenMP'], masterPid: 3426, magickCore: [],
    libgomp: g === null ? null : { path: g.path, range: '7f-8f', deleted: false, sha256: 'ab'.repeat(32), diskSha256: null, replaced: false, versionNodes: [], hasPauseResourceAll: false, gccComments: [`GCC: (Debian) ${g.gcc}`], verdict: { leaky: g.leaky, gcc: g.gcc, reason: `built by GCC ${g.gcc}: ${g.leaky ? 'leaky' : g.leaky === false ? 'fixed' : 'unverified'}` } },
    libgompPackage: { name: 'libgomp1', version: `${g?.gcc ?? '12.2.0'}-1`, verdict: { leaky: null, gcc: null, reason: 'hint' } },
  } as unknown as ImageMagickFact;
  const keys: PthreadKeys = s.keys === null ? unknown('cannot read /proc/3426/mem as uid 1000 (needs become)') : { kind: 'measured', keysInUse: s.keys ?? 8, max: 1024, pid: 3426, lib: '/lib/x86_64-linux-gnu/libc.so.6', buildId: null, address: '0x7f00' };
  return { os, apache, php_extension: php, imagemagick, pthread_keys: keys };
}

/** The events `remediate check` emits for these hosts (the engine's order, one play). */
export function checkEvents(runId: string, hosts: readonly HostSpec[], at = '2026-11-27T06:00:00.000Z'): Event[] {
  const ev: Event[] = [
    { kind: 'run.start', runId, command: 'check', playbook: 'playbooks/imagick.yml', hosts: hosts.length, batches: [], at },
    { kind: 'play.start', play: 'imagick', hosts: hosts.length },
    { kind: 'batch.start', index: 0, hosts: hosts.map((h) => h.host), canary: false },
  ];
  for (const s of hosts) {
    ev.push({ kind: 'host.start', host: s.host });
    if (s.unreachable) { ev.push({ kind: 'host.end', host: s.host, status: 'unreachable', msg: s.unreachable }); continue; }
    if (s.factsFailed) { ev.push({ kind: 'host.end', host: s.host, status: 'skipped', msg: s.factsFailed }); continue; }
    const facts = factsOf(s);
    for (const [fact, value] of Object.entries(facts)) ev.push({ kind: 'host.fact', host: s.host, fact, value });
    let failed = 0;
    const ext = (facts.php_extension as PhpExtensionFact).apache!.extension as { version: string; setSingleThread: { present: boolean; value?: string } };
    const results = [
      ext.setSingleThread.present && ext.setSingleThread.value === '1',
      Number(ext.version.split('.')[0]) * 100 + Number(ext.version.split('.')[1]) >= 305,
    ];
    ASSERTIONS.forEach((a, i) => {
      if (!results[i]) failed++;
      ev.push({ kind: 'host.check', host: s.host, id: a.id, status: results[i] ? 'pass' : 'fail', expected: a.that, msg: results[i] ? undefined : `${a.that} is false` });
    });
    ev.push({ kind: 'host.end', host: s.host, status: failed ? 'failed' : 'ok', msg: failed ? `${failed} of 2 assertion(s) failed` : 'compliant' });
  }
  ev.push({ kind: 'batch.end', index: 0, failed: 0, unreachable: 0, hosts: hosts.length, failedPct: 0, aborted: false });
  ev.push({ kind: 'run.end', exitCode: 0, aborted: false });
  return ev;
}

/** 2026-11-27 06:00 UTC, as a host clock. */
export const CLOCK = Date.UTC(2026, 10, 27, 6, 0) / 1000;
