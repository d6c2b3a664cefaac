// What the playbook loader needs to know about modules: each one's argument schema (so bad
// arguments are positioned errors at load time) and which argument fields hold conditions.
// src/modules/registry.ts's ModuleRegistry satisfies this interface structurally.
import type { Schema } from '../source/schema-types.js';

export interface ModuleCatalog {
  schemaOf(name: string): Schema | undefined;
  names(): string[];
  /** Argument fields that are bare conditions (e.g. assert's `that`), syntax-checked at load. */
  conditionFieldsOf?(name: string): readonly string[] | undefined;
}

export interface CatalogEntry {
  name: string;
  schema: Schema;
  conditionFields?: readonly string[];
}

export function catalogOf(modules: readonly CatalogEntry[]): ModuleCatalog {
  const byName = new Map(modules.map((m) => [m.name, m]));
  return {
    schemaOf: (name) => byName.get(name)?.schema,
    names: () => [...byName.keys()],
    conditionFieldsOf: (name) => byName.get(name)?.conditionFields,
  };
}
