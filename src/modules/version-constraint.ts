// Version constraints for the package module: ">= 3.5.0", ">= 3.5, < 4", "= 3.7.0-4", or a bare
// version (meaning "="). Compared in the package manager's own order (dpkg, rpm, PHP's).
//
// A constraint without a Debian revision / RPM release (and without an epoch) speaks about the
// upstream version: "3.4.4+php8.0+3.4.4-2+deb11u2" is 3.4.4+php8.0+3.4.4 against ">= 3.5.0",
// and "2:8.2+93" is 8.2+93 against "< 9". That is what a person writing the constraint means.
import { dpkgVersionCompare, parseDpkgVersion, parseRpmEvr, phpVersionCompare, rpmVersionCompare, type Cmp } from '../playbook/version.js';

export type Ordering = 'dpkg' | 'rpm' | 'php';
export type Op = '>=' | '<=' | '>' | '<' | '=' | '!=';

export interface Clause {
  op: Op;
  version: string;
}

const CLAUSE = /^\s*(>=|<=|==|!=|=|>|<)?\s*([^\s,<>=!]+)\s*$/;

/** Parse "op version[, op version…]"; throws a message saying what was expected. */
export function parseConstraint(text: string): Clause[] {
  const parts = text.split(',');
  if (text.trim() === '') throw new Error('version constraint is empty: expected e.g. ">= 3.5.0"');
  return parts.map((p) => {
    const m = CLAUSE.exec(p);
    if (!m) throw new Error(`version constraint ${JSON.stringify(text)}: cannot read ${JSON.stringify(p.trim())}, expected an operator (>=, <=, >, <, =, !=) and a version, e.g. ">= 3.5.0"`);
    const op = (m[1] === '==' ? '=' : m[1] ?? '=') as Op;
    return { op, version: m[2] };
  });
}

export function formatConstraint(cs: readonly Clause[]): string {
  return cs.map((c) => `${c.op} ${c.version}`).join(', ');
}

export function compare(a: string, b: string, ordering: Ordering): Cmp {
  return ordering === 'dpkg' ? dpkgVersionCompare(a, b) : ordering === 'rpm' ? rpmVersionCompare(a, b) : phpVersionCompare(a, b);
}

/** The part of `version` that `against` speaks about (see the header comment). */
export function comparablePart(version: string, against: string, ordering: Ordering): string {
  if (ordering === 'dpkg') {
    const c = parseDpkgVersion(against);
    const v = parseDpkgVersion(version);
    const hasEpoch = against.includes(':');
    const epoch = hasEpoch ? `${v.epoch}:` : '';
    return c.revision === '' ? `${epoch}${v.upstream}` : `${epoch}${v.upstream}-${v.revision}`;
  }
  if (ordering === 'rpm') {
    const c = parseRpmEvr(against);
    const v = parseRpmEvr(version);
    const epoch = c.epoch !== undefined ? `${v.epoch ?? '0'}:` : '';
    return c.release === undefined ? `${epoch}${v.version}` : `${epoch}${v.version}-${v.release ?? ''}`;
  }
  return version;
}

export function satisfies(version: string, cs: readonly Clause[], ordering: Ordering): boolean {
  return cs.every((c) => {
    const r = compare(comparablePart(version, c.version, ordering), c.version, ordering);
    switch (c.op) {
      case '>=': return r >= 0;
      case '<=': return r <= 0;
      case '>': return r > 0;
      case '<': return r < 0;
      case '=': return r === 0;
      case '!=': return r !== 0;
    }
  });
}

/** Highest first. */
export function sortDesc(versions: readonly string[], ordering: Ordering): string[] {
  return [...new Set(versions)].sort((a, b) => compare(b, a, ordering));
}
