// Ansible-compatible inventory as typed values.

export interface Group {
  name: string;
  /** Hosts listed directly in this group, in source order. */
  hosts: string[];
  /** Child group names, in source order. */
  children: string[];
  /** Group vars (inline + group_vars/), before merging. */
  vars: Record<string, unknown>;
}

export interface Inventory {
  /** Every host once, in Ansible's order (the order `ansible all --list-hosts` prints). */
  hosts: string[];
  /** Every group including `all` and `ungrouped`. */
  groups: Map<string, Group>;
  /** Host vars (inline + host_vars/ + _meta), before merging with groups. */
  ownVars: Map<string, Record<string, unknown>>;
}
