// Facts computed once per Inventory value (treated as immutable): parents, group depth, each
// host's groups, each group's hosts in Ansible's order. Cached in a WeakMap so the functions
// that need them stay plain functions of the Inventory, with linear cost for 10k hosts.
import type { Inventory } from './types.js';

export interface Derived {
  parents: Map<string, string[]>;
  depth: Map<string, number>;
  hostSet: Set<string>;
  hostsDefined: string[];
  /** The first host named like localhost (Ansible's inventory.localhost), if any. */
  localhost: string | undefined;
  /** Every group a host belongs to, ancestors and `all` included. */
  hostGroups: Map<string, Set<string>>;
  groupHosts(group: string): string[];
  /** The group and its descendants, in Ansible's walk order (self, children, grandchildren…). */
  descendants(group: string): string[];
}

const cache = new WeakMap<Inventory, Derived>();
const LOCALHOST = ['127.0.0.1', 'localhost', '::1'];

export function derive(inv: Inventory): Derived {
  let d = cache.get(inv);
  if (!d) {
    d = compute(inv);
    cache.set(inv, d);
  }
  return d;
}

function compute(inv: Inventory): Derived {
  const parents = new Map<string, string[]>();
  for (const g of inv.groups.keys()) parents.set(g, []);
  for (const g of inv.groups.values()) {
    for (const c of g.children) {
      const list = parents.get(c);
      if (list && !list.includes(g.name)) list.push(g.name);
    }
  }

  // Ansible's depth: the longest chain of parents up to `all` (depth 0).
  const depth = new Map<string, number>();
  const depthOf = (name: string, trail: Set<string>): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    if (trail.has(name)) return 0; // a loop cannot come out of the loaders; be safe anyway
    trail.add(name);
    let dp = 0;
    if (name !== 'all') for (const p of parents.get(name) ?? []) dp = Math.max(dp, depthOf(p, trail) + 1);
    trail.delete(name);
    depth.set(name, dp);
    return dp;
  };
  for (const g of inv.groups.keys()) depthOf(g, new Set());

  const ancestors = new Map<string, Set<string>>();
  const ancestorsOf = (name: string): Set<string> => {
    let a = ancestors.get(name);
    if (a) return a;
    a = new Set();
    ancestors.set(name, a); // placed before recursion: guards against loops
    for (const p of parents.get(name) ?? []) {
      a.add(p);
      for (const x of ancestorsOf(p)) a.add(x);
    }
    return a;
  };

  const hostGroups = new Map<string, Set<string>>();
  for (const h of inv.hosts) hostGroups.set(h, new Set());
  for (const g of inv.groups.values()) {
    for (const h of g.hosts) {
      let set = hostGroups.get(h);
      if (!set) {
        set = new Set();
        hostGroups.set(h, set);
      }
      set.add(g.name);
    }
  }
  const closureCache = new Map<string, Set<string>>();
  for (const [h, direct] of hostGroups) {
    // Hosts sharing the same direct groups share the closure (the common case in big fleets).
    const key = [...direct].join('\u0000');
    let closure = closureCache.get(key);
    if (!closure) {
      closure = new Set(['all']);
      for (const g of direct) {
        closure.add(g);
        for (const a of ancestorsOf(g)) closure.add(a);
      }
      closureCache.set(key, closure);
    }
    hostGroups.set(h, closure);
  }

  const descCache = new Map<string, string[]>();
  const descendants = (group: string): string[] => {
    let out = descCache.get(group);
    if (out) return out;
    const g = inv.groups.get(group);
    out = [group];
    const seen = new Set(out);
    let frontier = [group];
    // Level by level like Group._walk_relationship; within a level Ansible iterates a Python set
    // (arbitrary order), we follow the parents' order, which is one of the orders Ansible may print.
    while (frontier.length && g) {
      const next: string[] = [];
      for (const f of frontier) {
        for (const c of inv.groups.get(f)?.children ?? []) {
          if (seen.has(c)) continue;
          seen.add(c);
          out.push(c);
          next.push(c);
        }
      }
      frontier = next;
    }
    descCache.set(group, out);
    return out;
  };

  const hostsCache = new Map<string, string[]>();
  const groupHosts = (group: string): string[] => {
    let out = hostsCache.get(group);
    if (out) return out;
    out = [];
    const seen = new Set<string>();
    for (const kid of descendants(group)) {
      for (const h of inv.groups.get(kid)?.hosts ?? []) {
        if (seen.has(h)) continue;
        seen.add(h);
        out.push(h);
      }
    }
    hostsCache.set(group, out);
    return out;
  };

  return {
    parents,
    depth,
    hostSet: new Set(inv.hosts),
    hostsDefined: inv.hostsDefined ?? inv.hosts,
    localhost: (inv.hostsDefined ?? inv.hosts).find((h) => LOCALHOST.includes(h)),
    hostGroups,
    groupHosts,
    descendants,
  };
}
