// Executable inventories (ansible/plugins/inventory/script.py): run `SCRIPT --list` (no shell),
// read its JSON; host vars come from `_meta.hostvars`, and only when that is missing is
// `SCRIPT --host NAME` run for each host (a few at a time here; Ansible runs them one by one).
import { execFile } from 'node:child_process';
import type { Problem } from '../source/types.js';
import { InventoryModel, ModelError, pyTypeName } from './model.js';
import { jsonKey, loadYaml, toPlain } from './yaml-load.js';
import { InputError } from '../source/errors.js';

export interface ScriptOptions {
  cwd: string;
  env: Record<string, string | undefined>;
  /** Parallel `--host` calls when `_meta` is missing. */
  hostConcurrency?: number;
}

const MAX_OUTPUT = 512 * 1024 * 1024;

function run(path: string, args: string[], opts: ScriptOptions): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      path,
      args,
      { cwd: opts.cwd, env: cleanEnv(opts.env), maxBuffer: MAX_OUTPUT, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error) {
          const code = (error as NodeJS.ErrnoException & { code?: unknown }).code;
          const detail = typeof code === 'number' ? `exit code ${code}` : error.message;
          reject(new ScriptError(`inventory script ${path} ${args.join(' ')} failed (${detail})${stderr ? `: ${stderr.trim()}` : ''}`));
          return;
        }
        resolve({ stdout, stderr });
      },
    );
  });
}

export class ScriptError extends Error {}

function cleanEnv(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

function scriptProblem(path: string, message: string, extra: Partial<Problem> = {}): Problem {
  return { pos: { file: path, line: 1, col: 1 }, message, ...extra };
}

function parseJson(path: string, what: string, stdout: string): unknown {
  try {
    JSON.parse(stdout);
  } catch (e) {
    throw new InputError([
      scriptProblem(path, `${what} did not print valid JSON: ${(e as Error).message}`, {
        found: JSON.stringify(stdout.slice(0, 80)),
      }),
    ]);
  }
  // Re-read through the YAML loader for Python's key order (JSON.parse moves "10" before "a").
  return loadYaml(`${path} (${what} output)`, stdout).value;
}

async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export async function parseScript(model: InventoryModel, path: string, opts: ScriptOptions): Promise<void> {
  let out: { stdout: string; stderr: string };
  try {
    out = await run(path, ['--list'], opts);
  } catch (e) {
    if (e instanceof ScriptError) throw new InputError([scriptProblem(path, e.message)]);
    throw e;
  }
  const processed = parseJson(path, `${path} --list`, out.stdout);
  if (!(processed instanceof Map)) {
    throw new InputError([
      scriptProblem(path, `${path} --list must print a JSON object of groups`, { found: pyTypeName(processed) }),
    ]);
  }
  const problems: Problem[] = [];
  const scriptHosts = new Set<string>();
  let fromMeta: unknown = undefined;
  let metaHasHostvars = false;

  for (const [group, gdata] of processed) {
    if (group === '_meta') {
      if (gdata instanceof Map && gdata.has('hostvars')) {
        metaHasHostvars = true;
        fromMeta = gdata.get('hostvars');
      }
      continue;
    }
    try {
      parseGroup(model, group, gdata, scriptHosts);
    } catch (e) {
      if (!(e instanceof ModelError)) throw e;
      problems.push(scriptProblem(path, `group ${JSON.stringify(group)} in ${path} --list: ${e.message}`));
    }
  }
  if (problems.length) throw new InputError(problems);

  const hosts = [...scriptHosts];
  const got = new Map<string, unknown>();
  if (metaHasHostvars) {
    if (!(fromMeta instanceof Map)) {
      throw new InputError([
        scriptProblem(path, `_meta.hostvars printed by ${path} --list must be an object`, { found: pyTypeName(fromMeta) }),
      ]);
    }
    for (const h of hosts) got.set(h, fromMeta.get(h) ?? new Map());
  } else {
    await pool(hosts, opts.hostConcurrency ?? 8, async (h) => {
      let res: { stdout: string };
      try {
        res = await run(path, ['--host', h], opts);
      } catch (e) {
        if (e instanceof ScriptError) throw new InputError([scriptProblem(path, e.message)]);
        throw e;
      }
      // Ansible 2.14 compares the bytes output with '' (never equal), so an empty answer reaches
      // the YAML loader as None and fails the source: print {} for a host without vars.
      if (res.stdout.trim() === '') {
        throw new InputError([scriptProblem(path, `${path} --host ${h} printed nothing`, { expected: 'a JSON object of variables, {} for none' })]);
      }
      got.set(h, loadYaml(`${path} --host ${h}`, res.stdout).value);
    });
  }
  for (const h of hosts) {
    const vars = got.get(h);
    if (!(vars instanceof Map)) {
      problems.push(scriptProblem(path, `variables of host ${h} from ${path} must be an object`, { found: pyTypeName(vars) }));
      continue;
    }
    for (const [k, v] of vars) model.setVariable(h, jsonKey(k), toPlain(v));
  }
  if (problems.length) throw new InputError(problems);
}

function parseGroup(model: InventoryModel, groupKey: unknown, raw: unknown, scriptHosts: Set<string>): void {
  const group = model.addGroup(groupKey);
  let data: Map<unknown, unknown>;
  if (!(raw instanceof Map)) data = new Map([['hosts', raw]]);
  else if (!raw.has('hosts') && !raw.has('vars') && !raw.has('children')) {
    // Ansible's "simplified syntax": a group object without hosts/vars/children is a host of that name.
    data = new Map<unknown, unknown>([['hosts', [group]], ['vars', raw]]);
  } else data = raw;

  if (data.has('hosts')) {
    const hosts = data.get('hosts');
    if (!Array.isArray(hosts)) throw new ModelError(`bad data for the host list: expected a list, found ${pyTypeName(hosts)}`);
    for (const h of hosts) {
      model.addHost(h, group);
      scriptHosts.add(h as string);
    }
  }
  if (data.has('vars')) {
    const vars = data.get('vars');
    if (!(vars instanceof Map)) throw new ModelError(`bad data for variables: expected an object, found ${pyTypeName(vars)}`);
    for (const [k, v] of vars) model.setVariable(group, jsonKey(k), toPlain(v));
  }
  if (data.has('children')) {
    const children = data.get('children');
    const names: unknown[] =
      children instanceof Map ? [...children.keys()] : Array.isArray(children) ? children : typeof children === 'string' ? [...children] : [];
    for (const c of names) {
      const child = model.addGroup(c);
      model.addChild(group, child);
    }
  }
}
