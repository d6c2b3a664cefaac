// A play's host `order:` (Ansible's names). `shuffle` is seeded so a run (and its resume) can
// reproduce the exact order; the seed is recorded in the rollout result.
import type { HostOrder } from '../playbook/types.js';

/** mulberry32: a tiny, well-mixed 32-bit PRNG; plenty for shuffling host lists. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Python's sorted() on names compares code points; so does `<` on strings for BMP names.
const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A new array of the hosts in the requested order; the input is left untouched. */
export function orderHosts(hosts: readonly string[], order: HostOrder, seed = 0): string[] {
  switch (order) {
    case 'inventory':
      return [...hosts];
    case 'reverse_inventory':
      return [...hosts].reverse();
    case 'sorted':
      return [...hosts].sort(byName);
    case 'reverse_sorted':
      return [...hosts].sort(byName).reverse();
    case 'shuffle': {
      const out = [...hosts];
      const rnd = seededRandom(seed);
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1));
        [out[i], out[j]] = [out[j], out[i]];
      }
      return out;
    }
    default: {
      const never: never = order;
      throw new Error(`unknown host order ${String(never)}`);
    }
  }
}
