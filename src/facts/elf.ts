// A small, pure ELF64 reader: enough to find a symbol's value in .dynsym or .symtab, the first
// PT_LOAD's address (to turn a symbol value into a runtime address) and the GNU build-id.
// The controller runs it on a host's libc/libpthread so the host needs nothing but coreutils.
import { unknown, type Maybe } from './types.js';

const SHT_SYMTAB = 2;
const SHT_NOTE = 7;
const SHT_DYNSYM = 11;
const PT_LOAD = 1;
const PT_NOTE = 4;
const NT_GNU_BUILD_ID = 3;

export class ElfError extends Error {}

interface Reader {
  u8(o: number): number;
  u16(o: number): number;
  u32(o: number): number;
  u64(o: number): number;
}

function reader(buf: Buffer, little: boolean): Reader {
  const need = (o: number, n: number) => {
    if (!Number.isSafeInteger(o) || o < 0 || o + n > buf.length) throw new ElfError(`truncated ELF: read of ${n} bytes at offset ${o}, file is ${buf.length} bytes`);
  };
  return {
    u8: (o) => { need(o, 1); return buf[o]; },
    u16: (o) => { need(o, 2); return little ? buf.readUInt16LE(o) : buf.readUInt16BE(o); },
    u32: (o) => { need(o, 4); return little ? buf.readUInt32LE(o) : buf.readUInt32BE(o); },
    u64: (o) => {
      need(o, 8);
      const v = little ? buf.readBigUInt64LE(o) : buf.readBigUInt64BE(o);
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ElfError(`64-bit value ${v} at offset ${o} is too large`);
      return Number(v);
    },
  };
}

export interface SectionHeader {
  name: string;
  type: number;
  addr: number;
  offset: number;
  size: number;
  link: number;
  entsize: number;
}

export interface ProgramHeader {
  type: number;
  offset: number;
  vaddr: number;
  filesz: number;
  memsz: number;
}

export interface Elf {
  buf: Buffer;
  r: Reader;
  little: boolean;
  type: number;
  machine: number;
  sections: SectionHeader[];
  segments: ProgramHeader[];
}

export function parseElf(buf: Buffer): Elf {
  if (buf.length < 64 || buf.readUInt32BE(0) !== 0x7f454c46) throw new ElfError('not an ELF file (no \\x7fELF magic)');
  if (buf[4] !== 2) throw new ElfError(`only ELF64 is supported, found class ${buf[4]}`);
  if (buf[5] !== 1 && buf[5] !== 2) throw new ElfError(`bad ELF data encoding ${buf[5]}`);
  const little = buf[5] === 1;
  const r = reader(buf, little);
  const type = r.u16(16);
  const machine = r.u16(18);
  const phoff = r.u64(32);
  const shoff = r.u64(40);
  const phentsize = r.u16(54);
  const phnum = r.u16(56);
  const shentsize = r.u16(58);
  const shnum = r.u16(60);
  const shstrndx = r.u16(62);
  const segments: ProgramHeader[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    segments.push({ type: r.u32(o), offset: r.u64(o + 8), vaddr: r.u64(o + 16), filesz: r.u64(o + 32), memsz: r.u64(o + 40) });
  }
  const raw: (Omit<SectionHeader, 'name'> & { nameOff: number })[] = [];
  for (let i = 0; i < shnum; i++) {
    const o = shoff + i * shentsize;
    raw.push({ nameOff: r.u32(o), type: r.u32(o + 4), addr: r.u64(o + 16), offset: r.u64(o + 24), size: r.u64(o + 32), link: r.u32(o + 40), entsize: r.u64(o + 56) });
  }
  const shstr = raw[shstrndx];
  const sections = raw.map(({ nameOff, ...s }) => ({ ...s, name: shstr ? cstr(buf, shstr.offset + nameOff, shstr.offset + shstr.size) : '' }));
  return { buf, r, little, type, machine, sections, segments };
}

function cstr(buf: Buffer, start: number, limit: number): string {
  if (start < 0 || start >= buf.length) throw new ElfError(`string offset ${start} outside the file`);
  const end = buf.indexOf(0, start);
  if (end < 0 || end > Math.min(limit, buf.length)) throw new ElfError(`unterminated string at offset ${start}`);
  return buf.toString('latin1', start, end);
}

export interface ElfSymbol {
  name: string;
  value: number;
  size: number;
  table: 'dynsym' | 'symtab';
  /** Section index; 0 = undefined (an import, not a definition). */
  shndx: number;
}

/** Defined symbols named `name`, from .dynsym first, then .symtab. */
export function findSymbol(elf: Elf, name: string): ElfSymbol | null {
  for (const [type, table] of [[SHT_DYNSYM, 'dynsym'], [SHT_SYMTAB, 'symtab']] as const) {
    for (const s of elf.sections.filter((x) => x.type === type)) {
      const strtab = elf.sections[s.link];
      if (!strtab) throw new ElfError(`${s.name} links to missing string table ${s.link}`);
      const ent = s.entsize || 24;
      const want = Buffer.from(name + '\0', 'latin1');
      for (let o = s.offset; o + ent <= s.offset + s.size; o += ent) {
        const nameOff = elf.r.u32(o);
        const shndx = elf.r.u16(o + 6);
        if (shndx === 0) continue;
        const at = strtab.offset + nameOff;
        if (at + want.length > elf.buf.length || elf.buf.compare(want, 0, want.length, at, at + want.length) !== 0) continue;
        return { name, value: elf.r.u64(o + 8), size: elf.r.u64(o + 16), table, shndx };
      }
    }
  }
  return null;
}

/** The GNU build-id (hex), from PT_NOTE segments or SHT_NOTE sections. */
export function gnuBuildId(elf: Elf): string | null {
  const areas = [
    ...elf.segments.filter((p) => p.type === PT_NOTE).map((p) => [p.offset, p.filesz]),
    ...elf.sections.filter((s) => s.type === SHT_NOTE).map((s) => [s.offset, s.size]),
  ];
  for (const [off, size] of areas) {
    let o = off;
    while (o + 12 <= off + size) {
      const namesz = elf.r.u32(o);
      const descsz = elf.r.u32(o + 4);
      const type = elf.r.u32(o + 8);
      const nameAt = o + 12;
      const descAt = nameAt + align4(namesz);
      if (descAt + descsz > elf.buf.length) break;
      if (type === NT_GNU_BUILD_ID && namesz === 4 && elf.buf.toString('latin1', nameAt, nameAt + 3) === 'GNU') {
        return elf.buf.toString('hex', descAt, descAt + descsz);
      }
      o = descAt + align4(descsz);
    }
  }
  return null;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

/** The page-aligned vaddr of the lowest PT_LOAD: the mapping at file offset 0 starts there. */
export function firstLoadVaddr(elf: Elf): number {
  const loads = elf.segments.filter((p) => p.type === PT_LOAD);
  if (loads.length === 0) throw new ElfError('no PT_LOAD segment');
  const v = Math.min(...loads.map((p) => p.vaddr));
  return v - (v % 4096);
}

export interface PthreadKeysSymbol {
  /** st_value of __pthread_keys (relative to the load bias for a shared object). */
  value: number;
  size: number;
  table: 'dynsym' | 'symtab';
  firstLoadVaddr: number;
  buildId: string | null;
  machine: number;
  little: boolean;
}

/**
 * Where glibc keeps `struct pthread_key_struct __pthread_keys[PTHREAD_KEYS_MAX]`: exported
 * GLIBC_PRIVATE from libc.so.6 on glibc ≥ 2.34, in libpthread.so.0's .symtab before.
 */
export function findPthreadKeys(buf: Buffer): Maybe<PthreadKeysSymbol> {
  try {
    const elf = parseElf(buf);
    const sym = findSymbol(elf, '__pthread_keys');
    if (!sym) return unknown('__pthread_keys is in neither .dynsym nor .symtab (a stripped libpthread?)');
    return { value: sym.value, size: sym.size, table: sym.table, firstLoadVaddr: firstLoadVaddr(elf), buildId: gnuBuildId(elf), machine: elf.machine, little: elf.little };
  } catch (e) {
    if (e instanceof ElfError) return unknown(`cannot read the ELF file: ${e.message}`);
    throw e;
  }
}
