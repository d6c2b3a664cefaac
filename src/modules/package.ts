// package: a package at a version constraint (`php-imagick >= 3.5.0`, `libgomp1`), with apt,
// dnf, yum or pecl. The plan comes from what the repositories offer and the manager's own
// simulation (apt-get -s, dnf/yum --assumeno); no candidate satisfying the constraint is a skip
// with that reason (old distros stop at 3.4.x: there the libgomp fix must happen instead).
// A package whose files differ from its checksums (dpkg --verify, rpm -V) is reinstalled even
// when the manager calls it "the newest version" — a swapped libgomp.so.1 is the case in point.
// The inverse is the previous version; the step is irreversible when that version can no longer
// be downloaded. Packages the manager upgrades along the way (Imagick >= 3.5 pulls libgomp >= 9)
// are read from the simulation and recorded with their previous versions: rollback puts them back
// too, or the plan says which one it cannot (no longer downloadable: irreversible).
import type { Schema } from '../source/schema-types.js';
import { describeFailure, registered, unreachableOutcome } from './outcome.js';
import {
  actionCommand, checkPackageName, ORDERING, packageProbeScript, parseAptSimulation, parsePackageProbe, parseRpmSimulation, simulatedDependencies,
  type Action, type DependencyChange, type Manager, type PackageState, type Simulation,
} from './package-managers.js';
import type { HostContext, Module, Outcome, Planned, StepClass } from './types.js';
import { compare, formatConstraint, parseConstraint, satisfies, type Clause } from './version-constraint.js';

export interface PackageArgs {
  name: string;
  /** Parsed from e.g. ">= 3.5.0"; none = any version. */
  version?: Clause[];
  state: 'present' | 'latest';
  manager: Manager | 'auto';
  /** Reinstall the chosen version even when nothing differs. */
  reinstall: boolean;
  /** Check the installed files against the package's checksums (reinstall when they differ). */
  verify_files: boolean;
}

export interface PackageInverse {
  manager: Manager;
  name: string;
  /** The version before apply; null: it was not installed (rollback removes it). */
  previous: string | null;
  previousDownloadable: boolean;
  target: string;
  /** Other packages the transaction changed, restored after this one (absent: none). */
  dependencies?: DependencyChange[];
}

/** What apply needs: the decided action and version. */
export interface PackageData {
  manager: Manager;
  action: Action;
  target: string;
  previous: string | null;
}

export const packageSchema: Schema = {
  type: 'object',
  name: 'package arguments',
  scalarField: 'name',
  fields: {
    name: { schema: { type: 'string', nonEmpty: true }, required: true },
    version: { schema: { type: 'string', nonEmpty: true }, doc: 'a constraint like ">= 3.5.0" or ">= 3.5, < 4", or an exact version' },
    state: { schema: { type: 'string', enum: ['present', 'latest'] }, default: 'present' },
    manager: { schema: { type: 'string', enum: ['auto', 'apt', 'dnf', 'yum', 'pecl'] }, default: 'auto' },
    reinstall: { schema: { type: 'bool' }, default: false },
    verify_files: { schema: { type: 'bool' }, default: true, doc: 'reinstall when installed files differ from the package (dpkg --verify, rpm -V)' },
  },
};

export function normalizePackageArgs(raw: Record<string, unknown>): PackageArgs {
  const name = checkPackageName(String(raw.name ?? ''));
  const state = (raw.state ?? 'present') as PackageArgs['state'];
  if (state !== 'present' && state !== 'latest') throw new Error(`package: state must be present or latest, found ${JSON.stringify(raw.state)}`);
  const manager = (raw.manager ?? 'auto') as PackageArgs['manager'];
  if (!['auto', 'apt', 'dnf', 'yum', 'pecl'].includes(manager)) throw new Error(`package: manager must be auto, apt, dnf, yum or pecl, found ${JSON.stringify(raw.manager)}`);
  const version = raw.version === undefined || raw.version === null ? undefined : parseConstraint(String(raw.version));
  return { name, version, state, manager, reinstall: Boolean(raw.reinstall ?? false), verify_files: raw.verify_files === undefined ? true : Boolean(raw.verify_files) };
}

export type Decision =
  | { kind: 'ok' | 'skip' | 'fail'; why: string }
  | { kind: Action; target: string; why: string };

const wanted = (a: PackageArgs) => (a.version ? `${a.name} ${formatConstraint(a.version)}` : a.name);

/** Pure: what to do, from the probed state. Used by the probe (to simulate) and by plan. */
export function decide(args: PackageArgs, st: PackageState): Decision {
  if (st.manager === null || st.missing) return { kind: 'fail', why: `no usable package manager: ${st.missing ?? 'none found'}` };
  if (st.broken) return { kind: 'fail', why: `${st.broken}: repair the package system first (dpkg --configure -a)` };
  const ord = ORDERING[st.manager];
  const ok = (v: string) => !args.version || satisfies(v, args.version, ord);
  const offered = st.available.filter(ok);
  // The manager's own choice first (apt pins), else the highest satisfying version offered.
  const best = st.candidate && ok(st.candidate) && st.available.includes(st.candidate) ? st.candidate : offered[0] ?? null;
  const inst = st.installed;

  if (inst && ok(inst)) {
    if (args.state === 'latest' && best && compare(best, inst, ord) > 0) return { kind: 'upgrade', target: best, why: `${inst} → ${best} (latest satisfying ${args.version ? formatConstraint(args.version) : 'any'})` };
    const modified = args.verify_files ? st.modifiedFiles : [];
    if (args.reinstall || modified.length) {
      const why = args.reinstall ? 'reinstall requested' : `${modified.length} installed file${modified.length === 1 ? '' : 's'} differ${modified.length === 1 ? 's' : ''} from the package: ${modified.slice(0, 3).join(', ')}${modified.length > 3 ? ', …' : ''}`;
      if (!st.available.includes(inst)) return { kind: 'fail', why: `${why}, but ${args.name} ${inst} can no longer be downloaded (repositories offer ${list(st.available)})` };
      return { kind: 'reinstall', target: inst, why };
    }
    return { kind: 'ok', why: `${args.name} ${inst} is installed${args.version ? ` and satisfies ${formatConstraint(args.version)}` : ''}` };
  }
  if (!best) {
    const known = st.available.length || inst || st.candidate;
    return {
      kind: 'skip',
      why: known
        ? `no candidate satisfies ${wanted(args)}: the repositories offer ${list(st.available)}${inst ? ` (installed ${inst})` : ''}`
        : `${args.name} is not known to ${st.manager}'s configured repositories`,
    };
  }
  if (!inst) return { kind: 'install', target: best, why: `install ${args.name} ${best}` };
  return compare(best, inst, ord) > 0
    ? { kind: 'upgrade', target: best, why: `${inst} does not satisfy ${args.version ? formatConstraint(args.version) : 'the constraint'}; upgrade to ${best}` }
    : { kind: 'downgrade', target: best, why: `${inst} does not satisfy ${args.version ? formatConstraint(args.version) : 'the constraint'}; downgrade to ${best}` };
}

function list(vs: readonly string[]): string {
  return vs.length ? vs.slice(0, 5).join(', ') + (vs.length > 5 ? `, … (${vs.length})` : '') : 'nothing';
}

function simSummary(sim: Simulation): string {
  const parts: string[] = [];
  if (sim.install.length) parts.push(`install ${sim.install.join(', ')}`);
  if (sim.upgrade.length) parts.push(`upgrade ${sim.upgrade.join(', ')}`);
  if (sim.downgrade.length) parts.push(`downgrade ${sim.downgrade.join(', ')}`);
  if (sim.reinstall.length) parts.push(`reinstall ${sim.reinstall.join(', ')}`);
  if (sim.remove.length) parts.push(`REMOVE ${sim.remove.join(', ')}`);
  return parts.join('; ');
}

export function planPackage(args: PackageArgs, st: PackageState): Planned<PackageInverse> {
  const d = decide(args, st);
  if (!('target' in d)) return d.kind === 'ok' ? { status: 'ok', summary: d.why, class: 'stateless' } : { status: d.kind, summary: d.why, reason: d.why, class: 'stateless' };
  const manager = st.manager!;
  const sim = st.simulation;
  if (sim && !sim.ok) {
    return { status: 'fail', summary: `${manager} refuses to ${d.kind} ${args.name} ${d.target}`, reason: `${manager} simulation of \`${sim.action}\` failed: ${sim.error ?? 'no detail'}`, class: 'stateless' };
  }
  const previous = st.installed;
  // pecl downloads any released version by name-version; the others only what a repository lists.
  const previousDownloadable = previous === null || manager === 'pecl' || st.available.includes(previous);
  let cls: StepClass = previousDownloadable ? 'reversible' : 'irreversible';
  // Reinstalling brings the package's own bytes back: the altered file cannot be restored.
  if (d.kind === 'reinstall') cls = st.modifiedFiles.length ? 'irreversible' : 'stateless';
  // Packages the manager removes along the way are not put back by the inverse.
  if (sim?.remove.length) cls = 'irreversible';
  const deps = d.kind === 'reinstall' ? [] : st.dependencies ?? [];
  const stuck = deps.filter((x) => !x.previousDownloadable);
  if (stuck.length) cls = 'irreversible';
  const notes: string[] = [];
  if (!previousDownloadable) notes.push(`${previous} is no longer downloadable: no rollback`);
  if (sim) notes.push(simSummary(sim) || 'simulation: nothing to do');
  if (stuck.length) notes.push(`rollback cannot restore ${stuck.map((x) => `${x.name} ${x.previous} (no longer downloadable; ${x.target} stays)`).join(', ')}`);
  else if (deps.length && cls === 'reversible') notes.push(`rollback also restores ${deps.map((x) => (x.previous === null ? `${x.name} (removed)` : `${x.name} ${x.previous}`)).join(', ')}`);
  else if (manager === 'pecl') notes.push('pecl has no dry run');
  const verb = d.kind === 'install' ? 'install' : d.kind;
  const from = previous && d.kind !== 'install' && d.kind !== 'reinstall' ? `${previous} → ` : '';
  return {
    status: 'change',
    summary: `${verb} ${args.name} ${from}${d.target} with ${manager}${d.kind === 'reinstall' ? ` (${d.why})` : ''}${notes.length ? ` [${notes.join('; ')}]` : ''}`,
    reason: d.why,
    class: cls,
    inverse: d.kind === 'reinstall' ? undefined : { manager, name: args.name, previous, previousDownloadable, target: d.target, ...(deps.length ? { dependencies: deps } : {}) },
    data: { manager, action: d.kind, target: d.target, previous } satisfies PackageData,
    // A download and an install from a mirror: tens of seconds on a real host.
    estimateMs: 30_000,
  };
}

function hostError(r: { kind: 'unreachable'; reason: string }): Error {
  return Object.assign(new Error(r.reason), { unreachable: true });
}

export async function probePackage(ctx: HostContext, args: PackageArgs): Promise<PackageState> {
  const r = await ctx.exec({ cmd: { script: packageProbeScript(args.name, args.manager, args.verify_files) }, timeoutMs: 120_000 });
  if (r.kind === 'unreachable') throw hostError(r);
  if (r.exitCode !== 0) throw new Error(describeFailure(`reading package state of ${args.name}`, r));
  const st = parsePackageProbe(r.stdout, args.name);
  const d = decide(args, st);
  if (!('target' in d) || st.manager === null || st.manager === 'pecl') return st;
  // The manager's own dry run of exactly what apply will do.
  const cmd = actionCommand(st.manager, d.kind, args.name, d.target, true);
  const s = await ctx.exec({ cmd: { argv: cmd.argv }, env: cmd.env, timeoutMs: 300_000 });
  if (s.kind === 'unreachable') throw hostError(s);
  const out = s.stdout + (s.stderr ? '\n' + s.stderr : '');
  const action = cmd.argv.join(' ');
  const ord = ORDERING[st.manager];
  st.simulation = st.manager === 'apt' ? parseAptSimulation(action, out, s.exitCode, (a, b) => compare(a, b, ord)) : parseRpmSimulation(action, out, s.exitCode);
  if (st.simulation.ok) st.dependencies = await probeDependencies(ctx, st.manager, st.simulation, args.name);
  return st;
}

/** For each other package the simulation changes: its installed version and whether that can still be downloaded. */
async function probeDependencies(ctx: HostContext, manager: Manager, sim: Simulation, name: string): Promise<DependencyChange[]> {
  const out: DependencyChange[] = [];
  for (const [dep, target] of simulatedDependencies(sim, name)) {
    const r = await ctx.exec({ cmd: { script: packageProbeScript(dep, manager, false) }, timeoutMs: 120_000 });
    if (r.kind === 'unreachable') throw hostError(r);
    if (r.exitCode !== 0) throw new Error(describeFailure(`reading package state of ${dep}`, r));
    const st = parsePackageProbe(r.stdout, dep);
    out.push({ name: dep, previous: st.installed, target, previousDownloadable: st.installed === null || st.available.includes(st.installed) });
  }
  return out;
}

async function run(ctx: HostContext, manager: Manager, action: Action, name: string, version: string | null): Promise<Outcome> {
  const cmd = actionCommand(manager, action, name, version);
  const r = await ctx.exec({ cmd: { argv: cmd.argv }, env: cmd.env, timeoutMs: 1_800_000 });
  const un = unreachableOutcome(r);
  if (un) return un;
  const result = registered(r);
  if (r.kind === 'exit' && (r.exitCode !== 0 || r.timedOut)) return { status: 'failed', msg: describeFailure(cmd.argv.join(' '), r), result };
  return { status: 'changed', result };
}

/** Put one package back at `previous` (null: remove it). */
function restore(ctx: HostContext, manager: Manager, p: { name: string; previous: string | null; previousDownloadable: boolean; target: string }): Promise<Outcome> {
  if (p.previous === null) return run(ctx, manager, 'remove', p.name, null);
  if (!p.previousDownloadable) return Promise.resolve({ status: 'failed', msg: `${p.name} ${p.previous} can no longer be downloaded; ${p.target} stays installed` });
  const back: Action = compare(p.previous, p.target, ORDERING[manager]) < 0 ? 'downgrade' : 'upgrade';
  return run(ctx, manager, back, p.name, p.previous);
}

export const packageModule: Module<PackageArgs, PackageInverse> = {
  name: 'package',
  schema: packageSchema,
  normalize: normalizePackageArgs,
  probe: probePackage,
  plan: (args, state) => planPackage(args, state as PackageState),
  apply(ctx, args, planned) {
    const d = planned.data as PackageData;
    return run(ctx, d.manager, d.action, args.name, d.target);
  },
  async verify(ctx, args, planned) {
    const d = planned.data as PackageData;
    const r = await ctx.exec({ cmd: { script: packageProbeScript(args.name, d.manager, args.verify_files) }, timeoutMs: 120_000 });
    if (r.kind === 'unreachable') return { status: 'unreachable', msg: r.reason };
    const st = parsePackageProbe(r.stdout, args.name);
    if (st.installed === null) return { status: 'failed', msg: `verify: ${args.name} is not installed after ${d.action}` };
    if (compare(st.installed, d.target, ORDERING[d.manager]) !== 0) return { status: 'failed', msg: `verify: ${args.name} is ${st.installed}, expected ${d.target}` };
    if (args.verify_files && st.modifiedFiles.length) return { status: 'failed', msg: `verify: files still differ from the package: ${st.modifiedFiles.slice(0, 3).join(', ')}` };
    return { status: 'ok' };
  },
  async rollback(ctx, inv) {
    const own = await restore(ctx, inv.manager, inv);
    if (own.status !== 'changed' || !inv.dependencies?.length) return own;
    // The package first (its older build does not need the newer dependency), then what it pulled in.
    const done: string[] = [];
    for (const dep of inv.dependencies) {
      const r = await restore(ctx, inv.manager, dep);
      if (r.status !== 'changed') return { ...r, msg: `${inv.name} restored to ${inv.previous ?? '(removed)'}${done.length ? `, ${done.join(', ')}` : ''}; but ${r.msg ?? dep.name}` };
      done.push(dep.previous === null ? `${dep.name} removed` : `${dep.name} ${dep.previous}`);
    }
    return { ...own, msg: `${inv.name} restored to ${inv.previous ?? '(removed)'}, and ${done.join(', ')}` };
  },
};
