// Every entry under some directories with what makes it byte-identical: a file's sha256, mode
// and owner; a symlink's target; a directory's mode and owner. Two snapshots compare with
// deepEqual, and diffSnapshots names what changed.
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';

export type Snapshot = Record<string, string>;

export async function snapshot(...roots: string[]): Promise<Snapshot> {
  const out: Snapshot = {};
  const walk = async (p: string): Promise<void> => {
    const st = await lstat(p);
    const meta = `${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid}`;
    if (st.isSymbolicLink()) out[p] = `link -> ${await readlink(p)}`;
    else if (st.isDirectory()) {
      out[p] = `dir ${meta}`;
      for (const e of (await readdir(p)).sort()) await walk(join(p, e));
    } else if (st.isFile()) out[p] = `file ${meta} sha256:${createHash('sha256').update(await readFile(p)).digest('hex')}`;
    else out[p] = `other ${meta}`;
  };
  for (const r of roots) await walk(r);
  return out;
}

/** Paths added, removed or changed from a to b. */
export function diffSnapshots(a: Snapshot, b: Snapshot): { added: string[]; removed: string[]; changed: string[] } {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  const r = { added: [] as string[], removed: [] as string[], changed: [] as string[] };
  for (const k of [...keys].sort()) {
    if (!(k in a)) r.added.push(k);
    else if (!(k in b)) r.removed.push(k);
    else if (a[k] !== b[k]) r.changed.push(k);
  }
  return r;
}
