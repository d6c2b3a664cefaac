// The mutable inventory every source plugin writes into, with the rules of Ansible's
// InventoryData/Group/Host (ansible/inventory/{data,group,host}.py): first-seen host order,
// `host:port` only on creation, groups looked up before hosts when setting a variable,
// ansible_group_priority intercepted, loops refused, then `reconcile()` once at the end.

export class ModelError extends Error {}

export interface MGroup {
  name: string;
  hosts: string[];
  hostSet: Set<string>;
  children: string[];
  childSet: Set<string>;
  parents: string[];
  vars: Record<string, unknown>;
  priority: number;
}

export interface MHost {
  name: string;
  vars: Record<string, unknown>;
  /** Groups the host was added to directly. */
  direct: Set<string>;
  /** The first source that mentioned the host (Ansible's inventory_file). */
  source: string | null;
}

/** Python's int() on an inventory value (ansible_group_priority). */
export function pyIntOf(value: unknown): number {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new ModelError(`cannot convert ${value} to integer`);
    return Math.trunc(value);
  }
  if (typeof value === 'string' && /^\s*[-+]?[0-9](?:_?[0-9])*\s*$/.test(value)) {
    return parseInt(value.trim().replace(/_/g, ''), 10);
  }
  throw new ModelError(`invalid literal for int(): ${JSON.stringify(value)}`);
}

export class InventoryModel {
  readonly groups = new Map<string, MGroup>();
  readonly hosts = new Map<string, MHost>();
  currentSource: string | null = null;

  constructor() {
    this.addGroup('all');
    this.addGroup('ungrouped');
    this.addChild('all', 'ungrouped');
  }

  addGroup(name: unknown): string {
    if (typeof name !== 'string') {
      throw new ModelError(`invalid group name: expected a string, found ${pyTypeName(name)} ${JSON.stringify(name)}`);
    }
    if (!name) throw new ModelError('invalid empty group name');
    if (!this.groups.has(name)) {
      this.groups.set(name, {
        name,
        hosts: [],
        hostSet: new Set(),
        children: [],
        childSet: new Set(),
        parents: [],
        vars: {},
        priority: 1,
      });
    }
    return name;
  }

  addHost(name: unknown, group?: string, port?: number): string {
    if (typeof name !== 'string') {
      throw new ModelError(`invalid host name: expected a string, found ${pyTypeName(name)} ${JSON.stringify(name)}`);
    }
    if (!name) throw new ModelError('invalid empty host name');
    let g: MGroup | undefined;
    if (group) {
      g = this.groups.get(group);
      if (!g) throw new ModelError(`could not find group ${group} in inventory`);
    }
    let h = this.hosts.get(name);
    if (!h) {
      h = { name, vars: {}, direct: new Set(), source: this.currentSource };
      // Host(name, port): the port only counts when the host is first created (`if port:`).
      if (port) h.vars.ansible_port = port;
      this.hosts.set(name, h);
    }
    if (g) this.addHostToGroup(g, h);
    return name;
  }

  private addHostToGroup(g: MGroup, h: MHost): void {
    if (g.hostSet.has(h.name)) return;
    g.hosts.push(h.name);
    g.hostSet.add(h.name);
    h.direct.add(g.name);
  }

  /** add_child: a group (checked first) or a host into a group. */
  addChild(group: string, child: string): void {
    const g = this.groups.get(group);
    if (!g) throw new ModelError(`${group} is not a known group`);
    const cg = this.groups.get(child);
    if (cg) {
      this.addChildGroup(g, cg);
      return;
    }
    const h = this.hosts.get(child);
    if (h) {
      this.addHostToGroup(g, h);
      return;
    }
    throw new ModelError(`${child} is not a known host nor group`);
  }

  private addChildGroup(parent: MGroup, child: MGroup): void {
    if (parent === child) throw new ModelError(`can't add group ${parent.name} to itself`);
    if (parent.childSet.has(child.name)) return;
    if (this.ancestors(parent.name).has(child.name)) {
      throw new ModelError(`adding group '${child.name}' as child to '${parent.name}' creates a recursive dependency loop`);
    }
    parent.children.push(child.name);
    parent.childSet.add(child.name);
    if (!child.parents.includes(parent.name)) child.parents.push(parent.name);
  }

  ancestors(name: string): Set<string> {
    const seen = new Set<string>();
    const stack = [...(this.groups.get(name)?.parents ?? [])];
    while (stack.length) {
      const p = stack.pop()!;
      if (seen.has(p)) continue;
      seen.add(p);
      stack.push(...this.groups.get(p)!.parents);
    }
    return seen;
  }

  /** set_variable: a group of that name wins over a host of that name, as in Ansible. */
  setVariable(entity: string, key: string, value: unknown): void {
    const g = this.groups.get(entity);
    if (g) {
      if (key === 'ansible_group_priority') g.priority = pyIntOf(value);
      else g.vars[key] = value;
      return;
    }
    const h = this.hosts.get(entity);
    if (h) {
      h.vars[key] = value;
      return;
    }
    throw new ModelError(`could not identify group or host named ${entity}`);
  }

  /** reconcile_inventory: parentless groups join `all`; `ungrouped` keeps only hosts with no other group. */
  reconcile(): void {
    for (const g of this.groups.values()) {
      if (g.name !== 'all' && g.parents.length === 0) this.addChild('all', g.name);
    }
    const ungrouped = this.groups.get('ungrouped')!;
    const ancestorCache = new Map<string, Set<string>>();
    const closureOf = (h: MHost): Set<string> => {
      const out = new Set<string>();
      for (const d of h.direct) {
        out.add(d);
        let anc = ancestorCache.get(d);
        if (!anc) {
          anc = this.ancestors(d);
          ancestorCache.set(d, anc);
        }
        for (const a of anc) out.add(a);
      }
      return out;
    };
    const removed = new Set<string>();
    for (const h of this.hosts.values()) {
      const mine = closureOf(h);
      if (mine.has('ungrouped')) {
        let other = false;
        for (const g of mine) if (g !== 'all' && g !== 'ungrouped') other = true;
        if (other && ungrouped.hostSet.has(h.name)) {
          ungrouped.hostSet.delete(h.name);
          h.direct.delete('ungrouped');
          removed.add(h.name);
        }
      } else {
        let onlyAll = true;
        for (const g of mine) if (g !== 'all') onlyAll = false;
        if (onlyAll) this.addHostToGroup(ungrouped, h);
      }
    }
    if (removed.size) ungrouped.hosts = ungrouped.hosts.filter((n) => !removed.has(n));
  }
}

/** Python's type names, for messages that mirror Ansible's. */
export function pyTypeName(v: unknown): string {
  if (v === null || v === undefined) return 'NoneType';
  if (typeof v === 'string') return 'str';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (Array.isArray(v)) return 'list';
  if (v instanceof Map) return 'dict';
  if (typeof v === 'object') return 'dict';
  return typeof v;
}
