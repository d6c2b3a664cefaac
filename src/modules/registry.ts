// The module catalog: the playbook validator asks it for schemas, the engine for behaviour.
import { assertModule } from './assert.js';
import { commandModule, shellModule } from './command.js';
import { copyModule } from './copy.js';
import { debugModule } from './debug.js';
import { packageModule } from './package.js';
import { iniModule } from './ini.js';
import { lineinfileModule } from './lineinfile.js';
import { serviceModule } from './service.js';
import { canaryReloadModule } from './canary-reload.js';
import { metaModule } from './meta.js';
import type { Module } from './types.js';
import type { Schema } from '../source/schema-types.js';

export interface ModuleRegistry {
  get(name: string): Module | undefined;
  schemaOf(name: string): Schema | undefined;
  names(): string[];
  conditionFieldsOf(name: string): readonly string[] | undefined;
}

export function createRegistry(modules: readonly Module[]): ModuleRegistry {
  const byName = new Map(modules.map((m) => [m.name, m]));
  return {
    get: (n) => byName.get(n),
    schemaOf: (n) => byName.get(n)?.schema,
    names: () => [...byName.keys()],
    conditionFieldsOf: (n) => byName.get(n)?.conditionFields,
  };
}

export const BUILTIN_MODULES: readonly Module[] = [commandModule, shellModule, copyModule, assertModule, debugModule, packageModule, iniModule, lineinfileModule, serviceModule, canaryReloadModule, metaModule];

export function defaultRegistry(): ModuleRegistry {
  return createRegistry(BUILTIN_MODULES);
}
