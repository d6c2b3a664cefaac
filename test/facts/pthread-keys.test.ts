import test from 'ava';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApacheFact } from '../../src/facts/apache.js';
import { countKeysInUse, decodeLibFetch, estimateKeys, keysReadProbe, knownLibs, libFetchProbe, locateProbe, measureKeys, parseLocate, pthreadKeysFact, type KeysLocation } from '../../src/facts/pthread-keys.js';
import type { ProbeRunner } from '../../src/facts/types.js';
import { isUnknown } from '../../src/facts/types.js';
import { fixture, localRunner, out, runSh } from './helpers.js';

function runAsNobody(script: string) {
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'dash', '-c', script], { encoding: 'utf8' });
  return { stdout: r.stdout, stderr: r.stderr, exitCode: r.status };
}

// A process that creates N pthread keys (the leak, simulated), counts the keys in use itself
// (allocating until EAGAIN, then freeing: the method of the reference libgomp leak test), prints
// it and waits to be inspected.
const HELPER_C = `#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
int main(int argc, char **argv) {
  int n = atoi(argv[1]);
  pthread_key_t k, churn[5], probe[1100];
  for (int i = 0; i < 5; i++) pthread_key_create(&churn[i], NULL);
  for (int i = 0; i < 5; i++) pthread_key_delete(churn[i]);   /* even, non-zero seq: free */
  for (int i = 0; i < n; i++) if (pthread_key_create(&k, NULL)) return 2;
  int free_slots = 0;
  while (free_slots < 1100 && pthread_key_create(&probe[free_slots], NULL) == 0) free_slots++;
  for (int i = 0; i < free_slots; i++) pthread_key_delete(probe[i]);
  printf("inuse=%d\\n", 1024 - free_slots);
  fflush(stdout);
  pause();
  return 0;
}
`;

let dir = '';
test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'facts-keys-'));
  writeFileSync(join(dir, 'keys.c'), HELPER_C);
  execFileSync('gcc', ['-O0', '-o', join(dir, 'keys'), join(dir, 'keys.c'), '-lpthread']);
});
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

async function withHelper<T>(n: number, fn: (pid: number, selfCount: number) => Promise<T>): Promise<T> {
  const child: ChildProcess = spawn(join(dir, 'keys'), [String(n)], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      let buf = '';
      child.stdout!.on('data', (d) => { buf += d; if (buf.includes('\n')) resolve(buf); });
      child.on('exit', (c) => reject(new Error(`helper exited ${c}`)));
    });
    return await fn(child.pid!, Number(/inuse=(\d+)/.exec(line)![1]));
  } finally {
    child.kill('SIGKILL');
  }
}

for (const n of [0, 37, 1000]) {
  test.serial(`a real process with ${n} extra keys: locate → parse libc here → read /proc/PID/mem = its own count`, async (t) => {
    await withHelper(n, async (pid, selfCount) => {
      t.true(selfCount >= n);
      const loc = parseLocate(runSh(locateProbe(pid)));
      if (isUnknown(loc)) return t.fail(loc.reason);
      t.is(loc.pid, pid);
      t.regex(loc.libs[0].path, /libc\.so\.6$/);
      t.regex(loc.libs[0].sha256 ?? '', /^[0-9a-f]{64}$/);
      const cache = new Map<string, unknown>();
      const m = await measureKeys(loc, localRunner, cache);
      if (isUnknown(m)) return t.fail(m.reason);
      t.is(m.kind, 'measured');
      t.is(m.keysInUse, selfCount);
      t.is([...cache.keys()].filter((k) => k.startsWith('elf:')).length, 1, 'the ELF is parsed once per distinct file');
      // second measurement: served from the cache (a runner that refuses to fetch proves it)
      const m2 = await measureKeys(loc, async (script) => (script.includes('base64') ? { kind: 'unreachable', reason: 'no fetch expected' } : localRunner(script)), cache);
      t.like(m2, { kind: 'measured', keysInUse: selfCount });
    });
  });
}

/** A runner that records each script and refuses the ones `refuse` matches (as if unreachable). */
function recording(refuse: RegExp = /$^/): { run: ProbeRunner; scripts: string[] } {
  const scripts: string[] = [];
  return {
    scripts,
    run: async (script) => {
      scripts.push(script);
      return refuse.test(script) ? { kind: 'unreachable', reason: 'refused by the test' } : localRunner(script);
    },
  };
}

test.serial('a library the run knows: the locate step reads its table too, and no second exec is made (real dash, od -w)', async (t) => {
  await withHelper(123, async (pid, selfCount) => {
    const cache = new Map<string, unknown>();
    const first = await measureKeys(parseLocate(runSh(locateProbe(pid))) as KeysLocation, localRunner, cache);
    t.like(first, { kind: 'measured', keysInUse: selfCount });
    const known = knownLibs(cache);
    t.is(known.length, 1);
    t.is(pthreadKeysFact.probe({ vars: {}, cache }), locateProbe(undefined, known), "the batch's probe carries the known library");
    const loc = parseLocate(runSh(locateProbe(pid, known))) as KeysLocation;
    const libc = loc.libs.find((l) => l.sha256 === known[0].sha256)!;
    t.is(libc.read?.address, libc.start + known[0].delta);
    const r = recording(/./);
    const m = await measureKeys(loc, r.run, cache);
    t.deepEqual(r.scripts, [], 'nothing else ran on the host');
    t.like(m, { kind: 'measured', keysInUse: selfCount, address: '0x' + libc.read!.address.toString(16) });
  });
});

test.serial('an in-batch read at another address than the controller computes is not used: the table is read again', async (t) => {
  await withHelper(40, async (pid, selfCount) => {
    const cache = new Map<string, unknown>();
    await measureKeys(parseLocate(runSh(locateProbe(pid))) as KeysLocation, localRunner, cache);
    const [k] = knownLibs(cache);
    // the probe is told a wrong offset (one slot further): its read must not be believed
    const loc = parseLocate(runSh(locateProbe(pid, [{ ...k, delta: k.delta + 16, bs: 16 }]))) as KeysLocation;
    t.truthy(loc.libs.find((l) => l.read)?.read);
    const r = recording(/base64/);
    const m = await measureKeys(loc, r.run, cache);
    t.is(r.scripts.length, 1);
    t.regex(r.scripts[0], /^dd /);
    t.like(m, { kind: 'measured', keysInUse: selfCount });
  });
});

test.serial('hosts in flight on the same libc fetch it once: the others wait for that fetch', async (t) => {
  await withHelper(5, async (pid, selfCount) => {
    const loc = parseLocate(runSh(locateProbe(pid))) as KeysLocation;
    const cache = new Map<string, unknown>();
    let fetches = 0;
    const run: ProbeRunner = async (script) => {
      if (script.includes('base64')) fetches++;
      await new Promise((res) => setTimeout(res, 20));
      return localRunner(script);
    };
    const all = await Promise.all(Array.from({ length: 8 }, () => measureKeys(loc, run, cache)));
    t.is(fetches, 1);
    for (const m of all) t.like(m, { kind: 'measured', keysInUse: selfCount });
  });
});

test.serial('a failed fetch is not shared: a waiting host fetches for itself', async (t) => {
  await withHelper(5, async (pid, selfCount) => {
    const loc = parseLocate(runSh(locateProbe(pid))) as KeysLocation;
    const cache = new Map<string, unknown>();
    let fetches = 0;
    const failing: ProbeRunner = async (script) => {
      if (script.includes('base64')) fetches++;
      await new Promise((res) => setTimeout(res, 20));
      return { kind: 'unreachable', reason: 'connection dropped' };
    };
    const counting: ProbeRunner = async (script) => {
      if (script.includes('base64')) fetches++;
      return localRunner(script);
    };
    const [a, b] = await Promise.all([measureKeys(loc, failing, cache), measureKeys(loc, counting, cache)]);
    t.regex((a as { reason: string }).reason, /unreachable while fetching .*connection dropped/);
    t.like(b, { kind: 'measured', keysInUse: selfCount });
    t.is(fetches, 2);
  });
});

test.serial('the same table read three ways (raw bytes, od -tx8, od -tx1) counts the same', async (t) => {
  await withHelper(11, async (pid, selfCount) => {
    const loc = parseLocate(runSh(locateProbe(pid))) as KeysLocation;
    const m = await measureKeys(loc, localRunner, new Map());
    if (isUnknown(m) || m.kind !== 'measured') return t.fail();
    const address = parseInt(m.address, 16);
    const fd = openSync(`/proc/${pid}/mem`, 'r');
    const raw = Buffer.alloc(16384);
    readSync(fd, raw, 0, raw.length, address);
    closeSync(fd);
    t.is(countKeysInUse(raw), selfCount);
    t.is(countKeysInUse(runSh(keysReadProbe(pid, address)).stdout), selfCount);
    t.is(countKeysInUse(runSh(keysReadProbe(pid, address).replace('-tx8', '-tx1')).stdout), selfCount);
  });
});

test.serial('without root the locate step reports that it needs become (run as nobody)', async (t) => {
  await withHelper(1, async (pid) => {
    const r = runAsNobody(locateProbe(pid));
    const loc = parseLocate(r);
    t.true(isUnknown(loc), JSON.stringify(r));
    t.regex((loc as { reason: string }).reason, new RegExp(`cannot read /proc/${pid}/maps as uid 65534 \\(needs become\\)`));
  });
});

test('countKeysInUse on synthetic tables: odd seq = used, even (incl. deleted) = free', (t) => {
  const buf = Buffer.alloc(16384);
  const seqs = [1, 2, 3, 4, 0, 7, 1001, 1000];
  seqs.forEach((s, i) => buf.writeBigUInt64LE(BigInt(s), i * 16));
  buf.writeBigUInt64LE(0xdeadbeefn, 8, ); // destr pointers are ignored
  buf.writeBigUInt64LE(1n, 1023 * 16);
  t.is(countKeysInUse(buf), 5);
  const file = join(dir, 'table.bin');
  writeFileSync(file, buf);
  t.is(countKeysInUse(runSh(`od -An -v -tx8 ${file}`).stdout), 5);
  t.is(countKeysInUse(runSh(`od -An -v -tx1 ${file}`).stdout), 5);
  // the batch's one-line read (-w16384) is read in place; a bad digit there is still refused
  const oneLine = runSh(`od -An -v -tx8 -w16384 ${file}`).stdout;
  t.is(oneLine.length, 2048 * 17 + 1);
  t.is(countKeysInUse(oneLine), 5);
  t.is(countKeysInUse(oneLine.trimEnd()), 5);
  t.throws(() => countKeysInUse(oneLine.slice(0, 16) + 'x' + oneLine.slice(17)), { message: /not uniform od hex/ });
  t.throws(() => countKeysInUse(oneLine.slice(0, 17) + '0' + oneLine.slice(18)), { message: /not uniform od hex/ });
  t.throws(() => countKeysInUse(Buffer.alloc(100)), { message: /100 bytes, expected 16384/ });
  t.throws(() => countKeysInUse(''), { message: /empty/ });
  t.throws(() => countKeysInUse('0000000000000001 0000000000000000'), { message: /2 words, expected 2048/ });
  t.throws(() => countKeysInUse('dd: error reading /proc/1/mem: Input/output error'), { message: /not uniform od hex/ });
  t.throws(() => countKeysInUse('0000000000000001 00000001'), { message: /not uniform od hex/ });
  t.throws(() => countKeysInUse('0000000000000001 000000000000000g'), { message: /not uniform od hex/ });
  t.throws(() => countKeysInUse('01 02 1'), { message: /not uniform od hex/ });
  t.throws(() => countKeysInUse('0001 0003'), { message: /word width 4/ });
  // Upper-case hex and CRLF or tab separators count the same as od's own output.
  const upper = runSh(`od -An -v -tx8 ${file}`).stdout.toUpperCase().replace(/\n/g, '\r\n').replace(/ /g, '\t');
  t.is(countKeysInUse(upper), 5);
});

test('probes quote and validate what they interpolate', (t) => {
  t.throws(() => locateProbe(1, [{ sha256: 'abc; reboot', delta: 1, bs: 16 }]), { message: /bad known library/ });
  t.throws(() => locateProbe(1, [{ sha256: 'a'.repeat(64), delta: 0.5, bs: 16 }]), { message: /bad known library/ });
  t.throws(() => locateProbe(1, [{ sha256: 'a'.repeat(64), delta: 1, bs: 3 }]), { message: /bad known library/ });
  const m = /^dd '?if=\/proc\/1234\/mem'? '?bs=128'? '?skip=(\d+)'? '?count=128'? 2>\/dev\/null \| od -An -v -tx8$/.exec(keysReadProbe(1234, 0x7f9af57cca80));
  t.truthy(m, 'no iflag needed: the block size divides the address');
  t.is(Number(m![1]) * 128, 0x7f9af57cca80);
  t.throws(() => keysReadProbe(1, -5));
  t.throws(() => locateProbe(0));
  t.throws(() => libFetchProbe(1, { range: '1-2; rm -rf /', start: 1, path: '/x', deleted: false, sha256: null }));
  t.regex(libFetchProbe(7, { range: '7f00-7f10', start: 0x7f00, path: "/lib/it's.so", deleted: true, sha256: null }), /'\/proc\/7\/root\/lib\/it'\\''s\.so'/);
});

test('a fetched file that does not match the located hash is refused', (t) => {
  const good = Buffer.from('hello');
  const sha = '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824';
  t.deepEqual(decodeLibFetch(out(good.toString('base64')), sha), good);
  t.is(decodeLibFetch(out(Buffer.from('other').toString('base64')), sha), null);
  t.is(decodeLibFetch({ stdout: '', stderr: 'base64: x: No such file', exitCode: 1 }, null), null);
});

test('locate output captured on Debian 12 (our probe, root): the Apache master maps libc.so.6', (t) => {
  const loc = parseLocate(out(fixture('probe-pthread_keys-debian12.txt')));
  if (isUnknown(loc)) return t.fail(loc.reason);
  t.is(loc.pid, 17499);
  t.deepEqual(loc.libs.map((l) => [l.path, l.range, l.deleted]), [['/usr/lib/x86_64-linux-gnu/libc.so.6', '7f9af55f7000-7f9af561d000', false]]);
  t.true(isUnknown(parseLocate(out('no-master|no apache2/httpd process is running'))));
});

const apache = (count: number, exact = true) => ({ installed: true, reloads: { count, source: 'server-status', exact, detail: '' } }) as unknown as ApacheFact;

test('without root: an estimate, baseline + reloads, labelled as such', async (t) => {
  t.like(estimateKeys(apache(1006), 7), { kind: 'estimate', keysInUse: 1013, baseline: 7, reloads: 1006 });
  t.like(estimateKeys(apache(5000)), { keysInUse: 1024 });
  t.regex((estimateKeys(apache(14, false)) as { assumption: string }).assumption, /at least/);
  t.true(isUnknown(estimateKeys(undefined)));
  const viaRefine = await pthreadKeysFact.refine!({ unknown: true, reason: 'cannot read /proc/1/maps (needs become)' }, { vars: {}, run: localRunner, facts: { apache: apache(3) } });
  t.like(viaRefine, { kind: 'estimate', keysInUse: 11 });
});
