// Is this libgomp build leaky? From the GCC version that built it (its .comment "GCC: (…) X.Y.Z",
// read from the very file the master maps) or, weaker, from its package version.
//
// Leaky builds (a pthread key per load, never deleted): GCC 5.x, 6.x, 7.x and GCC 8 snapshots
// up to 8-20180414 (Ubuntu 18.04's release libgomp1). Fixed: GCC 8.4+, 9, 10, 12 and later.
// 8.1–8.3 and pre-OpenACC 4.x are not verified: "measure".
import { upstreamVersion } from './packages.js';

export interface GompVerdict {
  leaky: boolean | null;
  gcc: string | null;
  reason: string;
}

/** "8.0.1 20180414", "12.2.0", "8-20180414", "5.4.0 20160609" → verdict. */
export function classifyGccVersion(version: string): GompVerdict {
  const v = version.trim();
  const snap = /^(\d+)-(\d{8})/.exec(v);
  const m = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\s+(\d{8}))?/.exec(v);
  if (!snap && !m) return { leaky: null, gcc: null, reason: `unrecognized GCC version "${v}"` };
  const major = Number(snap ? snap[1] : m![1]);
  const minor = snap ? 0 : Number(m![2] ?? 0);
  const date = snap ? Number(snap[2]) : m![4] ? Number(m![4]) : null;
  const gcc = snap ? `${snap[1]}-${snap[2]}` : v.split(/\s+/)[0];
  if (major >= 9) return { leaky: false, gcc, reason: `GCC ${gcc} libgomp deletes its OpenACC key (fixed)` };
  if (major >= 5 && major <= 7) return { leaky: true, gcc, reason: `GCC ${gcc} libgomp leaks one pthread key per load (goacc_cleanup_key)` };
  if (major === 8) {
    if (snap || minor === 0) {
      if (date === null || date <= 20180414) return { leaky: true, gcc, reason: `GCC ${gcc} snapshot libgomp (as Ubuntu 18.04's release libgomp1) leaks one key per load` };
      return { leaky: null, gcc, reason: `GCC ${gcc} snapshot after 20180414: not verified, measure` };
    }
    if (minor >= 4) return { leaky: false, gcc, reason: `GCC ${gcc} libgomp is fixed (8.4+)` };
    return { leaky: null, gcc, reason: `GCC ${gcc} (8.1–8.3) libgomp not verified: measure` };
  }
  return { leaky: null, gcc, reason: `GCC ${gcc} predates OpenACC in libgomp; not verified: measure` };
}

/** The highest GCC version among .comment strings "GCC: (Ubuntu 8-20180414-1ubuntu2) 8.0.1 20180414 (experimental)". */
export function gccFromComments(lines: readonly string[]): string | null {
  let best: { v: string; key: number[] } | null = null;
  for (const l of lines) {
    const m = /GCC: \([^)]*\) (\d+(?:\.\d+)*(?: \d{8})?)/.exec(l);
    if (!m) continue;
    const key = m[1].split(/[ .]/).map(Number);
    if (!best || compare(key, best.key) > 0) best = { v: m[1], key };
  }
  return best?.v ?? null;
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

/** From a libgomp package version (libgomp1 "10.5.0-1ubuntu1~20.04", rpm "4.8.5-44.el7"). */
export function classifyPackageVersion(pkgVersion: string): GompVerdict {
  return classifyGccVersion(upstreamVersion(pkgVersion));
}

/** What the probe read from the mapped libgomp file itself (strings of its dynamic section). */
export interface GompFileMarkers {
  /** Symbol version nodes defined by the file: GOMP_4.5, OACC_2.0, GOMP_5.0, … */
  versionNodes: string[];
  /** `omp_pause_resource_all` (OpenMP 5.0, GCC ≥ 9) is exported. */
  hasPauseResourceAll: boolean;
  /** .comment "GCC: (…) X.Y.Z" lines, when the distro kept them (Debian strips them). */
  gccComments: string[];
}

/**
 * Verdict from the file's own contents: the GCC that built it when .comment survived, else its
 * ABI: OpenMP 5.0 entry points (GOMP_5.0, omp_pause_resource_all) only exist from GCC 9 on.
 */
export function classifyGompFile(m: GompFileMarkers): GompVerdict {
  const gcc = gccFromComments(m.gccComments);
  if (gcc) return classifyGccVersion(gcc);
  const nodes = new Set(m.versionNodes);
  if (m.hasPauseResourceAll || nodes.has('GOMP_5.0') || nodes.has('OMP_5.0')) {
    return { leaky: false, gcc: '>=9', reason: 'the mapped libgomp exports OpenMP 5.0 (GOMP_5.0 / omp_pause_resource_all): GCC 9 or later, fixed' };
  }
  if (nodes.has('OACC_2.0') || nodes.has('GOACC_2.0')) {
    return { leaky: null, gcc: '5-8', reason: 'the mapped libgomp has OpenACC but not OpenMP 5.0: GCC 5 to 8, leaky unless GCC 8.4+' };
  }
  if (nodes.size) return { leaky: null, gcc: '<5', reason: 'the mapped libgomp predates OpenACC (GCC < 5): not verified, measure' };
  return { leaky: null, gcc: null, reason: 'no version information in the mapped libgomp' };
}
