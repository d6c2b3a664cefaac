// Minimal ELF64 shared objects for the lab's hosts: a libc (glibc >= 2.34: __pthread_keys in
// .dynsym) or a libpthread (before: in .symtab), each with a GNU build-id, a PT_LOAD at vaddr 0
// and a .bss that holds the 16 KiB key table; and libgomp files carrying the strings that tell
// builds apart (symbol version nodes, omp_pause_resource_all, the .comment line).
import { createHash } from 'node:crypto';

export const KEYS_TABLE_BYTES = 1024 * 16;

export interface SynthLib {
  /** Byte string (latin1). */
  data: string;
  /** st_value of __pthread_keys: runtime address = load base + this. */
  keysOffset: number;
  /** Bytes the mapping spans (memsz rounded up to a page). */
  mapSize: number;
}

function strtab(names: string[]): { buf: Buffer; off: Map<string, number> } {
  const off = new Map<string, number>();
  const parts: Buffer[] = [Buffer.from([0])];
  let n = 1;
  for (const s of names) {
    off.set(s, n);
    const b = Buffer.from(s + '\0', 'latin1');
    parts.push(b);
    n += b.length;
  }
  return { buf: Buffer.concat(parts), off };
}

const align = (n: number, a: number) => Math.ceil(n / a) * a;

/**
 * One ELF64 little-endian x86-64 shared object: sections laid out after the headers, the key
 * table in a NOBITS .bss at `keysOffset`.
 */
export function synthPthreadLib(kind: 'libc' | 'libpthread', glibc: string): SynthLib {
  const keysOffset = kind === 'libc' ? 0x21b000 + (Number(glibc.split('.')[1]) % 16) * 0x40 : 0x21000 + (Number(glibc.split('.')[1]) % 16) * 0x40;
  const symtabKind = kind === 'libc' && Number(glibc.split('.')[1]) >= 34 ? 'dynsym' : 'symtab';
  const buildId = createHash('sha1').update(`lab-glibc-${kind}-${glibc}`).digest();
  const banner = Buffer.from(`GNU C Library (lab build) stable release version ${glibc}.\n\0`, 'latin1');
  // Before glibc 2.34 libc.so.6 has no __pthread_keys (libpthread keeps it): name the object otherwise.
  const hasKeys = kind === 'libpthread' || Number(glibc.split('.')[1]) >= 34;
  const keysName = hasKeys ? '__pthread_keys' : '__libc_pthread_functions';
  const syms = strtab([keysName, kind === 'libc' ? 'pthread_key_create' : '__pthread_key_create']);
  const shnames = strtab(['.note.gnu.build-id', symtabKind === 'dynsym' ? '.dynsym' : '.symtab', symtabKind === 'dynsym' ? '.dynstr' : '.strtab', '.rodata', '.bss', '.shstrtab']);

  const EH = 64, PH = 56, SH = 64;
  const phnum = 2;
  let off = EH + PH * phnum;
  const noteOff = off;
  const note = Buffer.alloc(16 + buildId.length);
  note.writeUInt32LE(4, 0); note.writeUInt32LE(buildId.length, 4); note.writeUInt32LE(3, 8); note.write('GNU\0', 12, 'latin1');
  buildId.copy(note, 16);
  off = align(noteOff + note.length, 8);
  const symOff = off;
  const sym = Buffer.alloc(24 * 3);
  // [0] null; [1] __pthread_keys OBJECT GLOBAL in .bss (section 5); [2] a function in .rodata (section 4)
  sym.writeUInt32LE(syms.off.get(keysName)!, 24); sym[24 + 4] = 0x11; sym.writeUInt16LE(5, 24 + 6);
  sym.writeBigUInt64LE(BigInt(keysOffset), 24 + 8); sym.writeBigUInt64LE(BigInt(KEYS_TABLE_BYTES), 24 + 16);
  sym.writeUInt32LE(syms.off.get(kind === 'libc' ? 'pthread_key_create' : '__pthread_key_create')!, 48); sym[48 + 4] = 0x12; sym.writeUInt16LE(4, 48 + 6);
  sym.writeBigUInt64LE(0x1000n, 48 + 8); sym.writeBigUInt64LE(0x40n, 48 + 16);
  off = symOff + sym.length;
  const strOff = off;
  off += syms.buf.length;
  const roOff = align(off, 16);
  off = roOff + banner.length;
  const shstrOff = off;
  off += shnames.buf.length;
  const shoff = align(off, 8);
  const shnum = 7;
  const total = shoff + SH * shnum;
  const b = Buffer.alloc(total);
  // ELF header
  b.write('\x7fELF', 0, 'latin1'); b[4] = 2; b[5] = 1; b[6] = 1; b[7] = 3;
  b.writeUInt16LE(3, 16); b.writeUInt16LE(62, 18); b.writeUInt32LE(1, 20);
  b.writeBigUInt64LE(0n, 24); b.writeBigUInt64LE(BigInt(EH), 32); b.writeBigUInt64LE(BigInt(shoff), 40);
  b.writeUInt16LE(EH, 52); b.writeUInt16LE(PH, 54); b.writeUInt16LE(phnum, 56); b.writeUInt16LE(SH, 58); b.writeUInt16LE(shnum, 60); b.writeUInt16LE(6, 62);
  // program headers: PT_LOAD covering the file and the .bss; PT_NOTE
  const memsz = keysOffset + KEYS_TABLE_BYTES;
  let ph = EH;
  b.writeUInt32LE(1, ph); b.writeUInt32LE(6, ph + 4); b.writeBigUInt64LE(0n, ph + 8); b.writeBigUInt64LE(0n, ph + 16); b.writeBigUInt64LE(0n, ph + 24);
  b.writeBigUInt64LE(BigInt(total), ph + 32); b.writeBigUInt64LE(BigInt(memsz), ph + 40); b.writeBigUInt64LE(0x1000n, ph + 48);
  ph += PH;
  b.writeUInt32LE(4, ph); b.writeUInt32LE(4, ph + 4); b.writeBigUInt64LE(BigInt(noteOff), ph + 8); b.writeBigUInt64LE(BigInt(noteOff), ph + 16); b.writeBigUInt64LE(BigInt(noteOff), ph + 24);
  b.writeBigUInt64LE(BigInt(note.length), ph + 32); b.writeBigUInt64LE(BigInt(note.length), ph + 40); b.writeBigUInt64LE(4n, ph + 48);
  note.copy(b, noteOff); sym.copy(b, symOff); syms.buf.copy(b, strOff); banner.copy(b, roOff); shnames.buf.copy(b, shstrOff);
  // section headers
  const sh = (i: number, name: string, type: number, flags: number, addr: number, offset: number, size: number, link: number, info: number, alignv: number, entsize: number) => {
    const o = shoff + i * SH;
    b.writeUInt32LE(name ? shnames.off.get(name)! : 0, o); b.writeUInt32LE(type, o + 4); b.writeBigUInt64LE(BigInt(flags), o + 8);
    b.writeBigUInt64LE(BigInt(addr), o + 16); b.writeBigUInt64LE(BigInt(offset), o + 24); b.writeBigUInt64LE(BigInt(size), o + 32);
    b.writeUInt32LE(link, o + 40); b.writeUInt32LE(info, o + 44); b.writeBigUInt64LE(BigInt(alignv), o + 48); b.writeBigUInt64LE(BigInt(entsize), o + 56);
  };
  sh(0, '', 0, 0, 0, 0, 0, 0, 0, 0, 0);
  sh(1, '.note.gnu.build-id', 7, 2, noteOff, noteOff, note.length, 0, 0, 4, 0);
  sh(2, symtabKind === 'dynsym' ? '.dynsym' : '.symtab', symtabKind === 'dynsym' ? 11 : 2, 2, symOff, symOff, sym.length, 3, 1, 8, 24);
  sh(3, symtabKind === 'dynsym' ? '.dynstr' : '.strtab', 3, 2, strOff, strOff, syms.buf.length, 0, 0, 1, 0);
  sh(4, '.rodata', 1, 2, roOff, roOff, banner.length, 0, 0, 16, 0);
  sh(5, '.bss', 8, 3, keysOffset, shoff, KEYS_TABLE_BYTES, 0, 0, 32, 0);
  sh(6, '.shstrtab', 3, 0, 0, shstrOff, shnames.buf.length, 0, 0, 1, 0);
  return { data: b.toString('latin1'), keysOffset, mapSize: align(memsz, 0x1000) };
}

/** A libgomp-like file: an ELF header and the dynamic strings the product's probe looks for. */
export function synthLibgomp(b: { pkgVersion: string; gcc: string; comment: string | null; leaky: boolean; omp5: boolean }, salt = ''): string {
  const nodes = ['GOMP_1.0', 'GOMP_2.0', 'GOMP_3.0', 'GOMP_4.0', 'GOMP_4.0.1', 'GOMP_4.5', 'OMP_1.0', 'OMP_2.0', 'OMP_3.0', 'OMP_3.1', 'OMP_4.0', 'OMP_4.5'];
  const major = Number(b.gcc.split(/[.-]/)[0]);
  if (major >= 5) nodes.push('OACC_2.0', 'GOACC_2.0');
  if (b.omp5) nodes.push('GOMP_5.0', 'OMP_5.0', 'omp_pause_resource_all');
  const strings = ['libgomp.so.1', 'omp_get_num_threads', 'GOMP_parallel', ...nodes, `lab-build ${b.pkgVersion}${salt}`];
  if (b.comment) strings.push(b.comment);
  const head = Buffer.alloc(64);
  head.write('\x7fELF', 0, 'latin1'); head[4] = 2; head[5] = 1; head[6] = 1; head.writeUInt16LE(3, 16); head.writeUInt16LE(62, 18);
  return head.toString('latin1') + '\0' + strings.join('\0') + '\0';
}
