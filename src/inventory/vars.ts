// A host's merged variables, exactly what `ansible-inventory --list` shows in _meta.hostvars.
// Ansible's order (VariableManager.get_vars with the default VARIABLE_PRECEDENCE), later wins:
//   1. inline vars of `all`
//   2. inline vars of the host's other groups, sorted by (depth, ansible_group_priority, name)
//   3. group_vars/all of each source, source by source
//   4. group_vars/<group> of each source, source by source, groups sorted as in 2
//   5. the host's inline vars, 6. host_vars/<host> of each source.
// So group_vars/all beats an inline [child:vars], and a later source's group_vars/parent beats an
// earlier source's group_vars/child. Replacement is shallow (hash_behaviour=replace).
import { derive } from './derived.js';
import { isIpAddress } from './ranges.js';
import type { Inventory } from './types.js';

/** Names Ansible treats as the control machine (C.LOCALHOST). */
export const LOCALHOST_NAMES: readonly string[] = ['127.0.0.1', 'localhost', '::1'];

// ansible-inventory removes these (cli/inventory.py INTERNAL_VARS) from what it prints.
const INTERNAL_VARS = new Set([
  'ansible_diff_mode', 'ansible_config_file', 'ansible_facts', 'ansible_forks', 'ansible_inventory_sources',
  'ansible_limit', 'ansible_playbook_python', 'ansible_run_tags', 'ansible_skip_tags', 'ansible_verbosity',
  'ansible_version', 'inventory_dir', 'inventory_file', 'inventory_hostname', 'inventory_hostname_short',
  'groups', 'group_names', 'omit', 'playbook_dir',
]);

export class UnknownHostError extends Error {
  constructor(readonly host: string) {
    super(`host '${host}' is not in the inventory`);
  }
}

function sortGroups(inv: Inventory, names: Iterable<string>): string[] {
  const d = derive(inv);
  const key = (n: string) => ({ depth: d.depth.get(n) ?? 0, prio: inv.groups.get(n)?.priority ?? 1 });
  return [...names].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (ka.depth !== kb.depth) return ka.depth - kb.depth;
    if (ka.prio !== kb.prio) return ka.prio - kb.prio;
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

/** Copies nested containers so a caller mutating one host's list cannot touch another host. */
function own(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(own);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = own(v);
    return out;
  }
  return value;
}

function assign(target: Record<string, unknown>, source: Record<string, unknown> | undefined): void {
  if (!source) return;
  for (const k of Object.keys(source)) target[k] = source[k];
}

/** True when `host` is not in the inventory but Ansible would create it implicitly (localhost). */
export function isImplicitLocalhost(inv: Inventory, host: string): boolean {
  return !derive(inv).hostSet.has(host) && LOCALHOST_NAMES.includes(host);
}

/**
 * Merged vars of a host, as `ansible-inventory --list` prints them (no magic vars).
 * An implicit localhost (not in the inventory) gets `all`'s vars and ansible_connection=local,
 * as in Ansible. Any other unknown host throws UnknownHostError.
 */
export function hostVars(inv: Inventory, host: string): Record<string, unknown> {
  const d = derive(inv);
  const layers = inv.varsLayers ?? [];
  const all = inv.groups.get('all');
  const out: Record<string, unknown> = {};
  if (!d.hostSet.has(host)) {
    if (!LOCALHOST_NAMES.includes(host)) throw new UnknownHostError(host);
    if (d.localhost !== undefined) return hostVars(inv, d.localhost);
    assign(out, all?.vars);
    for (const l of layers) assign(out, l.groups.get('all'));
    assign(out, { ansible_connection: 'local' });
    for (const l of layers) assign(out, l.hosts.get(host));
  } else {
    const groups = sortGroups(inv, [...(d.hostGroups.get(host) ?? [])].filter((g) => g !== 'all'));
    assign(out, all?.vars);
    for (const g of groups) assign(out, inv.groups.get(g)?.vars);
    for (const l of layers) assign(out, l.groups.get('all'));
    for (const l of layers) for (const g of groups) assign(out, l.groups.get(g));
    assign(out, inv.ownVars.get(host));
    for (const l of layers) assign(out, l.hosts.get(host));
  }
  for (const k of INTERNAL_VARS) delete out[k];
  return own(out) as Record<string, unknown>;
}

/** The host's groups as Ansible's `group_names`: every group it is in (ancestors too), sorted, without `all`. */
export function groupsOf(inv: Inventory, host: string): string[] {
  const groups = derive(inv).hostGroups.get(host);
  if (!groups) {
    if (LOCALHOST_NAMES.includes(host)) return [];
    throw new UnknownHostError(host);
  }
  return [...groups].filter((g) => g !== 'all').sort();
}

/** Ansible's per-host magic vars that come from the inventory (for templating). */
export function hostMagicVars(inv: Inventory, host: string): Record<string, unknown> {
  const file = inv.hostFiles?.get(host) ?? null;
  return {
    inventory_hostname: host,
    inventory_hostname_short: isIpAddress(host) ? host : host.split('.')[0],
    group_names: groupsOf(inv, host),
    inventory_file: file,
    inventory_dir: file === null ? null : file.includes('/') ? file.slice(0, file.lastIndexOf('/')) || '/' : '',
  };
}

/** Group vars as `ansible-inventory --graph --vars` shows them: inline, then group_vars/ files, then a non-default priority. */
export function groupVars(inv: Inventory, group: string): Record<string, unknown> {
  const g = inv.groups.get(group);
  const out: Record<string, unknown> = {};
  assign(out, g?.vars);
  for (const l of inv.varsLayers ?? []) assign(out, l.groups.get(group));
  if (g && (g.priority ?? 1) !== 1) out.ansible_group_priority = g.priority;
  for (const k of INTERNAL_VARS) delete out[k];
  return out;
}
