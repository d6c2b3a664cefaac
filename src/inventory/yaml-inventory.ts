// Ansible's YAML inventory (ansible/plugins/inventory/yaml.py): top-level keys are groups, each
// with `hosts`, `vars`, `children`; host keys may be ranges (`web[01:10]`) or `host:port`.
// Ansible skips odd keys with a warning and fails the file on structural errors; we do the same,
// but collect every error with its position instead of stopping at the first.
import type { Problem } from '../source/types.js';
import { InventoryModel, ModelError, pyTypeName } from './model.js';
import { expandHostPattern, HostRangeError } from './ranges.js';
import { duplicateKeyWarnings, jsonKey, problemAtPath, pyTruthy, toPlain, type LoadedYaml } from './yaml-load.js';

export interface ParseOutcome {
  problems: Problem[];
  warnings: Problem[];
}

/** Why the YAML plugin declines a file (Ansible then tries the INI plugin). */
export function yamlInventoryShapeError(value: unknown): string | null {
  if (!pyTruthy(value)) return 'parsed empty YAML file';
  if (!(value instanceof Map)) return `YAML inventory has invalid structure, it should be a dictionary, got: ${pyTypeName(value)}`;
  if (pyTruthy(value.get('plugin'))) return 'plugin configuration YAML file, not a YAML inventory (inventory plugins are not supported)';
  return null;
}

export function parseYamlInventory(model: InventoryModel, loaded: LoadedYaml): ParseOutcome {
  const problems: Problem[] = [];
  const warnings: Problem[] = duplicateKeyWarnings(loaded);
  const data = loaded.value;
  const shape = yamlInventoryShapeError(data);
  if (shape) {
    problems.push(problemAtPath(loaded, [], shape, { expected: 'a mapping of group names, starting with all:' }));
    return { problems, warnings };
  }

  const fail = (path: unknown[], message: string, extra: Partial<Problem> = {}, which: 'key' | 'value' = 'value') =>
    problems.push(problemAtPath(loaded, path, message, extra, which));
  const warn = (path: unknown[], message: string, which: 'key' | 'value' = 'key') =>
    warnings.push(problemAtPath(loaded, path, message, {}, which));

  const parseGroup = (group: unknown, groupData: unknown, path: unknown[]): unknown => {
    if (!(groupData instanceof Map || groupData === null || groupData === undefined)) {
      warn(path, `skipping '${String(group)}': not a valid group definition (expected a mapping with hosts, vars, children; found ${pyTypeName(groupData)})`);
      return group;
    }
    let name: string;
    try {
      name = model.addGroup(group);
    } catch (e) {
      if (!(e instanceof ModelError)) throw e;
      fail(path, `unable to add group ${String(group)}: ${e.message}`, {}, 'key');
      return group;
    }
    if (!(groupData instanceof Map)) return name;

    for (const section of ['vars', 'children', 'hosts']) {
      if (!groupData.has(section)) continue;
      const v = groupData.get(section);
      if (typeof v === 'string') groupData.set(section, new Map([[v, null]]));
      else if (!(v instanceof Map || v === null || v === undefined)) {
        fail([...path, section], `invalid "${section}" entry for "${name}" group`, {
          expected: 'a mapping',
          found: pyTypeName(v),
        });
        groupData.delete(section);
      }
    }

    for (const [key, value] of groupData) {
      const kpath = [...path, key];
      if (!(value instanceof Map || value === null || value === undefined)) {
        warn(kpath, `skipping key (${String(key)}) in group (${name}): it is not a mapping, it is a ${pyTypeName(value)}`);
        continue;
      }
      if (value === null || value === undefined) continue;
      if (key === 'vars') {
        for (const [k, v] of value) {
          try {
            model.setVariable(name, jsonKey(k), toPlain(v));
          } catch (e) {
            if (!(e instanceof ModelError)) throw e;
            fail([...kpath, k], `invalid value for ${String(k)}: ${e.message}`);
          }
        }
      } else if (key === 'children') {
        for (const [sub, subData] of value) {
          const subName = parseGroup(sub, subData, [...kpath, sub]);
          try {
            model.addChild(name, subName as string);
          } catch (e) {
            if (!(e instanceof ModelError)) throw e;
            fail([...kpath, sub], e.message, {}, 'key');
          }
        }
      } else if (key === 'hosts') {
        for (const [pattern, hostVars] of value) {
          const hpath = [...kpath, pattern];
          if (typeof pattern !== 'string') {
            fail(hpath, `host pattern ${String(pattern)} must be a string`, { hint: 'enclose integers/floats in quotation marks' }, 'key');
            continue;
          }
          let hosts: string[];
          let port: number | undefined;
          try {
            ({ hosts, port } = expandHostPattern(pattern));
          } catch (e) {
            if (!(e instanceof HostRangeError)) throw e;
            fail(hpath, `invalid host range '${pattern}': ${e.message}`, {}, 'key');
            continue;
          }
          const vars = pyTruthy(hostVars) ? hostVars : new Map();
          if (!(vars instanceof Map)) {
            fail(hpath, `invalid variables for host '${pattern}'`, { expected: 'a mapping of variables', found: pyTypeName(hostVars) });
            continue;
          }
          try {
            for (const h of hosts) {
              model.addHost(h, name, port);
              for (const [k, v] of vars) model.setVariable(h, jsonKey(k), toPlain(v));
            }
          } catch (e) {
            if (!(e instanceof ModelError)) throw e;
            fail(hpath, e.message, {}, 'key');
          }
        }
      } else {
        warn(kpath, `skipping unexpected key (${String(key)}) in group (${name}), only "vars", "children" and "hosts" are valid`);
      }
    }
    return name;
  };

  for (const [group, groupData] of data as Map<unknown, unknown>) parseGroup(group, groupData, [group]);
  return { problems, warnings };
}
