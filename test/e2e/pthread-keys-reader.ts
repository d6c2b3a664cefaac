// Independent readings of a live process's glibc pthread keys, for cross-checking the product's
// pthread_keys fact (which parses the ELF itself on the controller). Two readers that share none
// of its code: binutils' `nm -D` + /proc/PID/mem, and gdb in batch mode (when installed).
// glibc keeps `struct { uintptr_t seq; void *destr; } __pthread_keys[1024]`; odd seq = in use.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const KEYS_MAX = 1024;
const LIBS = /\/(libc\.so\.6|libc-2\.\d+\.so|libpthread\.so\.0|libpthread-2\.\d+\.so)$/;

/** Load base (the offset-0 mapping) of each libc/libpthread the process maps. */
async function libBases(pid: number): Promise<Map<string, bigint>> {
  const bases = new Map<string, bigint>();
  for (const line of (await readFile(`/proc/${pid}/maps`, 'utf8')).split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6 || !LIBS.test(f[5]) || BigInt('0x' + f[2]) !== 0n || bases.has(f[5])) continue;
    bases.set(f[5], BigInt('0x' + f[0].split('-')[0]));
  }
  return bases;
}

async function symbolValue(lib: string, name: string): Promise<bigint | null> {
  for (const args of [['-D', '--defined-only', lib], ['--defined-only', lib]]) {
    const { stdout } = await run('nm', args, { maxBuffer: 64 << 20 }).catch(() => ({ stdout: '' }));
    for (const l of stdout.split('\n')) {
      const f = l.trim().split(/\s+/);
      if (f.length === 3 && f[2].split('@')[0] === name) return BigInt('0x' + f[0]);
    }
  }
  return null;
}

/** Keys in use read from /proc/PID/mem at nm's address of `__pthread_keys` (root). */
export async function keysViaProcMem(pid: number): Promise<number> {
  for (const [lib, base] of await libBases(pid)) {
    const v = await symbolValue(existsSync(`/proc/${pid}/root${lib}`) ? `/proc/${pid}/root${lib}` : lib, '__pthread_keys');
    if (v === null) continue;
    const fh = await open(`/proc/${pid}/mem`, 'r');
    try {
      const buf = Buffer.alloc(KEYS_MAX * 16);
      // A Number position: Node 20's FileHandle.read with a bigint position fails with EIO here.
      const { bytesRead } = await fh.read(buf, 0, buf.length, Number(base + v));
      if (bytesRead !== buf.length) throw new Error(`short read of __pthread_keys in ${pid}: ${bytesRead} bytes`);
      let used = 0;
      for (let i = 0; i < KEYS_MAX; i++) if (buf.readBigUInt64LE(i * 16) & 1n) used++;
      return used;
    } finally {
      await fh.close();
    }
  }
  throw new Error(`__pthread_keys not found in the libc/libpthread mapped by ${pid}`);
}

export const gdbAvailable = (): boolean => existsSync('/usr/bin/gdb');

const GDB_SCRIPT = `set pagination off
set $n = 0
set $i = 0
while $i < ${KEYS_MAX}
  if (((unsigned long *) &__pthread_keys)[2 * $i] & 1)
    set $n = $n + 1
  end
  set $i = $i + 1
end
printf "pthread keys in use: %d\\n", $n
detach
quit
`;

/** Keys in use as gdb reads them (attaches for a moment); null when gdb is not installed. */
export async function keysViaGdb(pid: number): Promise<number | null> {
  if (!gdbAvailable()) return null;
  const dir = await mkdtemp(join(tmpdir(), 'remediate-gdb-'));
  try {
    await writeFile(join(dir, 'count.gdb'), GDB_SCRIPT);
    const { stdout } = await run('gdb', ['-batch', '-nx', '-p', String(pid), '-x', join(dir, 'count.gdb')], { timeout: 60_000, maxBuffer: 16 << 20 });
    const m = /pthread keys in use: (\d+)/.exec(stdout);
    if (!m) throw new Error(`gdb printed no key count:\n${stdout}`);
    return Number(m[1]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
