// Ansible's INI inventory (ansible/plugins/inventory/ini.py): `[group]`, `[group:vars]`,
// `[group:children]`, hosts before any section are `ungrouped`, `host key=value` words cut by
// shlex, and every value — on host lines and in :vars sections alike — goes through
// literal_eval (ansible-core 2.14 does this for both, whatever its docs say about :vars).
// Unlike Ansible, which stops at the first bad line, every bad line is reported at once.
import type { Problem } from '../source/types.js';
import { problemAt } from './yaml-load.js';
import { InventoryModel, ModelError } from './model.js';
import { iniValue, PyLiteralTypeError } from './pyliteral.js';
import { expandHostPattern, HostRangeError } from './ranges.js';
import { shlexSplit, ShlexError } from './shlex.js';

const SECTION_RE = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$/;
const GROUPNAME_RE = /^([^:\]\s]+)\s*(?:#.*)?$/;

interface Pending {
  line: number;
  col: number;
  state: 'vars' | 'children';
  name: string;
  parents: string[];
}

export function parseIni(model: InventoryModel, file: string, text: string): Problem[] {
  const problems: Problem[] = [];
  const lines = text.split(/\r\n|\n|\r/);
  const err = (lineno: number, col: number, message: string, extra: Partial<Problem> = {}) =>
    problems.push(problemAt(file, text, lineno, col, message, extra));

  const pending = new Map<string, Pending>();
  let groupname = 'ungrouped';
  let state = 'hosts';

  const addPendingChildren = (group: string): void => {
    const p = pending.get(group)!;
    for (const parent of p.parents) {
      model.addChild(parent, group);
      const pp = pending.get(parent);
      if (pp && pp.state === 'children') addPendingChildren(parent);
    }
    pending.delete(group);
  };

  for (let idx = 0; idx < lines.length; idx++) {
    const lineno = idx + 1;
    const raw = lines[idx];
    const indent = raw.length - raw.trimStart().length;
    const line = raw.trim();
    if (!line || line[0] === ';' || line[0] === '#') continue;

    try {
      const m = SECTION_RE.exec(line);
      if (m) {
        groupname = m[1];
        state = m[2] ?? 'hosts';
        if (state !== 'hosts' && state !== 'children' && state !== 'vars') {
          err(lineno, indent + m[1].length + 3, `section [${m[1]}:${state}] has unknown type '${state}'`, {
            expected: "'children' or 'vars'",
            found: `'${state}'`,
          });
          state = 'skip';
          continue;
        }
        if (!model.groups.has(groupname)) {
          // [g:vars] alone does not declare g: remember it and complain at the end if nobody does.
          if (state === 'vars' && !pending.has(groupname)) {
            pending.set(groupname, { line: lineno, col: indent + 2, state: 'vars', name: groupname, parents: [] });
          }
          model.addGroup(groupname);
        }
        const p = pending.get(groupname);
        if (p && state !== 'vars') {
          if (p.state === 'children') addPendingChildren(groupname);
          else pending.delete(groupname);
        }
        continue;
      } else if (line.startsWith('[') && line.endsWith(']')) {
        err(lineno, indent + 1, `invalid section entry '${line}'`, {
          expected: '[group], [group:vars] or [group:children] with no spaces inside the brackets',
        });
        state = 'skip';
        continue;
      }

      if (state === 'skip') continue;
      if (state === 'hosts') parseHostLine(model, raw, lineno, groupname, err);
      else if (state === 'vars') {
        const eq = line.indexOf('=');
        if (eq < 0) {
          err(lineno, indent + 1, `expected key=value in [${groupname}:vars]`, { found: `'${line}'` });
          continue;
        }
        const k = line.slice(0, eq).trim();
        const v = line.slice(eq + 1).trim();
        try {
          model.setVariable(groupname, k, iniValue(v));
        } catch (e) {
          if (!(e instanceof ModelError || e instanceof PyLiteralTypeError)) throw e;
          err(lineno, indent + eq + 2, `invalid value for ${k}: ${e.message}`);
        }
      } else if (state === 'children') {
        const gm = GROUPNAME_RE.exec(line);
        if (!gm) {
          err(lineno, indent + 1, `expected a group name in [${groupname}:children]`, { found: `'${line}'` });
          continue;
        }
        const child = gm[1];
        if (!model.groups.has(child)) {
          const p = pending.get(child);
          if (!p) pending.set(child, { line: lineno, col: indent + 1, state: 'children', name: child, parents: [groupname] });
          else p.parents.push(groupname);
        } else {
          model.addChild(groupname, child);
        }
      }
    } catch (e) {
      if (!(e instanceof ModelError)) throw e;
      err(lineno, indent + 1, e.message);
    }
  }

  for (const p of pending.values()) {
    if (p.state === 'vars') {
      err(p.line, p.col, `section [${p.name}:vars] is for a group that is not defined: ${p.name}`, {
        hint: `declare it with [${p.name}] or list it under some [parent:children]`,
      });
    } else {
      err(p.line, p.col, `section [${p.parents[p.parents.length - 1]}:children] includes undefined group: ${p.name}`, {
        hint: `declare it with [${p.name}] (a host name cannot be a child group)`,
      });
    }
  }
  return problems;
}

function parseHostLine(
  model: InventoryModel,
  raw: string,
  lineno: number,
  group: string,
  err: (lineno: number, col: number, message: string, extra?: Partial<Problem>) => void,
): void {
  let words;
  try {
    words = shlexSplit(raw);
  } catch (e) {
    if (!(e instanceof ShlexError)) throw e;
    err(lineno, e.offset + 1, `cannot parse host line: ${e.message.toLowerCase()}`);
    return;
  }
  if (words.length === 0) return;
  const [first, ...rest] = words;
  const col = first.start + 1;
  let hosts: string[];
  let port: number | undefined;
  try {
    ({ hosts, port } = expandHostPattern(first.value));
  } catch (e) {
    if (!(e instanceof HostRangeError)) throw e;
    err(lineno, col, `invalid host range '${first.value}': ${e.message}`);
    return;
  }
  if (first.value.trim().endsWith(':') && port === undefined) {
    err(lineno, col, `invalid host pattern '${first.value}': a trailing ':' is reserved for a port`, {
      expected: 'host, host:port or a range like web[01:10]',
    });
    return;
  }
  if (hosts.some((h) => h.trim() === '---')) {
    err(lineno, col, `invalid host pattern '${first.value}': '---' is normally a sign this is a YAML file`);
    return;
  }
  const vars: Array<[string, unknown]> = [];
  let bad = false;
  for (const w of rest) {
    const eq = w.value.indexOf('=');
    if (eq < 0) {
      err(lineno, w.start + 1, `expected key=value host variable, found '${w.value}'`, {
        hint: 'quote values that contain spaces: key="a b"',
      });
      bad = true;
      continue;
    }
    try {
      vars.push([w.value.slice(0, eq), iniValue(w.value.slice(eq + 1))]);
    } catch (e) {
      if (!(e instanceof PyLiteralTypeError)) throw e;
      err(lineno, w.start + 1, `invalid value for ${w.value.slice(0, eq)}: ${e.message}`);
      bad = true;
    }
  }
  if (bad) return;
  for (const h of hosts) {
    model.addHost(h, group, port);
    for (const [k, v] of vars) model.setVariable(h, k, v);
  }
}
