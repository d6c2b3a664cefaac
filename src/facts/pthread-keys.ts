// `pthread_keys`: how many of glibc's 1024 pthread key slots the Apache master uses.
//
// glibc keeps `struct { uintptr_t seq; void *destr; } __pthread_keys[1024]`; a slot is in use
// when seq is odd. Three steps, because the symbol's offset must be found on the controller:
//   1. locate (in the batch, become): the master's pid, its libc/libpthread mapping (start
//      address, path, sha256 of the mapped file via /proc/PID/map_files);
//   2. on a cache miss only, fetch that file (base64) and parse the ELF here (elf.ts);
//   3. read 16 KiB at base + offset from /proc/PID/mem with dd | od.
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

/** Step 1 for the Apache master, or for a given pid (tests, other daemons). */
export function locateProbe(pid?: number): string {
  if (pid !== undefined && (!Number.isInteger(pid) || pid <= 0)) throw new Error(`locateProbe: bad pid ${pid}`);
  const find = pid === undefined ? 'apache_master' : `M_PID=${shQuote(String(pid))}; rec master "$M_PID" given`;
  return sh`${PRELUDE}${APACHE_MASTER}
${find}
[ -z "$M_PID" ] && { rec no-master "no apache2/httpd process is running"; exit 0; }
rec uid "$(id -u)"
if ! __m=$(cat "/proc/$M_PID/maps" 2>&1); then rec maps-unreadable "$__m"; exit 0; fi
printf '%s\n' "$__m" | awk '$3 ~ /^0+$/ && $6 ~ /\/(libc\.so\.6|libc-2\.[0-9]+\.so|libpthread\.so\.0|libpthread-2\.[0-9]+\.so)$/ { print $1 " " ($7 == "(deleted)" ? 1 : 0) " " $6 }' | while read -r __r __d __p; do
  __h=$(sha256sum < "/proc/$M_PID/map_files/$__r" 2>/dev/null) || __h=$(sha256sum < "/proc/$M_PID/root$__p" 2>/dev/null) || __h=
  rec lib "$__r" "$\{__h%% *}" "$__d" "$__p"
done
exit 0
`;
}

/** Step 1 for the Apache master (built once: the batch is assembled for every host). */
const LOCATE_MASTER_PROBE = locateProbe();

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
      const v = d >= 48 && d <= 57 ? d - 48 : (d | 32) >= 97 && (d | 32) <= 102 ? (d | 32) - 87 : -1;
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

/** Steps 2 and 3. `cache` lives as long as the controller run: one ELF parse per distinct file. */
export async function measureKeys(loc: KeysLocation, run: ProbeRunner, cache: Map<string, unknown>): Promise<PthreadKeys> {
  const reasons: string[] = [];
  // libc first: on glibc ≥ 2.34 it holds the table; libpthread before.
  const libs = [...loc.libs].sort((a, b) => Number(/libpthread/.test(a.path)) - Number(/libpthread/.test(b.path)));
  for (const lib of libs) {
    const key = lib.sha256 ? `elf:${lib.sha256}` : null;
    let sym = key ? (cache.get(key) as Maybe<PthreadKeysSymbol> | undefined) : undefined;
    if (!sym) {
      const out = await run(libFetchProbe(loc.pid, lib), { become: true, maxOutputBytes: LIB_FETCH_MAX_BYTES });
      if (failed(out)) return unknown(`host unreachable while fetching ${lib.path}: ${out.reason}`);
      const buf = decodeLibFetch(out, lib.sha256);
      if (!buf) { reasons.push(`could not fetch ${lib.path} (exit ${out.exitCode})`); continue; }
      sym = findPthreadKeys(buf);
      if (key) cache.set(key, sym);
    }
    if (isUnknown(sym)) { reasons.push(`${lib.path}: ${sym.reason}`); continue; }
    if (sym.size && sym.size < TABLE_BYTES) { reasons.push(`${lib.path}: __pthread_keys is ${sym.size} bytes, expected ${TABLE_BYTES}`); continue; }
    const address = lib.start - sym.firstLoadVaddr + sym.value;
    const out = await run(keysReadProbe(loc.pid, address), { become: true });
    if (failed(out)) return unknown(`host unreachable while reading keys: ${out.reason}`);
    const n = parseKeysRead(out);
    if (isUnknown(n)) { reasons.push(n.reason); continue; }
    return { kind: 'measured', keysInUse: n, max: PTHREAD_KEYS_MAX, pid: loc.pid, lib: lib.path, buildId: sym.buildId, address: '0x' + address.toString(16) };
  }
  return unknown(reasons.join('; ') || 'no library to read');
}

export const pthreadKeysFact: Fact<Maybe<KeysLocation>, PthreadKeys> = {
  name: 'pthread_keys',
  needsBecome: true,
  probe: () => LOCATE_MASTER_PROBE,
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
