// Version orderings, each a faithful port of the tool whose versions it compares:
// PHP's version_compare (PHP extensions: 3.5.0RC1 < 3.5.0), dpkg's verrevcmp (Debian packages),
// rpm's rpmvercmp (RPM packages), and the loose/strict/semver orderings Ansible's `version` test
// offers. They disagree on purpose: "3.4.0~rc6" is before "3.4.0" for dpkg, rpm and PHP, but
// after it for Ansible's default (loose), which is why playbooks should name the version_type.

export type Cmp = -1 | 0 | 1;
export type VersionType = 'loose' | 'strict' | 'semver' | 'semantic' | 'php' | 'dpkg' | 'rpm';
export const VERSION_TYPES: readonly VersionType[] = ['loose', 'strict', 'semver', 'semantic', 'php', 'dpkg', 'rpm'];

const sign = (n: number | bigint): Cmp => (n < 0 ? -1 : n > 0 ? 1 : 0);
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isAlpha = (c: string | undefined): boolean => c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
const isAlnum = (c: string | undefined): boolean => isDigit(c) || isAlpha(c);

// ------------------------------------------------------------------ PHP version_compare
// ext/standard/versioning.c: canonicalise ('-', '_', '+' and other non-alphanumerics become '.',
// a '.' goes between a digit and a non-digit), then compare '.'-separated parts: numbers
// numerically, words by their special form (dev < alpha = a < beta = b < RC = rc < # < pl = p,
// prefix-matched; any other word sorts before dev), a number against a word as '#'.

/** PHP's php_canonicalize_version. Note '~' is not alphanumeric: "0~rc6" → "0.~rc.6". */
export function phpCanonicalize(version: string): string {
  if (version.length === 0) return '';
  const isdig = (c: string) => isDigit(c);
  const isndig = (c: string) => !isDigit(c) && c !== '.';
  let out = version[0]!;
  let lp = version[0]!;
  for (let i = 1; i < version.length; i++) {
    const p = version[i]!;
    const lq = out[out.length - 1];
    if (p === '-' || p === '_' || p === '+') {
      if (lq !== '.') out += '.';
    } else if ((isndig(lp) && isdig(p)) || (isdig(lp) && isndig(p))) {
      if (lq !== '.') out += '.';
      out += p;
    } else if (!isAlnum(p)) {
      if (lq !== '.') out += '.';
    } else {
      out += p;
    }
    lp = p;
  }
  return out;
}

const PHP_SPECIAL_FORMS: readonly [string, number][] = [
  ['dev', 0],
  ['alpha', 1],
  ['a', 1],
  ['beta', 2],
  ['b', 2],
  ['RC', 3],
  ['rc', 3],
  ['#', 4],
  ['pl', 5],
  ['p', 5],
];

function phpSpecialOrder(form: string): number {
  for (const [name, order] of PHP_SPECIAL_FORMS) if (form.startsWith(name)) return order;
  return -1;
}

const LONG_MAX = (1n << 63n) - 1n;
/** strtol on a part that starts with digits (saturating like C's long). */
function strtol(s: string): bigint {
  let i = 0;
  while (isDigit(s[i])) i++;
  const v = BigInt(s.slice(0, i) || '0');
  return v > LONG_MAX ? LONG_MAX : v;
}

export function phpVersionCompare(a: string, b: string): Cmp {
  if (a === '' || b === '') {
    if (a === '' && b === '') return 0;
    return a !== '' ? 1 : -1;
  }
  // A trailing separator ("1.2(message)" → "1.2.(message.") would leave an empty last part that
  // made PHP ≤ 8.4 non-reflexive (x < x); php-src #21689 fixed that and so do we, by dropping it.
  const v1 = a[0] === '#' ? a : phpCanonicalize(a).replace(/(?<=.)\.$/, '');
  const v2 = b[0] === '#' ? b : phpCanonicalize(b).replace(/(?<=.)\.$/, '');
  let p1 = 0;
  let p2 = 0;
  // n1/n2 mirror the C pointers to the next '.', null once a string has no more parts.
  let n1: number | null = 0;
  let n2: number | null = 0;
  let compare: Cmp = 0;
  while (p1 < v1.length && p2 < v2.length && n1 !== null && n2 !== null) {
    const d1 = v1.indexOf('.', p1);
    const d2 = v2.indexOf('.', p2);
    n1 = d1 < 0 ? null : d1;
    n2 = d2 < 0 ? null : d2;
    const s1 = v1.slice(p1, n1 ?? undefined);
    const s2 = v2.slice(p2, n2 ?? undefined);
    if (isDigit(s1[0]) && isDigit(s2[0])) {
      compare = sign(strtol(s1) - strtol(s2));
    } else if (!isDigit(s1[0]) && !isDigit(s2[0])) {
      compare = sign(phpSpecialOrder(s1) - phpSpecialOrder(s2));
    } else if (isDigit(s1[0])) {
      compare = sign(phpSpecialOrder('#N#') - phpSpecialOrder(s2));
    } else {
      compare = sign(phpSpecialOrder(s1) - phpSpecialOrder('#N#'));
    }
    if (compare !== 0) break;
    if (n1 !== null) p1 = n1 + 1;
    if (n2 !== null) p2 = n2 + 1;
  }
  if (compare === 0) {
    if (n1 !== null) {
      compare = isDigit(v1[p1]) ? 1 : phpVersionCompare(v1.slice(p1), '#N#');
    } else if (n2 !== null) {
      compare = isDigit(v2[p2]) ? -1 : phpVersionCompare('#N#', v2.slice(p2));
    }
  }
  return compare;
}

// ------------------------------------------------------------------ dpkg
// lib/dpkg/version.c: [epoch:]upstream[-revision]; verrevcmp alternates non-digit runs (letters
// sort before non-letters, '~' before everything, even the end) and digit runs (numerically).

export interface DpkgVersion {
  epoch: number;
  upstream: string;
  revision: string;
}

export function parseDpkgVersion(v: string): DpkgVersion {
  const s = v.trim();
  if (s === '') throw new Error('version string is empty');
  if (/\s/.test(s)) throw new Error(`version '${v}' has embedded spaces`);
  const colon = s.indexOf(':');
  let epoch = 0;
  let rest = s;
  if (colon >= 0) {
    const e = s.slice(0, colon);
    if (!/^\d+$/.test(e)) throw new Error(`epoch in version '${v}' is not a number`);
    epoch = Number(e);
    if (epoch > 2147483647) throw new Error(`epoch in version '${v}' is too big`);
    rest = s.slice(colon + 1);
    if (rest === '') throw new Error(`nothing after colon in version '${v}'`);
  }
  const hyphen = rest.lastIndexOf('-');
  return hyphen >= 0
    ? { epoch, upstream: rest.slice(0, hyphen), revision: rest.slice(hyphen + 1) }
    : { epoch, upstream: rest, revision: '' };
}

function dpkgOrder(c: string | undefined): number {
  if (c === undefined || c === '') return 0;
  if (isDigit(c)) return 0;
  if (isAlpha(c)) return c.charCodeAt(0);
  if (c === '~') return -1;
  return c.charCodeAt(0) + 256;
}

/** dpkg's verrevcmp on one part (upstream or revision). */
export function dpkgVerrevcmp(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let firstDiff = 0;
    while ((i < a.length && !isDigit(a[i])) || (j < b.length && !isDigit(b[j]))) {
      const ac = dpkgOrder(a[i]);
      const bc = dpkgOrder(b[j]);
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    while (isDigit(a[i]) && isDigit(b[j])) {
      if (!firstDiff) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(a[i])) return 1;
    if (isDigit(b[j])) return -1;
    if (firstDiff) return firstDiff;
  }
  return 0;
}

export function dpkgVersionCompare(a: string, b: string): Cmp {
  const va = parseDpkgVersion(a);
  const vb = parseDpkgVersion(b);
  if (va.epoch !== vb.epoch) return va.epoch > vb.epoch ? 1 : -1;
  const r = dpkgVerrevcmp(va.upstream, vb.upstream);
  if (r) return sign(r);
  return sign(dpkgVerrevcmp(va.revision, vb.revision));
}

// ------------------------------------------------------------------ rpm
// rpmio/rpmvercmp.c: alternating alpha / numeric segments, separators ignored; '~' sorts before
// everything (pre-releases), '^' after the base version but before any further segment
// (post-release snapshots); a numeric segment beats an alpha one.

export function rpmvercmp(a: string, b: string): Cmp {
  if (a === b) return 0;
  let one = 0;
  let two = 0;
  const skip = (s: string, i: number) => {
    while (i < s.length && !isAlnum(s[i]) && s[i] !== '~' && s[i] !== '^') i++;
    return i;
  };
  while (one < a.length || two < b.length) {
    one = skip(a, one);
    two = skip(b, two);
    const c1 = a[one];
    const c2 = b[two];
    if (c1 === '~' || c2 === '~') {
      if (c1 !== '~') return 1;
      if (c2 !== '~') return -1;
      one++;
      two++;
      continue;
    }
    if (c1 === '^' || c2 === '^') {
      if (c1 === undefined) return -1;
      if (c2 === undefined) return 1;
      if (c1 !== '^') return 1;
      if (c2 !== '^') return -1;
      one++;
      two++;
      continue;
    }
    if (c1 === undefined || c2 === undefined) break;
    const isnum = isDigit(c1);
    const take = isnum ? isDigit : isAlpha;
    let e1 = one;
    let e2 = two;
    while (e1 < a.length && take(a[e1])) e1++;
    while (e2 < b.length && take(b[e2])) e2++;
    // Segments of different kinds: the numeric one is newer.
    if (e2 === two) return isnum ? 1 : -1;
    let s1 = a.slice(one, e1);
    let s2 = b.slice(two, e2);
    if (isnum) {
      s1 = s1.replace(/^0+/, '');
      s2 = s2.replace(/^0+/, '');
      if (s1.length !== s2.length) return s1.length > s2.length ? 1 : -1;
    }
    if (s1 !== s2) return s1 < s2 ? -1 : 1;
    one = e1;
    two = e2;
  }
  if (one >= a.length && two >= b.length) return 0;
  return one < a.length ? 1 : -1;
}

export interface RpmEvr {
  epoch?: string;
  version: string;
  release?: string;
}

/** rpm's parseEVR: digits then ':' is the epoch; the last '-' starts the release. */
export function parseRpmEvr(evr: string): RpmEvr {
  let s = 0;
  while (isDigit(evr[s])) s++;
  const se = evr.lastIndexOf('-');
  const hyphen = se >= s ? se : -1;
  let epoch: string | undefined;
  let vstart = 0;
  if (evr[s] === ':') {
    epoch = evr.slice(0, s) || '0';
    vstart = s + 1;
  }
  return hyphen >= 0
    ? { epoch, version: evr.slice(vstart, hyphen), release: evr.slice(hyphen + 1) }
    : { epoch, version: evr.slice(vstart) };
}

function compareValues(x: string | undefined, y: string | undefined): Cmp {
  if (x === undefined && y === undefined) return 0;
  if (x !== undefined && y === undefined) return 1;
  if (x === undefined && y !== undefined) return -1;
  return rpmvercmp(x!, y!);
}

/** rpmverCmp over [epoch:]version[-release] strings (a missing epoch is 0). */
export function rpmVersionCompare(a: string, b: string): Cmp {
  const va = parseRpmEvr(a);
  const vb = parseRpmEvr(b);
  return (
    compareValues(va.epoch ?? '0', vb.epoch ?? '0') ||
    compareValues(va.version, vb.version) ||
    compareValues(va.release, vb.release)
  );
}

// ------------------------------------------------------------------ Ansible's orderings
// ansible.module_utils.compat.version: LooseVersion splits into numbers and words and compares
// the lists like Python does, so a number against a word is an error, not an order.

type LoosePart = number | string;

export function looseParts(v: string): LoosePart[] {
  return v
    .split(/(\d+|[a-z]+|\.)/)
    .filter((x) => x !== '' && x !== '.')
    .map((x) => (/^\d+$/.test(x) ? Number(x) : x));
}

export function looseVersionCompare(a: string, b: string): Cmp {
  const x = looseParts(a);
  const y = looseParts(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const p = x[i]!;
    const q = y[i]!;
    if (p === q) continue;
    if (typeof p !== typeof q) {
      throw new Error(
        `cannot compare '${a}' with '${b}' as loose versions: part ${JSON.stringify(p)} against ${JSON.stringify(q)}` +
          ` (a number against a word); name the ordering, e.g. version_type='dpkg', 'rpm' or 'php'`,
      );
    }
    return p < q ? -1 : 1;
  }
  return sign(x.length - y.length);
}

const STRICT_RE = /^(\d+)\.(\d+)(\.(\d+))?([ab](\d+))?$/;

export function strictVersionCompare(a: string, b: string): Cmp {
  const parse = (v: string) => {
    const m = STRICT_RE.exec(v);
    if (!m) throw new Error(`invalid version number '${v}' (strict versions look like 1.2, 1.2.3 or 1.2b3)`);
    const nums = [Number(m[1]), Number(m[2]), Number(m[4] ?? 0)];
    const pre = m[5] ? ([m[5][0]!, Number(m[6])] as const) : undefined;
    return { nums, pre };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 3; i++) if (x.nums[i] !== y.nums[i]) return x.nums[i]! < y.nums[i]! ? -1 : 1;
  if (!x.pre && !y.pre) return 0;
  if (x.pre && !y.pre) return -1;
  if (!x.pre && y.pre) return 1;
  if (x.pre![0] !== y.pre![0]) return x.pre![0] < y.pre![0] ? -1 : 1;
  return sign(x.pre![1] - y.pre![1]);
}

const SEMVER_RE =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

export function semverCompare(a: string, b: string): Cmp {
  const parse = (v: string) => {
    const m = SEMVER_RE.exec(v);
    if (!m) throw new Error(`invalid semantic version '${v}'`);
    return { core: [BigInt(m[1]!), BigInt(m[2]!), BigInt(m[3]!)], pre: m[4] ? m[4].split('.') : [] };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 3; i++) if (x.core[i] !== y.core[i]) return x.core[i]! < y.core[i]! ? -1 : 1;
  // A version without pre-release fields is newer than one with them; build metadata is ignored.
  if (x.pre.length === 0 || y.pre.length === 0) return sign(y.pre.length - x.pre.length);
  for (let i = 0; i < Math.min(x.pre.length, y.pre.length); i++) {
    const p = x.pre[i]!;
    const q = y.pre[i]!;
    const pn = /^\d+$/.test(p);
    const qn = /^\d+$/.test(q);
    if (pn && qn) {
      const d = BigInt(p) - BigInt(q);
      if (d) return sign(d);
    } else if (pn !== qn) {
      return pn ? -1 : 1;
    } else if (p !== q) {
      return p < q ? -1 : 1;
    }
  }
  return sign(x.pre.length - y.pre.length);
}

export function compareVersions(a: string, b: string, type: VersionType = 'loose'): Cmp {
  switch (type) {
    case 'loose':
      return looseVersionCompare(a, b);
    case 'strict':
      return strictVersionCompare(a, b);
    case 'semver':
    case 'semantic':
      return semverCompare(a, b);
    case 'php':
      return phpVersionCompare(a, b);
    case 'dpkg':
      return dpkgVersionCompare(a, b);
    case 'rpm':
      return rpmVersionCompare(a, b);
  }
}

/** Operator spellings accepted by Ansible's `version` test (and PHP's version_compare). */
const OPERATORS: Record<string, (c: Cmp) => boolean> = {
  '==': (c) => c === 0,
  '=': (c) => c === 0,
  eq: (c) => c === 0,
  '!=': (c) => c !== 0,
  '<>': (c) => c !== 0,
  ne: (c) => c !== 0,
  '<': (c) => c < 0,
  lt: (c) => c < 0,
  '<=': (c) => c <= 0,
  le: (c) => c <= 0,
  '>': (c) => c > 0,
  gt: (c) => c > 0,
  '>=': (c) => c >= 0,
  ge: (c) => c >= 0,
};
export const VERSION_OPERATORS = Object.keys(OPERATORS);

/** Ansible's `value is version(other, operator, version_type=…)`; default ordering 'loose' like Ansible. */
export function versionTest(value: string, other: string, operator = 'eq', type: VersionType = 'loose'): boolean {
  const op = OPERATORS[operator];
  if (!op) throw new Error(`invalid version operator '${operator}' (expected one of ${VERSION_OPERATORS.join(' ')})`);
  if (value === '') throw new Error('the version to compare is empty');
  if (other === '') throw new Error('the version to compare against is empty');
  return op(compareVersions(value, other, type));
}

export function isVersionType(s: string): s is VersionType {
  return (VERSION_TYPES as readonly string[]).includes(s);
}
