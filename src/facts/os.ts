// The `os` fact: distro (os-release), package tools, init system, architecture and the host's
// clock (forecasts use host time, not the controller's).
import { Records } from './records.js';
import { PRELUDE, sh } from './shell.js';
import type { Fact, ProbeOutput } from './types.js';

export type OsFamily = 'debian' | 'rhel' | 'suse' | 'alpine' | 'arch' | 'unknown';

export interface OsFact {
  id: string | null;
  idLike: string[];
  versionId: string | null;
  prettyName: string | null;
  codename: string | null;
  family: OsFamily;
  /** The high-level manager used to install (apt, dnf, yum, zypper, apk), null when none found. */
  packageManager: 'apt' | 'dnf' | 'yum' | 'zypper' | 'apk' | null;
  /** The package database queried for installed versions. */
  packageDb: 'dpkg' | 'rpm' | 'apk' | null;
  initSystem: 'systemd' | 'other';
  /** comm of pid 1 when not systemd (init, runit, tini, …). */
  pid1: string | null;
  /** `date +%s` on the host. */
  clockEpoch: number | null;
  /** `date +%z` on the host, e.g. "+0100". */
  tzOffset: string | null;
  arch: string | null;
  kernel: string | null;
  problems: string[];
}

export const OS_PROBE = sh`${PRELUDE}
rec clock "$(date +%s)"
rec tz "$(date +%z)"
rec arch "$(uname -m)"
rec kernel "$(uname -r)"
if [ -d /run/systemd/system ]; then rec init systemd; else __c=; { read -r __c < /proc/1/comm; } 2>/dev/null; rec init other "$__c"; fi
for __t in apt-get dnf yum zypper apk dpkg-query rpm; do has "$__t" && rec tool "$__t"; done
if [ -r /etc/os-release ]; then catrec osr /etc/os-release
elif [ -r /usr/lib/os-release ]; then catrec osr /usr/lib/os-release
else rec osr-missing "no /etc/os-release or /usr/lib/os-release"; fi
catrec rhr /etc/redhat-release
catrec debv /etc/debian_version
exit 0
`;

/** os-release(5): KEY=value, value optionally in shell-style single or double quotes. */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2];
    if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1).replace(/\\([$"`\\])/g, '$1');
    else if (v.startsWith("'") && v.endsWith("'") && v.length >= 2) v = v.slice(1, -1);
    out[m[1]] = v;
  }
  return out;
}

export function osFamily(id: string | null, idLike: readonly string[]): OsFamily {
  const all = [id ?? '', ...idLike];
  if (all.some((x) => x === 'debian' || x === 'ubuntu')) return 'debian';
  if (all.some((x) => ['rhel', 'centos', 'fedora', 'rocky', 'almalinux', 'ol', 'amzn'].includes(x))) return 'rhel';
  if (all.some((x) => x === 'suse' || x.startsWith('opensuse') || x === 'sles')) return 'suse';
  if (all.includes('alpine')) return 'alpine';
  if (all.includes('arch')) return 'arch';
  return 'unknown';
}

export function parseOs(out: ProbeOutput): OsFact {
  const r = new Records(out.stdout);
  const problems: string[] = [];
  const osr = parseOsRelease(r.all('osr').join('\n'));
  if (r.has('osr-missing')) problems.push(r.first('osr-missing') as string);
  const id = osr.ID ?? null;
  const idLike = (osr.ID_LIKE ?? '').split(/\s+/).filter(Boolean);
  const tools = new Set(r.all('tool'));
  const packageManager = tools.has('apt-get') ? 'apt' : tools.has('dnf') ? 'dnf' : tools.has('yum') ? 'yum' : tools.has('zypper') ? 'zypper' : tools.has('apk') ? 'apk' : null;
  const packageDb = tools.has('dpkg-query') ? 'dpkg' : tools.has('rpm') ? 'rpm' : tools.has('apk') ? 'apk' : null;
  if (!packageManager) problems.push('no known package manager (apt-get, dnf, yum, zypper, apk)');
  const clock = r.first('clock');
  const clockEpoch = clock && /^\d+$/.test(clock) ? Number(clock) : null;
  if (clockEpoch === null) problems.push('host clock unreadable (date +%s)');
  const init = r.fields('init', 2)[0];
  return {
    id,
    idLike,
    versionId: osr.VERSION_ID ?? null,
    prettyName: osr.PRETTY_NAME ?? r.first('rhr') ?? null,
    codename: osr.VERSION_CODENAME ?? osr.UBUNTU_CODENAME ?? null,
    family: osFamily(id, idLike),
    packageManager,
    packageDb,
    initSystem: init?.[0] === 'systemd' ? 'systemd' : 'other',
    pid1: init?.[0] === 'systemd' ? 'systemd' : init?.[1] || null,
    clockEpoch,
    tzOffset: r.first('tz') ?? null,
    arch: r.first('arch') || null,
    kernel: r.first('kernel') || null,
    problems,
  };
}

export const osFact: Fact<OsFact> = {
  name: 'os',
  probe: () => OS_PROBE,
  parse: (out) => parseOs(out),
};
