// loadInventory: every `-i` source into one inventory, the way Ansible's InventoryManager does it.
// A source is a host list ("a,b,"), a directory (every file in it, sorted, Ansible's ignore list
// applied), an executable (run with --list), a YAML/JSON file or an INI file. Plugins are tried
// in Ansible's order (script, yaml, ini). Where Ansible only warns that a source could not be
// parsed and carries on with a partial fleet, remediate stops: a half-loaded fleet is worse.
import { constants as fsConstants, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Problem } from '../source/types.js';
import { InputError } from '../source/errors.js';
import { InventoryModel, ModelError } from './model.js';
import { parseIni } from './ini.js';
import { parseScript } from './script.js';
import { parseYamlInventory, yamlInventoryShapeError } from './yaml-inventory.js';
import { loadYaml, problemAtPath } from './yaml-load.js';
import { parseAddress } from './ranges.js';
import { loadVarsLayers } from './vars-files.js';
import { derive } from './derived.js';
import type { Group, Inventory } from './types.js';

export interface LoadOptions {
  cwd: string;
  env: Record<string, string | undefined>;
}

const YAML_EXTENSIONS = ['', '.yaml', '.yml', '.json'];
// ansible.cfg defaults: INVENTORY_IGNORE_EXTS (REJECT_EXTS + .orig .ini .cfg .retry) and the
// always-ignored names. Yes, .ini files inside an inventory directory are skipped by Ansible.
const IGNORED = /^\.|^host_vars$|^group_vars$|^vars_plugins$|(?:\.pyc|\.pyo|\.swp|\.bak|~|\.rpm|\.md|\.txt|\.rst|\.orig|\.ini|\.cfg|\.retry)$/;

/** unfrackpath(follow=False): $VARS and ~ expanded, made absolute against cwd, normalised. */
export function resolveSourcePath(source: string, opts: LoadOptions): string {
  let p = source.replace(/\$(\w+)|\$\{([^}]+)\}/g, (m, a: string | undefined, b: string | undefined) => {
    const v = opts.env[(a ?? b)!];
    return v === undefined ? m : v;
  });
  const home = opts.env.HOME;
  if (home && (p === '~' || p.startsWith('~/'))) p = home + p.slice(1);
  return path.resolve(opts.cwd, p);
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.stat(p);
    return true;
  } catch {
    return false;
  }
}

function sourceProblem(source: string, message: string, extra: Partial<Problem> = {}): Problem {
  return { pos: { file: source, line: 1, col: 1 }, message, ...extra };
}

class Loader {
  readonly model = new InventoryModel();
  readonly warnings: Problem[] = [];
  readonly problems: Problem[] = [];
  constructor(private readonly opts: LoadOptions) {}

  parseHostList(list: string): void {
    this.model.currentSource = list;
    for (const raw of list.split(',')) {
      const h = raw.trim();
      if (!h) continue;
      // parse_address without ranges; whatever does not parse is kept verbatim as a name
      const parsed = parseAddress(h, false);
      const host = parsed ? parsed.host : h;
      if (!this.model.hosts.has(host)) this.model.addHost(host, 'ungrouped', parsed?.port);
    }
    this.model.currentSource = null;
  }

  async parseSource(source: string, explicit: boolean): Promise<boolean> {
    let st;
    try {
      st = await fs.stat(source);
    } catch {
      this.problems.push(sourceProblem(source, 'inventory source not found', { hint: 'give a file, a directory, an executable or a host list such as "web1,web2,"' }));
      return false;
    }
    if (st.isDirectory()) {
      const names = (await fs.readdir(source)).sort();
      let parsed = false;
      for (const name of names) {
        if (IGNORED.test(name)) continue;
        if (await this.parseSource(path.join(source, name), false)) parsed = true;
      }
      if (!parsed && explicit) {
        this.warnings.push(sourceProblem(source, 'inventory directory holds no inventory file'));
      }
      return parsed;
    }
    this.model.currentSource = source;
    try {
      return await this.parseFile(source, st.mode);
    } finally {
      this.model.currentSource = null;
    }
  }

  private async parseFile(file: string, mode: number): Promise<boolean> {
    const ext = path.extname(file);

    // script plugin: an executable, or a file starting with #!
    let executable = false;
    try {
      await fs.access(file, fsConstants.X_OK);
      executable = (mode & 0o111) !== 0;
    } catch {
      executable = false;
    }
    const head = await readHead(file);
    let scriptFailure: Problem[] | null = null;
    if (executable) {
      try {
        await parseScript(this.model, file, this.opts);
        return true;
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        // A real script that failed: report its error, not YAML/INI complaints about its code.
        if (head === '#!') {
          this.problems.push(...e.problems);
          return false;
        }
        scriptFailure = e.problems; // an executable data file: Ansible moves on to yaml/ini
      }
    } else if (head === '#!') {
      scriptFailure = [sourceProblem(file, 'starts with #! but is not executable', { hint: `chmod +x ${file}` })];
    }

    if (ext === '.toml') {
      this.problems.push(sourceProblem(file, 'TOML inventories are not supported', { hint: 'convert it to YAML (ansible-inventory -i FILE --list -y)' }));
      return false;
    }
    const text = await fs.readFile(file, 'utf8');

    // yaml plugin: once the file is a YAML mapping of groups, its errors are final.
    let yamlFailure: Problem[] | null = null;
    if (YAML_EXTENSIONS.includes(ext)) {
      try {
        const loaded = loadYaml(file, text);
        const shape = yamlInventoryShapeError(loaded.value);
        if (shape === null) {
          const out = parseYamlInventory(this.model, loaded);
          this.warnings.push(...out.warnings);
          this.problems.push(...out.problems);
          return out.problems.length === 0;
        }
        yamlFailure = [problemAtPath(loaded, [], shape, { expected: 'a mapping of group names, such as all:' })];
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        yamlFailure = e.problems;
      }
    }

    // ini plugin
    const iniFailure = parseIni(this.model, file, text);
    if (iniFailure.length === 0) return true;

    // Nothing took the file: report the failure that fits what it looks like.
    const looksIni = /^\s*\[[^\]]+\]\s*(?:[#;].*)?$/m.test(text);
    let chosen = iniFailure;
    if (yamlFailure && (['.yml', '.yaml', '.json'].includes(ext) || !looksIni)) chosen = yamlFailure;
    if (scriptFailure && head === '#!') chosen = scriptFailure;
    this.problems.push(...chosen);
    return false;
  }
}

async function readHead(file: string): Promise<string> {
  const fh = await fs.open(file, 'r');
  try {
    const buf = Buffer.alloc(2);
    const { bytesRead } = await fh.read(buf, 0, 2, 0);
    return buf.subarray(0, bytesRead).toString('latin1');
  } finally {
    await fh.close();
  }
}

/** Load and merge inventory sources (Ansible's -i, repeatable). Throws InputError on bad input. */
export async function loadInventory(sources: string[], opts: LoadOptions): Promise<Inventory> {
  const loader = new Loader(opts);
  const resolved: string[] = [];
  const varsSources: Array<string | null> = [];
  for (const source of sources) {
    if (!source) continue;
    if (source.includes(',') && !(await exists(path.resolve(opts.cwd, source)))) {
      try {
        loader.parseHostList(source);
      } catch (e) {
        if (!(e instanceof ModelError)) throw e;
        loader.problems.push(sourceProblem(source, e.message));
      }
      resolved.push(source);
      varsSources.push(null);
      continue;
    }
    const p = resolveSourcePath(source, opts);
    resolved.push(p);
    varsSources.push(p);
    await loader.parseSource(p, true);
  }
  if (loader.problems.length) throw new InputError(loader.problems);

  const model = loader.model;
  model.reconcile();
  const varsLayers = await loadVarsLayers(varsSources, [...model.groups.keys()], [...model.hosts.keys()]);
  return toInventory(model, varsLayers, resolved, loader.warnings);
}

function toInventory(
  model: InventoryModel,
  varsLayers: Inventory['varsLayers'],
  sources: string[],
  warnings: Problem[],
): Inventory {
  const groups = new Map<string, Group>();
  for (const g of model.groups.values()) {
    groups.set(g.name, { name: g.name, hosts: g.hosts, children: g.children, vars: g.vars, priority: g.priority });
  }
  const hostsDefined = [...model.hosts.keys()];
  const ownVars = new Map<string, Record<string, unknown>>();
  const hostFiles = new Map<string, string | null>();
  for (const h of model.hosts.values()) {
    ownVars.set(h.name, h.vars);
    hostFiles.set(h.name, h.source);
  }
  const inv: Inventory = { hosts: hostsDefined, groups, ownVars, hostsDefined, varsLayers, sources, warnings, hostFiles };
  // `hosts` in the order `ansible all --list-hosts` prints them. The derived facts do not depend
  // on that order, so the cache computed here stays valid for the final value.
  const ordered = derive(inv).groupHosts('all');
  const listed = new Set(ordered);
  inv.hosts = [...ordered, ...hostsDefined.filter((h) => !listed.has(h))];
  return inv;
}

