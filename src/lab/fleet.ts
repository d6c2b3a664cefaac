// A fleet drawn from a seed: the same seed and profile give the same hosts, histories and faults.
import { INCIDENT_WEIGHTS, MIXED_WEIGHTS, type DistroId } from './distros.js';
import type { HostFaults, HostSpec } from './host.js';

export type Profile = 'incident' | 'mixed' | 'faulty';

/** mulberry32: small, fast, good enough for simulation. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick(r: () => number, weights: [DistroId, number][]): DistroId {
  const total = weights.reduce((s, [, w]) => s + w, 0);
  let x = r() * total;
  for (const [d, w] of weights) { x -= w; if (x < 0) return d; }
  return weights[weights.length - 1][0];
}

/** 127.77.0.1 … : one loopback address per host (Linux routes all of 127/8 to lo). */
export function hostAddress(i: number): string {
  return `127.77.${Math.floor(i / 250)}.${(i % 250) + 1}`;
}

export function generateFleet(o: { hosts: number; profile: Profile; seed: number; basePort: number }): HostSpec[] {
  const r = rng(o.seed);
  const out: HostSpec[] = [];
  for (let i = 0; i < o.hosts; i++) {
    const distro = pick(r, o.profile === 'incident' ? INCIDENT_WEIGHTS : MIXED_WEIGHTS);
    const baseline = 7 + Math.floor(r() * 4);
    const rhel = distro.startsWith('rhel');
    const maxReloads = 1024 - baseline;
    let reloads: number;
    const x = r();
    if (o.profile === 'incident') {
      // spread over the whole life of a master: ~2% already dead, a few within days of death
      reloads = x < 0.02 ? -1 : x < 0.06 ? maxReloads - Math.floor(r() * 10) : Math.floor(r() * maxReloads);
    } else {
      reloads = x < 0.005 ? -1 : Math.floor(r() * (rhel ? 150 : 900));
    }
    const faults: HostFaults = {};
    if (o.profile === 'faulty') {
      const f = r();
      if (f < 0.01) faults.unreachable = true;
      else if (f < 0.02) faults.authFailure = true;
      else if (f < 0.03) faults.slowHandshakeMs = 1500 + Math.floor(r() * 2000);
      else if (f < 0.04) faults.dropMidCommand = true;
      else if (f < 0.05) faults.slowCommandMs = 5000 + Math.floor(r() * 10000);
      else if (f < 0.06) faults.diskFull = true;
      else if (f < 0.07) faults.mirrorFailure = true;
      else if (f < 0.08) faults.dieOnReload = true;
      else if (f < 0.09) faults.clockSkewSec = Math.floor((r() - 0.5) * 7 * 86400);
      else if (f < 0.10) faults.sudoPassword = `lab-sudo-${Math.floor(r() * 1e6)}`;
      else if (f < 0.105) faults.changedHostKey = true;
      else if (f < 0.11) faults.stillLeaks = true;
    }
    out.push({
      name: `web-${String(i + 1).padStart(4, '0')}`,
      index: i,
      distro,
      address: hostAddress(i),
      port: o.basePort,
      baseline,
      reloads,
      rotateMinute: 6 * 60 + 25 + Math.floor(r() * 10),
      gompUpdated: distro === 'ubuntu1804' && o.profile !== 'incident' && r() < 0.4,
      listenPort: r() < 0.05 ? 8080 : 80,
      pidBase: 900 + Math.floor(r() * 30000),
      libBase: 0x7f0000000000 + Math.floor(r() * 0xffff) * 0x1000000,
      faults,
    });
  }
  return out;
}
