// Which hosts form the canary stage. They are taken from the already-ordered host list, so
// "first host in order" is well defined and a seeded shuffle picks reproducibly.
import type { Canary } from '../playbook/types.js';
import { pctToInt } from './batches.js';

/** How many hosts a `count:` asks for out of `of` (a number, or "N%" with a floor of 1). */
function countOf(count: number | string, of: number): number {
  const n = pctToInt(count, of);
  if (n < 0) throw new Error(`canary count: expected 0 or more hosts, found ${JSON.stringify(count)}`);
  return Math.min(n, of);
}

/**
 * The canary hosts, in host order.
 * - `count` only: the first `count` hosts (a number or a percentage of all hosts, at least 1).
 * - `per` (needs `key`): the first host of each distinct key value, in order of first
 *   appearance; with `count` too, up to `count` hosts per value (a percentage is of that
 *   value's hosts).
 * No canary, or a count of 0, picks nobody.
 * Only `eligible` hosts are picked (all when absent): a host the plan could not reach or read
 * proves nothing as a canary, and would stop the rollout at its first stage on every run of a
 * fleet that always has a few such hosts. It goes with the batches, where unreachable is not
 * failed. A `count` percentage stays a percentage of all hosts.
 * `proven` (resume): canaries the run being resumed already passed, per key ('' without `per`):
 * only the missing ones are picked (a variant proven once needs none; `count: 2` with one
 * passed needs one more).
 */
export function pickCanary(hosts: readonly string[], canary: Canary | undefined, key?: (host: string) => string, eligible?: (host: string) => boolean, proven?: ReadonlyMap<string, number>): string[] {
  if (!canary) return [];
  const pool = eligible ? hosts.filter(eligible) : hosts;
  const missing = (k: string, wanted: number) => Math.max(0, wanted - (proven?.get(k) ?? 0));
  if (canary.per === undefined) {
    if (canary.count === undefined) return [];
    return pool.slice(0, missing('', countOf(canary.count, hosts.length)));
  }
  if (!key) throw new Error(`canary per: ${canary.per.source} needs each host's key value, and none was given`);
  const groups = new Map<string, string[]>();
  for (const h of pool) {
    const k = key(h);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(h);
  }
  const picked = new Set<string>();
  for (const [k, members] of groups) {
    const n = missing(k, canary.count === undefined ? 1 : countOf(canary.count, members.length));
    for (const h of members.slice(0, n)) picked.add(h);
  }
  return pool.filter((h) => picked.has(h));
}
