// How many pthread keys a given Apache master holds: the seam between canary_reload and the
// pthread_keys fact (src/facts/pthread-keys.ts), which knows where glibc keeps __pthread_keys and
// how to read it. The canary measures the very master it reloads, so it locates that pid's libc
// here (same `lib` data as the fact's locate step) and hands it to the fact's measureKeys.
import { measureKeys, type KeysLocation, type MappedLib } from '../facts/pthread-keys.js';
import type { ProbeOutput, ProbeRunner } from '../facts/types.js';
import { isUnknown } from '../facts/types.js';
import type { HostContext } from './types.js';

export type KeysReading = { keys: number; pid: number; how: string } | { unknown: string };

/** Measure the keys in use of master `pid`; an unknown reading says why (no root, no libc…). */
export type KeysMeter = (ctx: HostContext, pid: number) => Promise<KeysReading>;

const LIB_RE = String.raw`/(libc\.so\.6|libc-2\.[0-9]+\.so|libpthread\.so\.0|libpthread-2\.[0-9]+\.so)$`;

/** Read-only: the libc/libpthread mappings at file offset 0 of `pid`, with the mapped file's sha256. */
export function locateScript(pid: number): string {
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`locateScript: bad pid ${pid}`);
  return `if ! m=$(cat /proc/${pid}/maps 2>&1); then printf 'denied|%s|%s\\n' "$(id -u)" "$m"; exit 0; fi
printf '%s\\n' "$m" | awk -v re='${LIB_RE}' '$3 ~ /^0+$/ && $6 ~ re { print $1 " " ($7 == "(deleted)" ? 1 : 0) " " $6 }' | while read -r r d p; do
  h=$(sha256sum < "/proc/${pid}/map_files/$r" 2>/dev/null) || h=$(sha256sum < "/proc/${pid}/root$p" 2>/dev/null) || h=
  printf 'lib|%s|%s|%s|%s\\n' "$r" "\${h%% *}" "$d" "$p"
done
exit 0`;
}

export function parseLocateFor(pid: number, stdout: string): KeysLocation | { unknown: string } {
  const denied = stdout.split('\n').find((l) => l.startsWith('denied|'));
  if (denied) {
    const [, uid, ...msg] = denied.split('|');
    return { unknown: `cannot read /proc/${pid}/maps as uid ${uid} (keys need root: become): ${msg.join('|')}` };
  }
  const libs: MappedLib[] = [];
  for (const l of stdout.split('\n')) {
    const m = /^lib\|([0-9a-f]+)-([0-9a-f]+)\|([0-9a-f]*)\|([01])\|(.+)$/.exec(l);
    if (!m) continue;
    const start = parseInt(m[1], 16);
    if (!Number.isSafeInteger(start)) continue;
    libs.push({ range: `${m[1]}-${m[2]}`, start, path: m[5], deleted: m[4] === '1', sha256: m[3].length === 64 ? m[3] : null });
  }
  return libs.length ? { pid, libs } : { unknown: `master ${pid} maps no libc.so.6 or libpthread.so.0` };
}

/**
 * The meter backed by the pthread_keys fact. `cache` holds parsed ELF symbols by sha256 (one
 * libc per distinct build, fetched once per controller run).
 */
export function createFactsKeysMeter(cache: Map<string, unknown> = new Map()): KeysMeter {
  return async (ctx, pid) => {
    const run: ProbeRunner = async (script, opts) => {
      const r = await ctx.exec({ cmd: { script }, timeoutMs: opts?.timeoutMs ?? 60_000, maxOutputBytes: opts?.maxOutputBytes });
      return r.kind === 'unreachable' ? r : ({ stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode } satisfies ProbeOutput);
    };
    const out = await run(locateScript(pid));
    if ('kind' in out) return { unknown: `unreachable: ${out.reason}` };
    const loc = parseLocateFor(pid, out.stdout);
    if ('unknown' in loc) return loc;
    const k = await measureKeys(loc, run, cache);
    if (isUnknown(k)) return { unknown: k.reason };
    if (k.kind !== 'measured') return { unknown: 'only an estimate was available' };
    return { keys: k.keysInUse, pid: k.pid, how: `read __pthread_keys in ${k.lib} at ${k.address}` };
  };
}
