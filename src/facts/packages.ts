// Parsers for package tools' output: installed versions (dpkg-query, rpm, pecl) and the newest
// candidate the configured repositories offer (apt-cache policy, dnf/yum list --available).

export interface InstalledPackage {
  name: string;
  /** null: known to the package database but not installed (dpkg prints an empty version). */
  version: string | null;
  source: 'dpkg' | 'rpm' | 'pecl';
}

/** `dpkg-query -W -f '${Package} ${Version}\n' …` */
export function parseDpkgQuery(text: string): InstalledPackage[] {
  const out: InstalledPackage[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-z0-9][a-z0-9+.-]*)(?::[a-z0-9-]+)? ?(\S*)\s*$/.exec(line);
    if (!m || line.startsWith('dpkg-query:')) continue;
    out.push({ name: m[1], version: m[2] || null, source: 'dpkg' });
  }
  return out;
}

/** `rpm -q --qf '%{NAME} %{VERSION}-%{RELEASE}\n' …` ("package x is not installed" → version null). */
export function parseRpmQuery(text: string): InstalledPackage[] {
  const out: InstalledPackage[] = [];
  for (const line of text.split('\n')) {
    const not = /^package (\S+) is not installed$/.exec(line.trim());
    if (not) { out.push({ name: not[1], version: null, source: 'rpm' }); continue; }
    const m = /^(\S+) (\S+-\S+)$/.exec(line.trim());
    if (m) out.push({ name: m[1], version: m[2], source: 'rpm' });
  }
  return out;
}

/** `pecl list`: a table after the "Package Version State" header. */
export function parsePeclList(text: string): InstalledPackage[] {
  const out: InstalledPackage[] = [];
  let inTable = false;
  for (const line of text.split('\n')) {
    if (/^PACKAGE\s+VERSION\s+STATE/i.test(line.trim())) { inTable = true; continue; }
    const m = /^(\S+)\s+(\d\S*)\s+\S+\s*$/.exec(line.trim());
    if (inTable && m) out.push({ name: m[1], version: m[2], source: 'pecl' });
  }
  return out;
}

export interface Candidate {
  name: string;
  installed: string | null;
  /** The version `apt-get install` / `dnf upgrade` would take, null when none. */
  candidate: string | null;
  source: 'apt-cache' | 'dnf' | 'yum';
}

/** `apt-cache policy p1 p2 …` */
export function parseAptPolicy(text: string): Candidate[] {
  const out: Candidate[] = [];
  let cur: Candidate | null = null;
  const v = (s: string) => (s === '(none)' ? null : s);
  for (const line of text.split('\n')) {
    const head = /^(\S+):$/.exec(line);
    if (head) { cur = { name: head[1], installed: null, candidate: null, source: 'apt-cache' }; out.push(cur); continue; }
    if (!cur) continue;
    const i = /^\s+Installed:\s*(\S+)/.exec(line);
    if (i) { cur.installed = v(i[1]); continue; }
    const c = /^\s+Candidate:\s*(\S+)/.exec(line);
    if (c) cur.candidate = v(c[1]);
  }
  return out;
}

/**
 * `dnf list --available NAME` / `yum list available NAME`: "name.arch version repo" triples after
 * an "Available Packages" header; yum wraps long names onto two lines, so read tokens.
 */
export function parseDnfList(text: string, source: 'dnf' | 'yum' = 'dnf'): Candidate[] {
  const byName = new Map<string, Candidate>();
  let section: 'installed' | 'available' | null = null;
  let tokens: string[] = [];
  const flush = () => {
    for (let i = 0; i + 2 < tokens.length + 0 && i + 2 <= tokens.length - 1; i += 3) {
      const [na, ver] = [tokens[i], tokens[i + 1]];
      const name = na.replace(/\.(x86_64|aarch64|noarch|i686|ppc64le|s390x|armv7hl)$/, '');
      const c = byName.get(name) ?? { name, installed: null, candidate: null, source };
      if (section === 'installed') c.installed = ver;
      else c.candidate = ver; // later lines list newer versions
      byName.set(name, c);
    }
    tokens = [];
  };
  for (const line of text.split('\n')) {
    if (/^Installed Packages/.test(line)) { flush(); section = 'installed'; continue; }
    if (/^Available Packages/.test(line)) { flush(); section = 'available'; continue; }
    if (!section || /^(Last metadata|Error|No matching)/.test(line)) continue;
    tokens.push(...line.trim().split(/\s+/).filter(Boolean));
  }
  flush();
  return [...byName.values()];
}

/** The upstream part of a distro version: "1:12.2.0-14+deb12u1" → "12.2.0", "8-20180414-1ubuntu2" → "8-20180414". */
export function upstreamVersion(v: string): string {
  const noEpoch = v.replace(/^\d+:/, '');
  const i = noEpoch.lastIndexOf('-');
  // "8-20180414-1ubuntu2": the snapshot date is part of the upstream version
  return i > 0 ? noEpoch.slice(0, i) : noEpoch;
}
