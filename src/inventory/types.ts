// Ansible-compatible inventory as typed values.
import type { Problem } from '../source/types.js';

export interface Group {
  name: string;
  /** Hosts listed directly in this group, in source order. */
  hosts: string[];
  /** Child group names, in source order. */
  children: string[];
  /** Group vars from the inventory source itself, before merging (group_vars/ files: Inventory.varsLayers). */
  vars: Record<string, unknown>;
  /** ansible_group_priority as set in the inventory source (default 1); orders groups of equal depth. */
  priority?: number;
}

/** group_vars/ and host_vars/ found beside one inventory source. */
export interface VarsLayer {
  /** The directory holding group_vars/ and host_vars/. */
  dir: string;
  groups: Map<string, Record<string, unknown>>;
  hosts: Map<string, Record<string, unknown>>;
}

export interface Inventory {
  /** Every host once, in Ansible's order (the order `ansible all --list-hosts` prints). */
  hosts: string[];
  /** Every group including `all` and `ungrouped`. */
  groups: Map<string, Group>;
  /** Host vars from the sources (inline, `host:port`, a script's _meta), before merging (host_vars/: varsLayers). */
  ownVars: Map<string, Record<string, unknown>>;
  /**
   * Hosts in the order the sources first mentioned them (Ansible's inventory.hosts dict order,
   * which glob patterns like `web*` follow). Defaults to `hosts` when absent.
   */
  hostsDefined?: string[];
  /**
   * group_vars/ and host_vars/ per source, in source order. When present, `Group.vars` and
   * `ownVars` hold only the inline vars, because Ansible merges files at their own precedence
   * level (all inline group vars < group_vars/all < group_vars/<group> < inline host vars < host_vars/).
   */
  varsLayers?: VarsLayer[];
  /** The sources as resolved (absolute paths, or the host list string). */
  sources?: string[];
  /** Non-fatal oddities Ansible also only warns about (skipped keys, …). */
  warnings?: Problem[];
  /** The first source file that mentioned each host (Ansible's inventory_file). */
  hostFiles?: Map<string, string | null>;
}
