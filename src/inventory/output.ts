// What `ansible-inventory --list` and `--graph` print, as values.
import { derive } from './derived.js';
import { groupVars, hostVars } from './vars.js';
import type { Inventory } from './types.js';

function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = sortKeysDeep((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}

/**
 * The JSON of `ansible-inventory --list`: each group with its direct `hosts` and its `children`
 * (empty keys dropped, a group left with neither omitted, `all` never lists hosts), plus
 * `_meta.hostvars` with each host's merged vars. Keys are sorted like Ansible's json.dumps, so
 * `JSON.stringify(result, null, 4)` prints what Ansible prints (floats such as 1.0 aside).
 *
 * With `hostsSelected` (the hosts of a --limit), groups keep only those hosts, as newer
 * ansible-inventory does with -l, and every selected host appears in `_meta.hostvars` even
 * when it has no vars (Ansible leaves vars-less hosts out; remediate lists the whole selection).
 */
export function inventoryListJson(inv: Inventory, hostsSelected?: readonly string[]): Record<string, unknown> {
  const available = hostsSelected ? new Set(hostsSelected) : null;
  const out: Record<string, unknown> = {};
  const seen = new Set<string>();
  const formatGroup = (name: string): void => {
    const g = inv.groups.get(name);
    if (!g) return;
    const entry: Record<string, unknown> = {};
    if (name !== 'all') {
      const hosts = available ? g.hosts.filter((h) => available.has(h)) : [...g.hosts];
      if (hosts.length) entry.hosts = hosts;
    }
    if (g.children.length) entry.children = [...g.children];
    if (Object.keys(entry).length) out[name] = entry;
    for (const c of g.children) {
      if (seen.has(c)) continue;
      seen.add(c);
      formatGroup(c);
    }
  };
  formatGroup('all');

  const hostvars: Record<string, unknown> = {};
  const hosts = hostsSelected ?? derive(inv).groupHosts('all');
  for (const h of hosts) {
    const v = hostVars(inv, h);
    if (available || Object.keys(v).length) hostvars[h] = v;
  }
  out._meta = { hostvars };
  return sortKeysDeep(out) as Record<string, unknown>;
}

// Python's repr()/str() (how Ansible prints vars in --graph --vars): one implementation, shared
// with the expression language.
import { pyRepr, pyStr } from '../playbook/py.js';
export { pyRepr, pyStr };

export interface GraphOptions {
  /** Show vars like `--graph --vars`. */
  vars?: boolean;
  /** Start at this group (like `ansible-inventory --graph GROUP`); default `all`. */
  group?: string;
}

/**
 * The text of `ansible-inventory --graph [GROUP] [--vars]`. With `hostsSelected`, only those
 * hosts are drawn and groups with none of them below are left out (Ansible's --graph ignores -l).
 */
export function inventoryGraph(inv: Inventory, hostsSelected?: readonly string[], opts: GraphOptions = {}): string {
  const d = derive(inv);
  const available = hostsSelected ? new Set(hostsSelected) : null;
  const start = opts.group ?? 'all';
  if (!inv.groups.has(start)) throw new Error(`--graph needs a group name; '${start}' is not a group`);
  const lines: string[] = [];
  const name = (text: string, depth: number) => (depth ? '  |'.repeat(depth) + '--' + text : text);
  const showVars = (vars: Record<string, unknown>, depth: number) => {
    for (const k of Object.keys(vars).sort()) lines.push(name(`{${k} = ${pyStr(vars[k])}}`, depth));
  };
  const keep = (g: string) => !available || g === start || d.groupHosts(g).some((h) => available.has(h));
  const walk = (g: string, depth: number): void => {
    lines.push(name(`@${g}:`, depth));
    const group = inv.groups.get(g)!;
    for (const c of group.children) if (keep(c)) walk(c, depth + 1);
    if (g !== 'all') {
      for (const h of group.hosts) {
        if (available && !available.has(h)) continue;
        lines.push(name(h, depth + 1));
        if (opts.vars) showVars(hostVars(inv, h), depth + 2);
      }
    }
    if (opts.vars) showVars(groupVars(inv, g), depth + 1);
  };
  walk(start, 0);
  return lines.join('\n');
}
