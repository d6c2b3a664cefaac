// Shared command setup: inventory sources (with the embedded default), extra vars, secrets.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { groupsOf, hostConn, hostMagicVars, hostVars, loadInventory, selectHosts } from '../inventory/index.js';
import { PatternError } from '../inventory/patterns.js';
import type { Inventory } from '../inventory/types.js';
import type { InventoryView } from '../executor/run-playbook.js';
import { InputError } from '../source/errors.js';
import { splitWords } from '../modules/words.js';
import type { Io } from './io.js';

export interface HostOptions {
  inventory?: string[];
  limit?: string;
  extraVars?: string[];
  forks?: number;
  json?: boolean;
  knownHosts?: string;
  hostKeyPolicy?: 'strict' | 'accept-new' | 'off';
  askBecomePass?: boolean;
  becomePasswordEnv?: string;
  connectTimeout?: number;
}

/** The package root (…/remediate), from dist/src/cli or src/cli. */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'remediate') return dir;
    } catch { /* keep looking */ }
    dir = path.dirname(dir);
  }
  throw new Error('cannot find the remediate package root');
}

/** Without -i: $REMEDIATE_INVENTORY, else the embedded default (this machine, local transport). */
export function inventorySources(opts: HostOptions, io: Io): string[] {
  if (opts.inventory?.length) return opts.inventory;
  if (io.env.REMEDIATE_INVENTORY) return io.env.REMEDIATE_INVENTORY.split(',').filter(Boolean).map((s) => path.resolve(io.cwd, s));
  return [path.join(packageRoot(), 'inventories', 'localhost.yml')];
}

export async function loadInventoryView(opts: HostOptions, io: Io): Promise<{ inv: Inventory; view: InventoryView; limit?: Set<string> }> {
  const inv = await loadInventory(inventorySources(opts, io).map((s) => (s.includes(',') ? s : path.resolve(io.cwd, s))), { cwd: io.cwd, env: io.env });
  const patternOpts = { cwd: io.cwd, readFile: (p: string) => readFileSync(path.resolve(io.cwd, p), 'utf8') };
  const vars = new Map<string, Record<string, unknown>>();
  const varsOf = (h: string) => {
    let v = vars.get(h);
    if (!v) vars.set(h, (v = hostVars(inv, h)));
    return v;
  };
  const view: InventoryView = {
    select: (p) => {
      try {
        return selectHosts(inv, p, patternOpts);
      } catch (e) {
        if (e instanceof PatternError) throw new InputError([{ pos: { file: 'host pattern', line: 1, col: 1 }, message: e.message, found: JSON.stringify(p) }]);
        throw e;
      }
    },
    hostVars: (h) => ({ ...hostMagicVars(inv, h), ...varsOf(h) }),
    groupsOf: (h) => groupsOf(inv, h),
    conn: (h, v) => {
      const c = hostConn(h, v);
      // CLI flags override inventory for host-key handling (the operator's explicit choice).
      return { ...c, knownHostsFile: opts.knownHosts ?? c.knownHostsFile, hostKeyPolicy: opts.hostKeyPolicy ?? c.hostKeyPolicy, connectTimeoutMs: opts.connectTimeout ? opts.connectTimeout * 1000 : c.connectTimeoutMs };
    },
  };
  const limit = opts.limit ? new Set(view.select(opts.limit)) : undefined;
  return { inv, view, limit };
}

/** -e: key=value words, a JSON/YAML mapping, or @file (YAML/JSON). Later ones win. */
export function parseExtraVars(items: readonly string[] | undefined, cwd: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const item of items ?? []) {
    let value: unknown;
    if (item.startsWith('@')) {
      const file = path.resolve(cwd, item.slice(1));
      value = parseYaml(readFileSync(file, 'utf8'));
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InputError([{ pos: { file, line: 1, col: 1 }, message: 'extra vars file must hold a mapping', expected: 'a mapping of names to values', found: Array.isArray(value) ? 'a list' : typeof value }]);
    } else if (/^\s*[{[]/.test(item)) {
      value = parseYaml(item);
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InputError([{ pos: { file: '-e', line: 1, col: 1 }, message: 'extra vars must be a mapping', expected: 'a mapping', found: 'a list', lineText: item }]);
    } else {
      value = {};
      for (const w of splitWords(item)) {
        const eq = w.indexOf('=');
        if (eq <= 0) throw new InputError([{ pos: { file: '-e', line: 1, col: item.indexOf(w) + 1 }, message: 'bad extra var', expected: 'key=value', found: JSON.stringify(w), lineText: item }]);
        (value as Record<string, unknown>)[w.slice(0, eq)] = w.slice(eq + 1);
      }
    }
    Object.assign(out, value);
  }
  return out;
}

export async function becomePassword(opts: HostOptions, io: Io): Promise<string | undefined> {
  if (opts.becomePasswordEnv) {
    const v = io.env[opts.becomePasswordEnv];
    if (v === undefined) throw new InputError([{ pos: { file: '--become-password-env', line: 1, col: 1 }, message: `environment variable ${opts.becomePasswordEnv} is not set` }]);
    return v;
  }
  if (opts.askBecomePass) {
    if (!io.askSecret) throw new InputError([{ pos: { file: '--ask-become-pass', line: 1, col: 1 }, message: 'no TTY to ask for the sudo password on; use --become-password-env NAME' }]);
    return io.askSecret('BECOME password: ');
  }
  return undefined;
}
