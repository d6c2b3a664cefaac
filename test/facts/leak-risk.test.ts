import test from 'ava';
import type { ApacheFact } from '../../src/facts/apache.js';
import type { ImageMagickFact, MappedGomp } from '../../src/facts/imagemagick.js';
import { decideLeak, type HostFacts, type LeakEvidence } from '../../src/facts/leak.js';
import { classifyGompFile, classifyPackageVersion } from '../../src/facts/libgomp.js';
import type { OsFact } from '../../src/facts/os.js';
import type { PhpExtensionFact } from '../../src/facts/php-extension.js';
import type { PthreadKeys } from '../../src/facts/pthread-keys.js';
import { assessRisk, type Risk } from '../../src/facts/risk.js';
import { isUnknown, unknown } from '../../src/facts/types.js';

// Fact values as the parsers produce them, reduced to the fields the deciders read.
const os = (id: string, versionId: string) => ({ id, versionId }) as OsFact;
const DEBIAN12 = os('debian', '12');
const UBUNTU2004 = os('ubuntu', '20.04');
const UBUNTU1604 = os('ubuntu', '16.04');
const DEBIAN10 = os('debian', '10');

function apache(o: { reloads?: number | null; exact?: boolean; perDay?: number | null; running?: boolean; installed?: boolean; dead?: ApacheFact['dead'] } = {}): ApacheFact {
  const reloads = o.reloads === null ? unknown('server-status did not answer; error log: cannot read') : { count: o.reloads ?? 0, source: 'server-status', exact: o.exact ?? true, detail: '' };
  return {
    installed: o.installed ?? true, running: o.running ?? !o.dead, dead: o.dead ?? null, reloads,
    reloadFrequency: { perDay: o.perDay === undefined ? 1 : o.perDay, source: 'logrotate', sinceStart: null, logHistory: null, logrotate: [] },
  } as unknown as ApacheFact;
}
const measured = (keysInUse: number): PthreadKeys => ({ kind: 'measured', keysInUse, max: 1024, pid: 3426, lib: '/lib/x86_64-linux-gnu/libc.so.6', buildId: null, address: '0x7f0' });
const NEEDS_ROOT: PthreadKeys = unknown('cannot read /proc/3426/maps as uid 1000 (needs become)');
function gomp(o: { gcc?: string; nodes?: string[]; sha?: string; preload?: string } | null | 'unknown', pkg?: string): ImageMagickFact {
  const markers = { versionNodes: o && o !== 'unknown' ? o.nodes ?? [] : [], hasPauseResourceAll: false, gccComments: o && o !== 'unknown' && o.gcc ? [`GCC: (Ubuntu) ${o.gcc}`] : [] };
  const libgomp = o === 'unknown' ? unknown('cannot read /proc/3426/maps (needs become)') : o === null ? null
    : ({ path: '/usr/lib/x86_64-linux-gnu/libgomp.so.1.0.0', range: '7f-8f', deleted: false, sha256: o.sha ?? null, diskSha256: null, replaced: null, ...markers, verdict: classifyGompFile(markers) } as MappedGomp);
  return { openmp: true, openmpSource: 'convert', convertVersion: null, features: null, masterPid: 3426, magickCore: [], libgomp, libgompPackage: pkg ? { name: 'libgomp1', version: pkg, verdict: classifyPackageVersion(pkg) } : null, preload: o && o !== 'unknown' && o.preload ? [o.preload] : null, gompPreloaded: !!(o && o !== 'unknown' && o.preload), libgompOnDisk: null, gompPath: libgomp && !isUnknown(libgomp) ? libgomp.path : null };
}
const DEAD = { pid: 3426, at: Date.UTC(2022, 0, 1, 6, 25) / 1000, reloadsSurvived: 1017, complete: true, atIso: '2022-01-01T06:25:00.000Z' };

const LEAK: { name: string; facts: HostFacts; leaking: boolean | null; evidence: LeakEvidence | null; detail?: RegExp }[] = [
  { name: 'incident, measured mid-life: 1013 keys after 1006 reloads (Ubuntu 20.04 baseline 7)', facts: { os: UBUNTU2004, apache: apache({ reloads: 1006 }), pthread_keys: measured(1013), imagemagick: gomp({ gcc: '10.2.0' }) }, leaking: true, evidence: 'keys-vs-reloads', detail: /1013 keys in use after 1006 reloads.*\+1\.00 per reload/ },
  { name: 'incident, the end: master died on reload #1018, no process', facts: { os: UBUNTU2004, apache: apache({ dead: DEAD }) }, leaking: true, evidence: 'exhaustion-log', detail: /pid 3426 died.*after 1017 reloads/ },
  { name: 'healthy Debian 12 master: 8 keys after 3 reloads is too few to tell; the mapped GCC 12 libgomp decides', facts: { os: DEBIAN12, apache: apache({ reloads: 3 }), pthread_keys: measured(8), imagemagick: gomp({ nodes: ['GOMP_5.0', 'OACC_2.6'] }, '12.2.0-14+deb12u1') }, leaking: false, evidence: 'libgomp-identity' },
  { name: 'healthy Debian 12 master: 8 keys after 20 reloads', facts: { os: DEBIAN12, apache: apache({ reloads: 20 }), pthread_keys: measured(8) }, leaking: false, evidence: 'keys-vs-reloads', detail: /no growth/ },
  { name: 'the negative control: 14 keys after 5 reloads on Debian 12 (+1 key per reload)', facts: { os: DEBIAN12, apache: apache({ reloads: 5 }), pthread_keys: measured(14), imagemagick: gomp({ nodes: ['GOMP_5.0'] }) }, leaking: true, evidence: 'keys-vs-reloads', detail: /\+1\.20 per reload/ },
  { name: 'measurement beats the version story: a GCC 5 libgomp but no growth over 50 reloads', facts: { os: UBUNTU1604, apache: apache({ reloads: 50 }), pthread_keys: measured(7), imagemagick: gomp({ gcc: '5.4.0 20160609' }, '5.4.0-6ubuntu1~16.04.12') }, leaking: false, evidence: 'keys-vs-reloads' },
  { name: 'keys far above any baseline, reload count unknown', facts: { apache: apache({ reloads: null }), pthread_keys: measured(600) }, leaking: true, evidence: 'keys-vs-reloads', detail: /far above/ },
  { name: 'reloads only as a lower bound (14 days of logs): 8 keys still rules the leak out', facts: { os: DEBIAN12, apache: apache({ reloads: 14, exact: false }), pthread_keys: measured(8) }, leaking: false, evidence: 'keys-vs-reloads', detail: /at least 14/ },
  { name: 'no root on Ubuntu 16.04: package table, labelled a guess', facts: { os: UBUNTU1604, apache: apache({ reloads: 700 }), pthread_keys: NEEDS_ROOT, imagemagick: gomp('unknown', '5.3.1-14ubuntu2') }, leaking: true, evidence: 'package-table', detail: /^guess from libgomp1 5\.3\.1/ },
  { name: 'no root on Debian 10 (libgomp 8.3.0): nothing decides', facts: { os: DEBIAN10, apache: apache({ reloads: 700 }), pthread_keys: NEEDS_ROOT, imagemagick: gomp('unknown', '8.3.0-6') }, leaking: null, evidence: null },
  { name: 'the master maps no libgomp', facts: { apache: apache({ reloads: 1 }), pthread_keys: measured(9), imagemagick: gomp(null) }, leaking: false, evidence: 'libgomp-identity', detail: /maps no libgomp/ },
  { name: 'a libgomp file measured leaky before (known hash)', facts: { apache: apache({ reloads: 1 }), imagemagick: gomp({ nodes: ['GOMP_4.5', 'OACC_2.0'], sha: 'c'.repeat(64) }) }, leaking: true, evidence: 'libgomp-identity', detail: /known leaky build \(canary/ },
  { name: 'imagick not loaded by Apache\'s PHP', facts: { apache: apache({ reloads: 1 }), imagemagick: gomp('unknown', '5.4.0-6ubuntu1'), php_extension: { name: 'imagick', apache: { extension: { loaded: false } } } as unknown as PhpExtensionFact }, leaking: false, evidence: 'package-table', detail: /not loaded/ },
  { name: 'remedy 2 just applied: a leaky GCC 5 libgomp, but in the master\'s LD_PRELOAD, freshly restarted (0 reloads)', facts: { os: UBUNTU1604, apache: apache({ reloads: 0 }), pthread_keys: measured(7), imagemagick: gomp({ gcc: '5.4.0 20160609', preload: '/usr/lib/x86_64-linux-gnu/libgomp.so.1.0.0' }, '5.4.0-6ubuntu1~16.04.12') }, leaking: false, evidence: 'libgomp-identity', detail: /LD_PRELOAD.*no key leaked/ },
  { name: 'LD_PRELOAD set but the keys still grow: the measurement decides', facts: { os: UBUNTU1604, apache: apache({ reloads: 10 }), pthread_keys: measured(17), imagemagick: gomp({ gcc: '5.4.0 20160609', preload: '/usr/lib/x86_64-linux-gnu/libgomp.so.1.0.0' }) }, leaking: true, evidence: 'keys-vs-reloads' },
  { name: 'Apache not installed', facts: { apache: apache({ installed: false }) }, leaking: false, evidence: null },
];
for (const c of LEAK) {
  test(`leak: ${c.name}`, (t) => {
    const d = decideLeak(c.facts, { knownLibgomp: { ['c'.repeat(64)]: { leaky: true, label: 'canary 2026-11-20: +1/reload' } } });
    t.is(d.leaking, c.leaking, d.detail);
    t.is(d.evidence, c.evidence);
    if (c.detail) t.regex(d.detail, c.detail);
    if (c.leaking === null) t.is(d.undecided.length, 3, 'each kind of evidence says why it did not decide');
  });
}

const NOW = Date.UTC(2021, 11, 21, 6, 0) / 1000; // 11 days before the incident's morning
const RISK: { name: string; facts: HostFacts; horizon?: number; risk: Risk; keys: number | null; kind?: 'measured' | 'estimate' | null; left: number | null; death: string | null; reason?: RegExp }[] = [
  { name: 'incident: 1013 keys, daily reload → dies 2022-01-01, critical within 30 days', facts: { os: UBUNTU2004, apache: apache({ reloads: 1006 }), pthread_keys: measured(1013) }, risk: 'critical', keys: 1013, kind: 'measured', left: 11, death: '2022-01-01', reason: /dies around 2022-01-01, within the 30-day horizon/ },
  { name: 'same host, 7-day horizon: at-risk', facts: { os: UBUNTU2004, apache: apache({ reloads: 1006 }), pthread_keys: measured(1013) }, horizon: 7, risk: 'at-risk', keys: 1013, left: 11, death: '2022-01-01' },
  { name: 'already dead', facts: { apache: apache({ dead: DEAD }) }, risk: 'critical', keys: null, left: 0, death: '2022-01-01', reason: /already dead/ },
  { name: 'healthy Debian 12 master (8 keys)', facts: { os: DEBIAN12, apache: apache({ reloads: 20 }), pthread_keys: measured(8) }, risk: 'safe', keys: 8, kind: 'measured', left: 1016, death: null },
  { name: 'leaking, half-way: 507 keys, daily → at-risk, forecast 517 days out', facts: { os: UBUNTU2004, apache: apache({ reloads: 500 }), pthread_keys: measured(507) }, risk: 'at-risk', keys: 507, left: 517, death: '2023-05-22' },
  { name: 'leaking, weekly reloads: 1000 keys → 24 reloads → 168 days', facts: { os: UBUNTU2004, apache: apache({ reloads: 993, perDay: 1 / 7 }), pthread_keys: measured(1000) }, risk: 'at-risk', keys: 1000, left: 24, death: '2022-06-07' },
  { name: 'leaking, no scheduled reload: at-risk without forecast', facts: { os: UBUNTU2004, apache: apache({ reloads: 500, perDay: 0 }), pthread_keys: measured(507) }, risk: 'at-risk', keys: 507, left: 517, death: null, reason: /zero \(no scheduled reload\)/ },
  { name: 'no root, Ubuntu 16.04, 1010 reloads: estimate 8 + 1010, critical', facts: { os: UBUNTU1604, apache: apache({ reloads: 1010 }), pthread_keys: NEEDS_ROOT, imagemagick: gomp('unknown', '5.3.1-14ubuntu2') }, risk: 'critical', keys: 1018, kind: 'estimate', left: 6, death: '2021-12-27' },
  { name: 'nothing decides the leak: unknown, with the reasons', facts: { os: DEBIAN10, apache: apache({ reloads: 700 }), pthread_keys: NEEDS_ROOT, imagemagick: gomp('unknown', '8.3.0-6') }, risk: 'unknown', keys: 708, kind: 'estimate', left: 316, death: null, reason: /cannot tell whether the master leaks: keys in use unknown.*8\.1–8\.3/ },
  { name: 'installed, not running, no exhaustion in the logs', facts: { apache: apache({ running: false }) }, risk: 'unknown', keys: null, left: null, death: null },
  { name: 'not installed', facts: { apache: apache({ installed: false }) }, risk: 'safe', keys: null, left: null, death: null },
];
for (const c of RISK) {
  test(`risk: ${c.name}`, (t) => {
    const r = assessRisk(c.facts, { horizonDays: c.horizon ?? 30, nowEpoch: NOW });
    t.is(r.risk, c.risk, r.reason);
    t.is(r.keysInUse, c.keys);
    if (c.kind !== undefined) t.is(r.keysKind, c.kind);
    t.is(r.reloadsLeft, c.left);
    t.is(r.forecastDeath, c.death);
    if (c.reason) t.regex(r.reason, c.reason);
  });
}

test('risk arithmetic: reloads left = 1024 − keys; days = reloads left ÷ reloads per day, from the host clock', (t) => {
  const r = assessRisk({ os: UBUNTU2004, apache: apache({ reloads: 1006, perDay: 2 }), pthread_keys: measured(1013) }, { horizonDays: 30, nowEpoch: NOW });
  t.is(r.reloadsLeft, 1024 - 1013);
  t.is(r.daysLeft, 11 / 2);
  t.is(r.forecastDeath, new Date((NOW + 5.5 * 86400) * 1000).toISOString().slice(0, 10));
});
