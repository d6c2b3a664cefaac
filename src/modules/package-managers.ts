// What the package module reads from a host (read-only), per manager, and the pure parsers.
// apt: dpkg-query (status), apt-cache policy (installed, candidate, version table with sources),
// dpkg --verify (files that differ from the package). dnf/yum: rpm -q, `list --showduplicates`,
// rpm -V. pecl: `pecl list`, `pecl remote-info`. Then the manager's own simulation of the chosen
// action: apt-get -s, dnf/yum --assumeno (pecl has none).
import { shQuote } from '../transport/quote.js';
import type { Ordering } from './version-constraint.js';
import { sortDesc } from './version-constraint.js';

export type Manager = 'apt' | 'dnf' | 'yum' | 'pecl';

export const ORDERING: Record<Manager, Ordering> = { apt: 'dpkg', dnf: 'rpm', yum: 'rpm', pecl: 'php' };

export interface PackageState {
  manager: Manager | null;
  name: string;
  /** Why no manager was usable (manager null). */
  missing?: string;
  installed: string | null;
  /** A package in a half-installed/half-configured/… state: fix the package system first. */
  broken?: string;
  /** What the manager installs by default (apt's candidate honours pins). */
  candidate: string | null;
  /** Versions the configured repositories can download (not merely the local status). */
  available: string[];
  /** Non-configuration files that differ from the package's checksums (or are missing). */
  modifiedFiles: string[];
  simulation?: Simulation;
  /** Other packages the simulated transaction installs, upgrades or downgrades (probed after it). */
  dependencies?: DependencyChange[];
}

/** A package the manager changes besides the one asked for (Imagick >= 3.5 pulls libgomp >= 9). */
export interface DependencyChange {
  name: string;
  /** Installed before; null: the transaction installs it. */
  previous: string | null;
  /** What the transaction installs. */
  target: string;
  /** previous can still be downloaded (a rollback can go back to it). */
  previousDownloadable: boolean;
}

/** name → version the simulation moves it to, for every package but `name` it installs/upgrades/downgrades. */
export function simulatedDependencies(sim: Simulation, name: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of [...sim.install, ...sim.upgrade, ...sim.downgrade]) {
    const words = e.split(' ');
    const pkg = words[0].replace(/:[a-z0-9]+$/, ''); // apt's multiarch "libgomp1:amd64"
    if (pkg !== name) out.set(pkg, words[words.length - 1]);
  }
  return out;
}

export interface Simulation {
  action: string;
  ok: boolean;
  /** packages newly installed, upgraded (name old→new), downgraded, reinstalled, removed */
  install: string[];
  upgrade: string[];
  downgrade: string[];
  reinstall: string[];
  remove: string[];
  /** The error lines when the manager refused. */
  error?: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9+._:@-]*$/;
export function checkPackageName(name: string): string {
  if (!NAME.test(name)) throw new Error(`package: name ${JSON.stringify(name)} is not a package name (letters, digits, + . _ - : @)`);
  return name;
}

// ---------------------------------------------------------------- the read-only probe

/**
 * One script for every manager: `auto` picks apt-get, then dnf, then yum (pecl only on request).
 * Every output line is `tag|text`; command output is prefixed line by line.
 */
export function packageProbeScript(name: string, manager: Manager | 'auto', verifyFiles: boolean): string {
  const n = shQuote(checkPackageName(name));
  const v = verifyFiles ? '1' : '0';
  return `PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH; LC_ALL=C; export PATH LC_ALL
has() { command -v "$1" >/dev/null 2>&1; }
tag() { sed "s/^/$1|/"; }
m=${shQuote(manager)}
if [ "$m" = auto ]; then
  if has apt-get && has dpkg-query; then m=apt; elif has dnf; then m=dnf; elif has yum; then m=yum; else echo 'missing|no apt-get, dnf or yum'; exit 0; fi
fi
echo "manager|$m"
case $m in
apt)
  has apt-cache || { echo 'missing|apt-cache not found'; exit 0; }
  s=$(dpkg-query -W -f='\${Status}|\${Version}' ${n} 2>/dev/null) && echo "dpkg|$s"
  apt-cache policy ${n} 2>&1 | tag policy
  case $s in *' installed|'*) [ ${v} = 1 ] && dpkg --verify ${n} 2>&1 | tag verify;; esac;;
dnf|yum)
  has "$m" || { echo "missing|$m not found"; exit 0; }
  rpm -q --qf '%{EPOCH}:%{VERSION}-%{RELEASE}\\n' ${n} 2>/dev/null | tag rpm
  "$m" -q list --showduplicates ${n} 2>&1 | tag list
  [ ${v} = 1 ] && rpm -q ${n} >/dev/null 2>&1 && rpm -V ${n} 2>&1 | tag verify;;
pecl)
  has pecl || { echo 'missing|pecl not found'; exit 0; }
  pecl list 2>&1 | tag pecl-list
  pecl remote-info ${n} 2>&1 | tag pecl-remote;;
*) echo "missing|unknown manager $m";;
esac
exit 0
`;
}

function tagged(stdout: string, tag: string): string[] {
  const p = tag + '|';
  return stdout.split('\n').filter((l) => l.startsWith(p)).map((l) => l.slice(p.length));
}

export function parsePackageProbe(stdout: string, name: string): PackageState {
  const missing = tagged(stdout, 'missing')[0];
  const manager = (tagged(stdout, 'manager')[0] ?? null) as Manager | null;
  const base: PackageState = { manager, name, installed: null, candidate: null, available: [], modifiedFiles: [] };
  if (missing !== undefined || manager === null) return { ...base, manager: missing !== undefined ? manager : null, missing: missing ?? 'no package manager reported' };
  if (manager === 'apt') return { ...base, ...parseApt(stdout, name) };
  if (manager === 'dnf' || manager === 'yum') return { ...base, ...parseRpm(stdout, name) };
  return { ...base, ...parsePecl(stdout, name) };
}

/** apt-cache policy's block for `name`. */
export function parseAptPolicy(lines: readonly string[], name: string): { installed: string | null; candidate: string | null; table: { version: string; downloadable: boolean }[] } | null {
  const start = lines.findIndex((l) => l === `${name}:` || l.startsWith(`${name}:`) && /^[^\s]+:$/.test(l));
  if (start < 0) return null;
  let installed: string | null = null;
  let candidate: string | null = null;
  const table: { version: string; downloadable: boolean }[] = [];
  for (let i = start + 1; i < lines.length; i++) {
    const l = lines[i];
    if (/^\S/.test(l)) break; // next package's block
    const kv = /^\s+(Installed|Candidate):\s*(.*)$/.exec(l);
    if (kv) {
      const v = kv[2].trim() === '(none)' ? null : kv[2].trim();
      if (kv[1] === 'Installed') installed = v; else candidate = v;
      continue;
    }
    const ver = /^ (?:\*\*\*|   ) (\S+) (-?\d+)$/.exec(l);
    if (ver) { table.push({ version: ver[1], downloadable: false }); continue; }
    const src = /^\s+-?\d+ (.+)$/.exec(l);
    if (src && table.length && src[1].trim() !== '/var/lib/dpkg/status') table[table.length - 1].downloadable = true;
  }
  return { installed, candidate, table };
}

/** dpkg --verify / rpm -V lines → paths of differing non-configuration files. */
export function parseVerify(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (const l of lines) {
    const m = /^(\S+)\s+(?:([cdglr])\s+)?(\/.*)$/.exec(l);
    if (!m) continue;
    if (m[2] === 'c') continue; // a configuration file the admin changed: not the package's bytes
    out.push(m[3]);
  }
  return out;
}

function parseApt(stdout: string, name: string): Partial<PackageState> {
  const dpkg = tagged(stdout, 'dpkg')[0];
  const policy = parseAptPolicy(tagged(stdout, 'policy'), name);
  let broken: string | undefined;
  if (dpkg !== undefined) {
    const [status, version] = dpkg.split('|');
    const state = status.trim().split(/\s+/)[2];
    if (state && !['installed', 'not-installed', 'config-files'].includes(state)) broken = `dpkg reports ${name} ${version ?? ''} as ${state}`.replace(/\s+/g, ' ');
  }
  if (!policy) return { broken };
  return {
    installed: policy.installed,
    candidate: policy.candidate,
    available: sortDesc(policy.table.filter((t) => t.downloadable).map((t) => t.version), 'dpkg'),
    modifiedFiles: parseVerify(tagged(stdout, 'verify')),
    broken,
  };
}

/** `dnf/yum list --showduplicates` → installed and available EVRs. Tolerates yum's wrapped lines. */
export function parseRpmList(lines: readonly string[], name: string): { installed: string[]; available: string[] } {
  const installed: string[] = [];
  const available: string[] = [];
  let section: 'installed' | 'available' | null = null;
  let pending: string[] = [];
  for (const l of lines) {
    if (/^Installed Packages/i.test(l)) { section = 'installed'; pending = []; continue; }
    if (/^Available Packages/i.test(l) || /^Available Upgrades/i.test(l)) { section = 'available'; pending = []; continue; }
    if (section === null) continue;
    pending.push(...l.trim().split(/\s+/).filter(Boolean));
    while (pending.length >= 3) {
      const [na, evr] = pending.splice(0, 3);
      const pkg = na.replace(/\.[^.]+$/, '');
      if (pkg === name) (section === 'installed' ? installed : available).push(evr);
    }
  }
  return { installed, available };
}

function parseRpm(stdout: string, name: string): Partial<PackageState> {
  const evrs = tagged(stdout, 'rpm').filter((l) => /^[^ ]+:[^ ]+$/.test(l)).map((l) => l.replace(/^\(none\):|^0:/, ''));
  const list = parseRpmList(tagged(stdout, 'list'), name);
  const available = sortDesc(list.available, 'rpm');
  const installed = sortDesc(evrs, 'rpm')[0] ?? sortDesc(list.installed, 'rpm')[0] ?? null;
  // dnf has no pinning: the candidate is the highest the repositories offer.
  return { installed, candidate: available[0] ?? null, available, modifiedFiles: parseVerify(tagged(stdout, 'verify')) };
}

function parsePecl(stdout: string, name: string): Partial<PackageState> {
  let installed: string | null = null;
  for (const l of tagged(stdout, 'pecl-list')) {
    const m = /^(\S+)\s+(\S+)\s+\S+\s*$/.exec(l);
    if (m && m[1].toLowerCase() === name.toLowerCase()) installed = m[2];
  }
  let latest: string | null = null;
  for (const l of tagged(stdout, 'pecl-remote')) {
    const m = /^Latest\s+(\S+)\s*$/.exec(l);
    if (m) latest = m[1];
  }
  // pecl can download any released version; only the latest is listed without the network API.
  return { installed, candidate: latest, available: latest ? [latest] : [], modifiedFiles: [] };
}

// ---------------------------------------------------------------- actions and simulation

export type Action = 'install' | 'upgrade' | 'downgrade' | 'reinstall' | 'remove';

/** The manager's package spec for a version: apt NAME=VER, rpm NAME-[E:]V-R, pecl NAME-VER. */
export function packageSpec(manager: Manager, name: string, version: string): string {
  return manager === 'apt' ? `${name}=${version}` : `${name}-${version}`;
}

/** The command (argv) that performs `action`; env separate (DEBIAN_FRONTEND). */
export function actionCommand(manager: Manager, action: Action, name: string, version: string | null, simulate = false): { argv: string[]; env?: Record<string, string> } {
  const spec = version === null ? name : packageSpec(manager, name, version);
  if (manager === 'apt') {
    const env = { DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' };
    const common = simulate ? ['-s', '-o', 'Debug::NoLocking=1'] : ['-y', '-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold'];
    if (action === 'remove') return { argv: ['apt-get', ...common, 'remove', name], env };
    const extra = action === 'reinstall' ? ['--reinstall'] : action === 'downgrade' ? ['--allow-downgrades'] : [];
    return { argv: ['apt-get', ...common, ...extra, 'install', spec], env };
  }
  if (manager === 'dnf' || manager === 'yum') {
    const yes = simulate ? '--assumeno' : '-y';
    const verb = action === 'upgrade' ? 'install' : action;
    return { argv: [manager, yes, verb, action === 'remove' ? name : spec], env: { LC_ALL: 'C' } };
  }
  if (action === 'remove') return { argv: ['pecl', 'uninstall', name] };
  return { argv: ['pecl', 'install', '-f', spec] };
}

/**
 * apt-get -s output: Inst/Remv lines, or the E: lines of a refusal. `cmp` (dpkg order) tells a
 * downgrade from an upgrade: the simulation prints versions only.
 */
export function parseAptSimulation(action: string, out: string, rc: number | null, cmp: (a: string, b: string) => number): Simulation {
  const sim: Simulation = { action, ok: rc === 0, install: [], upgrade: [], downgrade: [], reinstall: [], remove: [] };
  for (const l of out.split('\n')) {
    const inst = /^Inst (\S+) (?:\[(\S+)\] )?\((\S+)/.exec(l);
    if (inst) {
      const [, pkg, old, ver] = inst;
      if (!old) sim.install.push(`${pkg} ${ver}`);
      else if (old === ver) sim.reinstall.push(`${pkg} ${ver}`);
      else if (cmp(ver, old) < 0) sim.downgrade.push(`${pkg} ${old} → ${ver}`);
      else sim.upgrade.push(`${pkg} ${old} → ${ver}`);
      continue;
    }
    const rm = /^Remv (\S+)(?: \[(\S+)\])?/.exec(l);
    if (rm) sim.remove.push(rm[2] ? `${rm[1]} ${rm[2]}` : rm[1]);
  }
  if (!sim.ok) sim.error = out.split('\n').filter((l) => /^(E:|\s+\S.*: Depends:)/.test(l) || /unmet dependencies|not available|was not found/.test(l)).join('\n') || out.trim().split('\n').slice(-3).join('\n');
  return sim;
}

/** dnf/yum --assumeno: the transaction table (Installing/Upgrading/Downgrading/Reinstalling/Removing). */
export function parseRpmSimulation(action: string, out: string, _rc: number | null): Simulation {
  const sim: Simulation = { action, ok: false, install: [], upgrade: [], downgrade: [], reinstall: [], remove: [] };
  let bucket: string[] | null = null;
  let pending: string[] = [];
  for (const l of out.split('\n')) {
    const head = /^(Installing|Upgrading|Updating|Downgrading|Reinstalling|Removing|Erasing)( for dependencies| dependencies| weak dependencies| dependent packages| unused dependencies)?:\s*$/.exec(l.trim());
    if (head) {
      const k = head[1];
      bucket = k === 'Installing' ? sim.install : k === 'Upgrading' || k === 'Updating' ? sim.upgrade : k === 'Downgrading' ? sim.downgrade : k === 'Reinstalling' ? sim.reinstall : sim.remove;
      pending = [];
      continue;
    }
    if (/^(Transaction Summary|Install |Upgrade |Remove |Downgrade |Reinstall |=+$)/.test(l.trim()) || l.trim() === '') {
      if (/^Transaction Summary/.test(l.trim())) bucket = null;
      continue;
    }
    if (bucket && /^ /.test(l)) {
      pending.push(...l.trim().split(/\s+/));
      // name arch version repo size [unit]
      while (pending.length >= 5) {
        const [pkg, , ver] = pending;
        const unitAt = /^[kMG]$/.test(pending[5] ?? '') ? 6 : 5;
        bucket.push(`${pkg} ${ver}`);
        pending.splice(0, unitAt);
      }
    }
  }
  // --assumeno always ends with an abort; a refusal names itself.
  const err = out.split('\n').filter((l) => /^(Error|No match for argument|No package .* available|Problem)/.test(l.trim()));
  sim.ok = err.length === 0 && /Operation aborted|Exiting on user command|Is this ok|Nothing to do|Dependencies resolved/i.test(out);
  if (!sim.ok) sim.error = err.join('\n') || out.trim().split('\n').slice(-3).join('\n');
  return sim;
}
