import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPthreadKeys, findSymbol, gnuBuildId, parseElf } from '../../src/facts/elf.js';
import { isUnknown } from '../../src/facts/types.js';

const LIBC = '/lib/x86_64-linux-gnu/libc.so.6';
const sh = (cmd: string) => execFileSync('sh', ['-c', cmd], { encoding: 'utf8' });

/** st_value and table of a symbol per readelf (binutils), for cross-checking. */
function readelfSymbol(file: string, name: string, table: 'dyn-syms' | 'syms'): number | null {
  for (const line of sh(`readelf -W --${table} ${file}`).split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length >= 8 && f[7].split('@')[0] === name && f[6] !== 'UND') return parseInt(f[1], 16);
  }
  return null;
}

test('__pthread_keys in this machine\'s real libc.so.6 (glibc 2.36: in .dynsym), checked against readelf and nm -D', (t) => {
  const buf = readFileSync(LIBC);
  const k = findPthreadKeys(buf);
  if (isUnknown(k)) return t.fail(k.reason);
  t.is(k.table, 'dynsym');
  t.is(k.size, 16384, '1024 slots of { seq, destr }');
  t.is<number | null, number | null>(k.value, readelfSymbol(LIBC, '__pthread_keys', 'dyn-syms'));
  const nm = sh(`nm -D ${LIBC}`).split('\n').find((l) => / __pthread_keys@/.test(l));
  t.is(k.value, parseInt(nm!.split(' ')[0], 16));
  t.is(k.firstLoadVaddr, 0);
  t.is(k.machine, 62, 'EM_X86_64');
  const id = /Build ID: ([0-9a-f]+)/.exec(sh(`readelf -n ${LIBC}`))?.[1];
  t.is<string | null | undefined, string | null | undefined>(k.buildId, id);
});

test('other libc symbols agree with readelf; undefined imports are skipped', (t) => {
  const elf = parseElf(readFileSync(LIBC));
  for (const name of ['malloc', 'pthread_key_create', 'pthread_key_delete', '__libc_start_main']) {
    t.is<number | null | undefined, number | null | undefined>(findSymbol(elf, name)?.value, readelfSymbol(LIBC, name, 'dyn-syms'), name);
  }
  t.is(findSymbol(elf, 'no_such_symbol_here'), null);
  const gomp = parseElf(readFileSync('/usr/lib/x86_64-linux-gnu/libgomp.so.1'));
  t.is(findSymbol(gomp, 'pthread_key_create'), null, 'libgomp imports it (UND): not a definition');
  t.truthy(gnuBuildId(gomp));
});

test('a symbol only in .symtab (as libpthread.so.0 had it before glibc 2.34), built with gcc; stripped: unknown', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'facts-elf-'));
  try {
    writeFileSync(join(dir, 'k.c'), 'struct slot { unsigned long seq; void *destr; };\n__attribute__((visibility("hidden"))) struct slot __pthread_keys[1024];\nint touch(int i) { return (int) __pthread_keys[i].seq; }\n');
    sh(`cd ${dir} && gcc -shared -fPIC -O0 -Wl,--build-id=sha1 -o k.so k.c && strip --strip-all -o k-stripped.so k.so`);
    const so = join(dir, 'k.so');
    t.is(readelfSymbol(so, '__pthread_keys', 'dyn-syms'), null, 'hidden: not exported');
    const k = findPthreadKeys(readFileSync(so));
    if (isUnknown(k)) return t.fail(k.reason);
    t.is(k.table, 'symtab');
    t.is<number | null, number | null>(k.value, readelfSymbol(so, '__pthread_keys', 'syms'));
    t.is(k.size, 16384);
    t.is<string | null | undefined, string | null | undefined>(k.buildId, /Build ID: ([0-9a-f]+)/.exec(sh(`readelf -n ${so}`))?.[1]);
    const stripped = findPthreadKeys(readFileSync(join(dir, 'k-stripped.so')));
    t.true(isUnknown(stripped));
    t.regex((stripped as { reason: string }).reason, /neither \.dynsym nor \.symtab/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad input is an unknown with a reason, never a crash', (t) => {
  const libc = readFileSync(LIBC);
  const elf32 = Buffer.from(libc.subarray(0, 4096));
  elf32[4] = 1;
  const cases: [string, Buffer, RegExp][] = [
    ['empty', Buffer.alloc(0), /not an ELF/],
    ['text', Buffer.from('#!/bin/sh\necho hi\n'.repeat(10)), /not an ELF/],
    ['ELF32', elf32, /only ELF64/],
    ['truncated libc (first 4 KiB)', libc.subarray(0, 4096), /truncated ELF/],
    ['truncated libc (half)', libc.subarray(0, libc.length >> 1), /truncated ELF|unterminated|outside/],
  ];
  for (const [name, buf, re] of cases) {
    const r = findPthreadKeys(buf);
    t.true(isUnknown(r), name);
    t.regex((r as { reason: string }).reason, re, name);
  }
});
