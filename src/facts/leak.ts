// `leak`: does this host's Apache master gain a pthread key per reload? Decided from evidence,
// strongest first, and saying which evidence decided:
//   exhaustion-log    the master already died of it (log lines, no process);
//   keys-vs-reloads   keys in use (measured) against reloads survived: keys ≈ baseline + reloads
//                     means +1 per reload; keys ≈ baseline after many reloads means no leak;
//   libgomp-identity  the libgomp file the master maps: a known hash, its GCC version, its ABI;
//   package-table     the libgomp1 package version (a guess: files can change under a version).
import type { ApacheFact } from './apache.js';
import type { ImageMagickFact } from './imagemagick.js';
import type { OsFact } from './os.js';
import type { PhpExtensionFact } from './php-extension.js';
import type { PthreadKeys } from './pthread-keys.js';
import { isUnknown } from './types.js';

/** The facts of one host, by fact name (pthread_keys is the measured/estimated value). */
export interface HostFacts {
  os?: OsFact;
  apache?: ApacheFact;
  php_extension?: PhpExtensionFact;
  imagemagick?: ImageMagickFact;
  pthread_keys?: PthreadKeys;
}

export type LeakEvidence = 'exhaustion-log' | 'keys-vs-reloads' | 'libgomp-identity' | 'package-table';

export interface LeakDecision {
  leaking: boolean | null;
  /** What decided; null when nothing could (leaking null) or there is nothing to leak. */
  evidence: LeakEvidence | null;
  detail: string;
  /** Keys gained per reload when keys-vs-reloads decided (≈1 for the libgomp leak). */
  ratePerReload: number | null;
  /** Why the stronger kinds of evidence did not decide. */
  undecided: string[];
}

export interface LeakOptions {
  /** Keys a fresh master uses; default from the distro (Debian 12: 8, Ubuntu 20.04: 7), else 4–12. */
  baseline?: number;
  /** sha256 of libgomp files whose behaviour was measured (e.g. by a canary). */
  knownLibgomp?: Record<string, { leaky: boolean; label: string }>;
}

/** Measured fresh-master baselines (incident.md). */
const BASELINES: Record<string, number> = { 'debian 12': 8, 'ubuntu 20.04': 7 };

export function baselineRange(os: OsFact | undefined, baseline?: number): { lo: number; hi: number; label: string } {
  const b = baseline ?? (os?.id && os.versionId ? BASELINES[`${os.id} ${os.versionId}`] : undefined);
  if (b !== undefined) return { lo: b - 2, hi: b + 2, label: `baseline ${b}±2` };
  return { lo: 4, hi: 12, label: 'baseline 4–12' };
}

/** Keys beyond any plausible baseline: leaked, whatever the reload count. */
const FAR_ABOVE_BASELINE = 32;
/** Fewer reloads than this cannot separate +1/reload from a baseline off by a couple of keys. */
const MIN_RELOADS = 3;

function keysVsReloads(f: HostFacts, opts: LeakOptions): Omit<LeakDecision, 'undecided'> | string {
  const k = f.pthread_keys;
  if (!k) return 'keys in use not measured';
  if (isUnknown(k)) return `keys in use unknown: ${k.reason}`;
  if (k.kind !== 'measured') return 'keys in use only estimated (an estimate assumes the leak, it cannot show it)';
  const K = k.keysInUse;
  const b = baselineRange(f.os, opts.baseline);
  const reloads = f.apache?.reloads;
  const known = reloads && !isUnknown(reloads) ? reloads : null;
  const mid = (b.lo + b.hi) / 2;
  if (known) {
    const R = known.count;
    const rate = R > 0 ? (K - mid) / R : null;
    const atLeast = known.exact ? '' : 'at least ';
    if (known.exact && R >= MIN_RELOADS && K - b.hi >= R / 2) {
      return { leaking: true, evidence: 'keys-vs-reloads', detail: `${K} keys in use after ${R} reloads (${b.label}): +${rate!.toFixed(2)} per reload`, ratePerReload: rate };
    }
    if (R >= MIN_RELOADS && K - b.lo < R / 2) {
      return { leaking: false, evidence: 'keys-vs-reloads', detail: `${K} keys in use after ${atLeast}${R} reloads (${b.label}): no growth per reload`, ratePerReload: rate !== null ? Math.max(0, rate) : null };
    }
  }
  if (K - b.hi >= FAR_ABOVE_BASELINE) {
    const R = known?.count ?? null;
    return { leaking: true, evidence: 'keys-vs-reloads', detail: `${K} keys in use, far above a fresh master's (${b.label})${R !== null ? ` after ${known!.exact ? '' : 'at least '}${R} reloads` : ''}`, ratePerReload: R && known!.exact ? (K - mid) / R : null };
  }
  if (!known) return `reloads survived unknown${reloads && isUnknown(reloads) ? `: ${reloads.reason}` : ''}`;
  return `${K} keys after ${known.exact ? '' : 'at least '}${known.count} reloads cannot tell (${b.label}, needs ≥ ${MIN_RELOADS} reloads and a clear gap)`;
}

function libgompIdentity(f: HostFacts, opts: LeakOptions): Omit<LeakDecision, 'undecided'> | string {
  const im = f.imagemagick;
  if (!im) return 'mapped libgomp not probed';
  if (isUnknown(im.libgomp)) return `mapped libgomp unknown: ${im.libgomp.reason}`;
  if (im.libgomp === null) {
    return { leaking: false, evidence: 'libgomp-identity', detail: `the master (pid ${im.masterPid}) maps no libgomp`, ratePerReload: null };
  }
  const g = im.libgomp;
  // Remedy 2: a libgomp in the master's LD_PRELOAD is never unloaded, so reloads do not run
  // its constructor again and no key is leaked, whatever the build.
  if (im.gompPreloaded) return { leaking: false, evidence: 'libgomp-identity', detail: `mapped ${g.path} is in the master's LD_PRELOAD (pid ${im.masterPid}): resident across reloads, no key leaked per reload`, ratePerReload: null };
  const known = g.sha256 ? opts.knownLibgomp?.[g.sha256] : undefined;
  if (known) return { leaking: known.leaky, evidence: 'libgomp-identity', detail: `mapped ${g.path} is a known ${known.leaky ? 'leaky' : 'fixed'} build (${known.label})`, ratePerReload: null };
  if (g.verdict.leaky !== null) {
    return { leaking: g.verdict.leaky, evidence: 'libgomp-identity', detail: `mapped ${g.path}${g.deleted ? ' (deleted)' : ''}: ${g.verdict.reason}`, ratePerReload: null };
  }
  return `mapped ${g.path}: ${g.verdict.reason}`;
}

function packageTable(f: HostFacts): Omit<LeakDecision, 'undecided'> | string {
  const ext = f.php_extension?.apache?.extension;
  if (ext && !isUnknown(ext) && !ext.loaded) {
    return { leaking: false, evidence: 'package-table', detail: `guess: ${f.php_extension!.name} is not loaded by Apache's PHP, so no libgomp chain`, ratePerReload: null };
  }
  const p = f.imagemagick?.libgompPackage;
  if (!p) return 'libgomp package version unknown';
  if (p.verdict.leaky === null) return `guess impossible: ${p.name} ${p.version}: ${p.verdict.reason}`;
  return { leaking: p.verdict.leaky, evidence: 'package-table', detail: `guess from ${p.name} ${p.version}: ${p.verdict.reason}`, ratePerReload: null };
}

export function decideLeak(facts: HostFacts, opts: LeakOptions = {}): LeakDecision {
  const a = facts.apache;
  if (a && !a.installed) return { leaking: false, evidence: null, detail: 'Apache is not installed', ratePerReload: null, undecided: [] };
  if (a?.dead) {
    const d = a.dead;
    return {
      leaking: true, evidence: 'exhaustion-log', ratePerReload: null, undecided: [],
      detail: `master pid ${d.pid} died of pthread key exhaustion ("could not create thread pool destructor") on a reload${d.atIso ? ` at ${d.atIso}` : ''} after ${d.complete ? '' : 'at least '}${d.reloadsSurvived} reloads; no master runs`,
    };
  }
  const undecided: string[] = [];
  for (const step of [() => keysVsReloads(facts, opts), () => libgompIdentity(facts, opts), () => packageTable(facts)]) {
    const r = step();
    if (typeof r === 'string') undecided.push(r);
    else return { ...r, undecided };
  }
  return { leaking: null, evidence: null, detail: 'no evidence decided', ratePerReload: null, undecided };
}
