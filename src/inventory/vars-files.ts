// group_vars/ and host_vars/ beside each inventory source (Ansible's host_group_vars vars plugin
// and DataLoader.find_vars_files): for an entity NAME the first of NAME, NAME.yml, NAME.yaml,
// NAME.json that exists is used; a directory is read recursively in sorted order (hidden and
// `~` backup files skipped, only those extensions or none). Only names that exist in the
// inventory are looked up, so a broken file for an unknown group is never read, as in Ansible.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Problem } from '../source/types.js';
import { InputError } from '../source/errors.js';
import { loadYaml, problemAtPath, pyTruthy, toPlain } from './yaml-load.js';
import { pyTypeName } from './model.js';
import type { VarsLayer } from './types.js';

const EXTENSIONS = ['', '.yml', '.yaml', '.json'];

async function listDir(dir: string): Promise<Set<string> | null> {
  try {
    return new Set(await fs.readdir(dir));
  } catch {
    return null;
  }
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isDirectory();
  } catch {
    return false;
  }
}

async function dirVarsFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  const names = [...((await listDir(dir)) ?? [])].sort();
  for (const name of names) {
    if (name.startsWith('.') || name.endsWith('~')) continue;
    const ext = path.extname(name);
    const full = path.join(dir, name);
    let st;
    try {
      st = await fs.stat(full);
    } catch {
      continue;
    }
    if (st.isDirectory() && !ext) found.push(...(await dirVarsFiles(full)));
    else if (st.isFile() && (!ext || EXTENSIONS.includes(ext))) found.push(full);
  }
  return found;
}

/** The files holding vars for one entity, in the order they are merged. */
async function findVarsFiles(subdir: string, listing: Set<string>, name: string): Promise<string[]> {
  for (const ext of EXTENSIONS) {
    const candidate = name + ext;
    // Names with a slash reach into subdirectories; the listing only knows direct entries.
    const direct = !name.includes('/');
    if (direct && !listing.has(candidate)) continue;
    const full = path.join(subdir, candidate);
    if (await isDir(full)) return dirVarsFiles(full);
    try {
      if ((await fs.stat(full)).isFile()) return [full];
    } catch {
      continue;
    }
  }
  return [];
}

async function loadVarsFile(file: string): Promise<Record<string, unknown> | null> {
  const text = await fs.readFile(file, 'utf8');
  const loaded = loadYaml(file, text);
  if (!pyTruthy(loaded.value)) return null; // empty files are ignored
  if (!(loaded.value instanceof Map)) {
    throw new InputError([
      problemAtPath(loaded, [], 'a vars file must be a mapping of variable names to values', {
        expected: 'a mapping',
        found: pyTypeName(loaded.value),
      }),
    ]);
  }
  return toPlain(loaded.value) as Record<string, unknown>;
}

async function loadEntities(subdir: string, names: Iterable<string>, problems: Problem[]): Promise<Map<string, Record<string, unknown>>> {
  const out = new Map<string, Record<string, unknown>>();
  const listing = await listDir(subdir);
  if (!listing) return out;
  const wanted = [...names].filter((n) => !n.startsWith('/'));
  // Only a few names usually have files: check the listing first, then read those in parallel.
  const hits = wanted.filter((n) => n.includes('/') || EXTENSIONS.some((e) => listing.has(n + e)));
  await Promise.all(
    hits.map(async (name) => {
      const files = await findVarsFiles(subdir, listing, name);
      let data: Record<string, unknown> = {};
      for (const f of files) {
        try {
          const v = await loadVarsFile(f);
          if (v) data = { ...data, ...v };
        } catch (e) {
          if (e instanceof InputError) problems.push(...e.problems);
          else throw e;
        }
      }
      if (files.length) out.set(name, data);
    }),
  );
  // Keep a stable order (the listing order does not matter for merging, only per-entity files do).
  return new Map(wanted.filter((n) => out.has(n)).map((n) => [n, out.get(n)!]));
}

/**
 * One layer per inventory source (host lists have none), in source order: Ansible merges
 * source by source, so a later source's group_vars beat an earlier one's whatever the depth.
 */
export async function loadVarsLayers(
  sourcePaths: Array<string | null>,
  groupNames: string[],
  hostNames: string[],
): Promise<VarsLayer[]> {
  const problems: Problem[] = [];
  const cache = new Map<string, Promise<VarsLayer>>();
  const layers: VarsLayer[] = [];
  for (const src of sourcePaths) {
    if (src === null) continue;
    const dir = (await isDir(src)) ? src : path.dirname(src);
    let layer = cache.get(dir);
    if (!layer) {
      layer = (async () => {
        const groupVarsDir = path.join(dir, 'group_vars');
        const hostVarsDir = path.join(dir, 'host_vars');
        const [groups, hosts] = await Promise.all([
          loadEntities(groupVarsDir, groupNames, problems),
          loadEntities(hostVarsDir, hostNames, problems),
        ]);
        return { dir, groups, hosts };
      })();
      cache.set(dir, layer);
    }
    layers.push(await layer);
  }
  if (problems.length) throw new InputError(problems);
  return layers.filter((l) => l.groups.size > 0 || l.hosts.size > 0);
}
