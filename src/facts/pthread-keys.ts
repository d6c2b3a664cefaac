// `pthread_keys`: how many of glibc's 1024 pthread key slots the Apache master uses.
//
// glibc keeps `struct { uintptr_t seq; void *destr; } __pthread_keys[1024]`; a slot is in use
// when seq is odd. Three steps, because the symbol's offset must be found on the controller:
//   1. locate (in the batch, become): the master's pid, its libc/libpthread mapping (start
//      address, path, sha256 of the mapped file via /proc/PID/map_files);
//   2. on a cache miss only, fetch that file (base64) and parse the ELF here (elf.ts);
//   3. read 16 KiB at base + offset from /proc/PID/mem with dd | od.
// Once this run has parsed a library (by sha256), step 1 also does step 3 for it in the batch
// (the offset comes with the probe): one exec per host instead of two. The controller still
// recomputes the address from the mapping and takes the read only when both agree.
// Without root: an estimate, baseline + reloads survived, labelled as such.
import { createHash } from 'node:crypto';
import { shQuote } from '../transport/quote.js';
import type { ApacheFact } from './apache.js';
import { findPthreadKeys, type PthreadKeysSymbol } from './elf.js';
import { Records } from './records.js';
import { APACHE_MASTER, MASTER_SCAN_SHARED, PRELUDE, sh } from './shell.js';
import { isUnknown, unknown, type Unknown, type Fact, type Maybe, type ProbeOutput, type ProbeRunner, type RefineContext } from './types.js';

export const PTHREAD_KEYS_MAX = 1024;
const SLOT_BYTES = 16;
const TABLE_BYTES = PTHREAD_KEYS_MAX * SLOT_BYTES;

export interface MappedLib {
  /** "7f9af55f7000-7f9af561d000" as in /proc/PID/maps (the mapping at file offset 0). */
  range: string;
  start: number;
  path: string;
  /** The file was deleted or replaced since the master mapped it. */
  deleted: boolean;
  /** sha256 of the mapped file (read through /proc/PID/map_files), or null. */
  sha256: string | null;
  /** The table, read in the batch at `address` (a library this run already knew): od text. */
  read?: { address: number; dump: string };
}

/** A library whose __pthread_keys this run has located: the batch reads its table directly. */
export interface KnownLib {
  sha256: string;
  /** __pthread_keys' runtime address minus the mapping's start. */
  delta: number;
  /** dd's block size for that address (mappings start on a page). */
  bs: number;
}

export interface KeysLocation {
  pid: number;
  libs: MappedLib[];
}

export interface MeasuredKeys {
  kind: 'measured';
  keysInUse: number;
  max: number;
  pid: number;
  /** The library whose __pthread_keys was read. */
  lib: string;
  buildId: string | null;
  /** Runtime address read, hex. */
  address: string;
}

export interface EstimatedKeys {
  kind: 'estimate';
  keysInUse: number;
  max: number;
  baseline: number;
  reloads: number;
  reloadsExact: boolean;
  assumption: string;
}

export type PthreadKeys = MeasuredKeys | EstimatedKeys | Unknown;

/**
 * Step 1 for the Apache master, or for a given pid (tests, other daemons). With `known`
 * libraries, a mapped file with one of their sha256 gets its table read here as well (step 3).
 */
export function locateProbe(pid?: number, known: readonly KnownLib[] = []): string {
  if (pid !== undefined && (!Number.isInteger(pid) || pid <= 0)) throw new Error(`locateProbe: bad pid ${pid}`);
  const find = pid === undefined ? 'apache_master' : `M_PID=${shQuote(String(pid))}; rec master "$M_PID" given`;
  return sh`${PRELUDE}${APACHE_MASTER}
${find}
[ -z "$M_PID" ] && { rec no-master "no apache2/httpd process is running"; exit 0; }
rec uid "$(id -u)"
if ! __m=$(cat "/proc/$M_PID/maps" 2>&1); then rec maps-unreadable "$__m"; exit 0; fi
printf '%s\n' "$__m" | awk '$3 ~ /^0+$/ && $6 ~ /\/(libc\.so\.6|libc-2\.[0-9]+\.so|libpthread\.so\.0|libpthread-2\.[0-9]+\.so)$/ { print $1 " " ($7 == "(deleted)" ? 1 : 0) " " $6 }' | while read -r __r __d __p; do
  __h=$(sha256sum < "/proc/$M_PID/map_files/$__r" 2>/dev/null) || __h=$(sha256sum < "/proc/$M_PID/root$__p" 2>/dev/null) || __h=
  __h=$\{__h%% *}
  rec lib "$__r" "$__h" "$__d" "$__p"${knownReads(known)}
done
exit 0
`;
}

/** The in-batch read of step 3 for the known libraries (one line per table: od -w). */
function knownReads(known: readonly KnownLib[]): string {
  if (known.length === 0) return '';
  for (const k of known) {
    if (!/^[0-9a-f]{64}$/.test(k.sha256) || !Number.isSafeInteger(k.delta) || ![1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096].includes(k.bs)) throw new Error('locateProbe: bad known library');
  }
  const cases = known.map((k) => `    ${k.sha256}) __kd=${k.delta} __kb=${k.bs};;`).join('\n');
  return sh`
  case $__h in
${cases}
    *) continue;;
  esac
  __ka=$(( 0x$\{__r%%-*} + __kd ))
  [ $(( __ka % __kb )) -eq 0 ] || continue
  __kx=$(dd if="/proc/$M_PID/mem" bs="$__kb" skip="$(( __ka / __kb ))" count="$(( ${String(TABLE_BYTES)} / __kb ))" 2>/dev/null | od -An -v -tx8 -w${String(TABLE_BYTES)}) && rec keys "$__r" "$__ka" "$__kx"`;
}

/** Step 1 for the Apache master (built once: the batch is assembled for every host). */
const LOCATE_MASTER_PROBE = locateProbe();

/** The run cache's list of known libraries and the locate probe reading them. */
interface KnownState {
  libs: KnownLib[];
  probe: string;
}
const KNOWN = 'pthread-keys:known';

function knownState(cache: Map<string, unknown> | undefined): KnownState | undefined {
  return cache?.get(KNOWN) as KnownState | undefined;
}

/** The libraries this run's batches read the table of (in the order they were met). */
export function knownLibs(cache: Map<string, unknown> | undefined): readonly KnownLib[] {
  return knownState(cache)?.libs ?? [];
}

/** Remember a located table for this run's later batches (the probe text changes once per library). */
function addKnown(cache: Map<string, unknown>, lib: KnownLib): void {
  const st = knownState(cache);
  if (st?.libs.some((k) => k.sha256 === lib.sha256)) return;
  const libs = [...(st?.libs ?? []), lib];
  cache.set(KNOWN, { libs, probe: locateProbe(undefined, libs) } satisfies KnownState);
}

export function parseLocate(out: ProbeOutput): Maybe<KeysLocation> {
  const r = new Records(out.stdout);
  const none = r.first('no-master');
  if (none !== undefined) return unknown(none);
  const m = r.fields('master', 2)[0];
  if (!m) return unknown(`probe printed no master (exit ${out.exitCode}${out.stderr ? `: ${out.stderr.trim().split('\n').pop()}` : ''})`);
  const pid = Number(m[0]);
  const denied = r.first('maps-unreadable');
  if (denied !== undefined) return unknown(`cannot read /proc/${pid}/maps as uid ${r.first('uid') ?? '?'} (needs become): ${denied}`);
  const libs: MappedLib[] = [];
  for (const [range, sha, del, path] of r.fields('lib', 4)) {
    const mm = /^([0-9a-f]+)-([0-9a-f]+)$/.exec(range ?? '');
    if (!mm || !path) continue;
    const start = parseInt(mm[1], 16);
    if (!Number.isSafeInteger(start)) continue;
    libs.push({ range, start, path, deleted: del === '1', sha256: /^[0-9a-f]{64}$/.test(sha) ? sha : null });
  }
  if (libs.length === 0) return unknown(`pid ${pid} maps no libc.so.6 or libpthread.so.0`);
  for (const [range, address, dump] of r.fields('keys', 3)) {
    const lib = libs.find((l) => l.range === range);
    const a = Number(address);
    if (lib && dump && Number.isSafeInteger(a)) lib.read = { address: a, dump };
  }
  return { pid, libs };
}

/** Step 2: print the mapped file as base64 (coreutils). Large: run with maxOutputBytes ≥ 4 MiB. */
export function libFetchProbe(pid: number, lib: MappedLib): string {
  if (!Number.isInteger(pid) || !/^[0-9a-f]+-[0-9a-f]+$/.test(lib.range)) throw new Error('libFetchProbe: bad pid or range');
  const mapFile = `/proc/${pid}/map_files/${lib.range}`;
  const viaRoot = `/proc/${pid}/root${lib.path}`;
  return `if [ -r ${shQuote(mapFile)} ]; then base64 < ${shQuote(mapFile)}; else base64 < ${shQuote(viaRoot)}; fi`;
}
export const LIB_FETCH_MAX_BYTES = 64 * 1024 * 1024;

/** Decode step 2's output; null when it is not the file the locate step hashed. */
export function decodeLibFetch(out: ProbeOutput, expectedSha256: string | null): Buffer | null {
  if (out.exitCode !== 0) return null;
  const buf = Buffer.from(out.stdout.replace(/\s+/g, ''), 'base64');
  if (buf.length === 0) return null;
  if (expectedSha256 && createHash('sha256').update(buf).digest('hex') !== expectedSha256) return null;
  return buf;
}

/** The largest block size (a power of two ≤ 4096) that divides the address: plain dd, no iflag. */
function blockSizeFor(address: number): number {
  let bs = 4096;
  while (bs > 1 && address % bs !== 0) bs /= 2;
  return bs;
}

/** Step 3: 16 KiB of the master's memory at `address`, as od's 8-byte hex words. */
export function keysReadProbe(pid: number, address: number): string {
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isSafeInteger(address) || address <= 0) throw new Error('keysReadProbe: bad pid or address');
  const bs = blockSizeFor(address);
  const args = [`if=/proc/${pid}/mem`, `bs=${bs}`, `skip=${address / bs}`, `count=${TABLE_BYTES / bs}`];
  return `dd ${args.map(shQuote).join(' ')} 2>/dev/null | od -An -v -tx8`;
}

/**
 * Count used slots (odd seq) in a dump of __pthread_keys: the raw 16 KiB, or `od -An -tx8`
 * text (8-byte words of the host's byte order, seq at even word indexes), or `od -An -tx1`
 * text (bytes, little-endian words).
 */
export function countKeysInUse(dump: Buffer | string): number {
  if (Buffer.isBuffer(dump)) {
    if (dump.length < TABLE_BYTES) throw new Error(`pthread key table dump is ${dump.length} bytes, expected ${TABLE_BYTES}`);
    let n = 0;
    for (let i = 0; i < PTHREAD_KEYS_MAX; i++) if (dump[i * SLOT_BYTES] & 1) n++;
    return n;
  }
  const inPlace = seqDigitsInPlace(dump);
  if (inPlace >= 0) return inPlace;
  // One pass over the text (2048 words per host; splitting and a regex per word cost ~0.3 ms).
  let width = -1;
  let words = 0;
  let n = 0;
  const hex: string[] = [];
  for (let i = 0; i < dump.length;) {
    const c = dump.charCodeAt(i);
    if (c === 32 || c === 10 || c === 9 || c === 13) { i++; continue; }
    const start = i;
    let lastDigit = 0;
    for (; i < dump.length; i++) {
      const d = dump.charCodeAt(i);
      if (d === 32 || d === 10 || d === 9 || d === 13) break;
      const v = hexDigit(d);
      if (v < 0) throw new Error('pthread key table dump is not uniform od hex output');
      lastDigit = v;
    }
    if (width < 0) width = i - start;
    else if (i - start !== width) throw new Error('pthread key table dump is not uniform od hex output');
    // -tx8: a slot is two words (seq, destructor); the seq's lowest bit says "in use".
    if (width === 16 && words % 2 === 0 && words < PTHREAD_KEYS_MAX * 2 && lastDigit & 1) n++;
    if (width === 2) hex.push(dump.slice(start, i));
    words++;
  }
  if (words === 0) throw new Error('pthread key table dump is empty');
  if (width === 16) {
    if (words < PTHREAD_KEYS_MAX * 2) throw new Error(`pthread key table dump has ${words} words, expected ${PTHREAD_KEYS_MAX * 2}`);
    return n;
  }
  if (width === 2) return countKeysInUse(Buffer.from(hex.join(''), 'hex'));
  throw new Error(`unexpected od word width ${width}: use -tx8 or -tx1`);
}

/** A hex digit's value, or -1. */
function hexDigit(d: number): number {
  return d >= 48 && d <= 57 ? d - 48 : (d | 32) >= 97 && (d | 32) <= 102 ? (d | 32) - 87 : -1;
}

const ONE_LINE = PTHREAD_KEYS_MAX * 2 * 17;

/**
 * The batch's read is one line of 2048 -tx8 words (` ` + 16 digits each, `od -w16384`). When the
 * text has exactly that shape, read each slot's seq digit where it stands: ~5 µs instead of the
 * general scan's ~190 µs per host. -1 when it has another shape (the general scan decides).
 */
function seqDigitsInPlace(dump: string): number {
  if (dump.length !== ONE_LINE && !(dump.length === ONE_LINE + 1 && dump.charCodeAt(ONE_LINE) === 10)) return -1;
  for (let w = 0; w < PTHREAD_KEYS_MAX * 2; w++) if (dump.charCodeAt(w * 17) !== 32) return -1;
  let n = 0;
  for (let slot = 0; slot < PTHREAD_KEYS_MAX; slot++) {
    const v = hexDigit(dump.charCodeAt(slot * 34 + 16));
    if (v < 0) return -1;
    n += v & 1;
  }
  return n;
}

export function parseKeysRead(out: ProbeOutput): Maybe<number> {
  try {
    return countKeysInUse(out.stdout);
  } catch (e) {
    return unknown(`reading /proc/PID/mem failed: ${(e as Error).message}${out.stderr ? ` (${out.stderr.trim()})` : ''}`);
  }
}

/** Keys a fresh master uses before any reload (a healthy Debian 12 master: 8; the incident's: 7). */
export const DEFAULT_BASELINE = 8;

/**
 * Without root: baseline + reloads survived, assuming the worst (+1 key per reload). Never use
 * it as evidence of a leak; it is what the keys would be if there is one.
 */
export function estimateKeys(apache: ApacheFact | undefined, baseline = DEFAULT_BASELINE): PthreadKeys {
  if (!apache || !apache.installed) return unknown('no apache fact to estimate from');
  if (isUnknown(apache.reloads)) return unknown(`cannot estimate keys: reloads survived unknown (${apache.reloads.reason})`);
  return {
    kind: 'estimate',
    keysInUse: Math.min(PTHREAD_KEYS_MAX, baseline + apache.reloads.count),
    max: PTHREAD_KEYS_MAX,
    baseline,
    reloads: apache.reloads.count,
    reloadsExact: apache.reloads.exact,
    assumption: `estimate: baseline ${baseline} + ${apache.reloads.count} reloads${apache.reloads.exact ? '' : ' (at least)'}, assuming +1 key per reload`,
  };
}

type Outcome = ProbeOutput | { kind: 'unreachable'; reason: string };
const failed = (o: Outcome): o is { kind: 'unreachable'; reason: string } => 'kind' in o && o.kind === 'unreachable';

type Fetched = { sym: Maybe<PthreadKeysSymbol> } | { unreachable: string } | { failed: string };

async function fetchSymbol(loc: KeysLocation, lib: MappedLib, run: ProbeRunner): Promise<Fetched> {
  const out = await run(libFetchProbe(loc.pid, lib), { become: true, maxOutputBytes: LIB_FETCH_MAX_BYTES });
  if (failed(out)) return { unreachable: out.reason };
  const buf = decodeLibFetch(out, lib.sha256);
  if (!buf) return { failed: `could not fetch ${lib.path} (exit ${out.exitCode})` };
  return { sym: findPthreadKeys(buf) };
}

/**
 * The library's symbol from the run cache, or fetched and parsed. Hosts that miss while another
 * host of the same file is fetching wait for that fetch (a fleet starts with hundreds of hosts in
 * flight on the same libc, each a multi-MB transfer); if it fails, they fetch for themselves.
 */
async function symbolFor(loc: KeysLocation, lib: MappedLib, run: ProbeRunner, cache: Map<string, unknown>): Promise<Fetched> {
  const key = lib.sha256 ? `elf:${lib.sha256}` : null;
  if (!key) return fetchSymbol(loc, lib, run);
  const hit = cache.get(key) as Maybe<PthreadKeysSymbol> | Promise<Fetched> | undefined;
  if (hit instanceof Promise) {
    const other = await hit;
    if ('sym' in other) return other;
    return symbolFor(loc, lib, run, cache);
  }
  if (hit) return { sym: hit };
  const pending = fetchSymbol(loc, lib, run);
  cache.set(key, pending);
  const got = await pending;
  if ('sym' in got) cache.set(key, got.sym);
  else cache.delete(key);
  return got;
}

/** Steps 2 and 3. `cache` lives as long as the controller run: one ELF parse per distinct file. */
export async function measureKeys(loc: KeysLocation, run: ProbeRunner, cache: Map<string, unknown>): Promise<PthreadKeys> {
  const reasons: string[] = [];
  // libc first: on glibc ≥ 2.34 it holds the table; libpthread before.
  const libs = [...loc.libs].sort((a, b) => Number(/libpthread/.test(a.path)) - Number(/libpthread/.test(b.path)));
  for (const lib of libs) {
    const got = await symbolFor(loc, lib, run, cache);
    if ('unreachable' in got) return unknown(`host unreachable while fetching ${lib.path}: ${got.unreachable}`);
    if ('failed' in got) { reasons.push(got.failed); continue; }
    const sym = got.sym;
    if (isUnknown(sym)) { reasons.push(`${lib.path}: ${sym.reason}`); continue; }
    if (sym.size && sym.size < TABLE_BYTES) { reasons.push(`${lib.path}: __pthread_keys is ${sym.size} bytes, expected ${TABLE_BYTES}`); continue; }
    const delta = sym.value - sym.firstLoadVaddr;
    const address = lib.start + delta;
    if (lib.sha256 && Number.isSafeInteger(delta)) addKnown(cache, { sha256: lib.sha256, delta, bs: blockSizeFor(((delta % 4096) + 4096) % 4096) });
    // Read in the batch already, at the address computed here: no second exec.
    let n: Maybe<number> | undefined;
    if (lib.read?.address === address) {
      n = parseKeysRead({ stdout: lib.read.dump, stderr: '', exitCode: 0 });
      if (isUnknown(n)) n = undefined;
    }
    if (n === undefined) {
      const out = await run(keysReadProbe(loc.pid, address), { become: true });
      if (failed(out)) return unknown(`host unreachable while reading keys: ${out.reason}`);
      n = parseKeysRead(out);
    }
    if (isUnknown(n)) { reasons.push(n.reason); continue; }
    return { kind: 'measured', keysInUse: n, max: PTHREAD_KEYS_MAX, pid: loc.pid, lib: lib.path, buildId: sym.buildId, address: '0x' + address.toString(16) };
  }
  return unknown(reasons.join('; ') || 'no library to read');
}

export const pthreadKeysFact: Fact<Maybe<KeysLocation>, PthreadKeys> = {
  name: 'pthread_keys',
  needsBecome: true,
  probe: (ctx) => knownState(ctx.cache)?.probe ?? LOCATE_MASTER_PROBE,
  batchShared: MASTER_SCAN_SHARED,
  parse: (out) => parseLocate(out),
  async refine(loc, ctx: RefineContext) {
    if (isUnknown(loc)) {
      const est = estimateKeys(ctx.facts.apache as ApacheFact | undefined);
      return isUnknown(est) ? unknown(`${loc.reason}; ${est.reason}`) : est;
    }
    return measureKeys(loc, ctx.run, ctx.cache ?? new Map());
  },
};
