// The lab as a kill -9 soak fleet: a background lab (the same daemon `remediate lab up` starts),
// a fresh one per round, its `lab status --hash` digests as the durable state to compare. Not
// reused: a rollback restores files and packages but restarts no master, so the next round's
// facts (read from the running masters) would describe builds no longer on disk.
import { repoPath } from './harness.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';
import { labDown, labStatus, labUp } from '../helpers/lab.js';

export const IMAGICK_PLAYBOOK = repoPath('playbooks/imagick.yml');
/** Fast, and otherwise the playbook unchanged. */
export const FAST_VARS = ['-e', 'canary_reloads=2', '-e', 'restart_stagger=0s'];

export type Hashes = Map<string, string>;

export interface LabFleet {
  inventory: string;
  hosts: string[];
  hashes(): Promise<Hashes>;
  down(): Promise<void>;
}

export async function startLabFleet(dir: string, o: { hosts: number; seed: number; env: Record<string, string> }): Promise<LabFleet> {
  const inventory = join(dir, 'lab.yml');
  await labUp({ hosts: o.hosts, profile: 'incident', seed: o.seed, inventoryPath: inventory, basePort: 0 });
  const fleet: LabFleet = {
    inventory,
    hosts: [],
    async hashes() {
      const s = await labStatus(inventory, { hash: true });
      return new Map(s.perHost!.map((h) => [h.host, h.hash!]));
    },
    down: () => labDown(inventory).then(() => undefined),
  };
  try {
    // A lab host's digest changes the first time anything connects to it (it then gains
    // /etc/hostname, see the report of test/soak): one harmless command on every host first, so
    // the rounds compare durable state, not whether a host was ever reached.
    const touch = await cli(['run', 'all', '-i', inventory, '--forks', '100', '--', 'true'], { cwd: dir, env: o.env });
    if (touch.code !== 0) throw new Error(`reaching every lab host exited ${touch.code}: ${(touch.err + touch.out).slice(-2000)}`);
    fleet.hosts = [...(await fleet.hashes()).keys()];
    if (fleet.hosts.length !== o.hosts) throw new Error(`the lab reports ${fleet.hosts.length} hosts, expected ${o.hosts}`);
  } catch (e) {
    await fleet.down();
    throw e;
  }
  return fleet;
}

export function hashDiff(expected: Hashes, actual: Hashes): string[] {
  const out: string[] = [];
  for (const [h, v] of expected) if (actual.get(h) !== v) out.push(`${h}: ${v.slice(0, 12)} → ${actual.get(h)?.slice(0, 12) ?? 'missing'}`);
  for (const h of actual.keys()) if (!expected.has(h)) out.push(`${h}: new host`);
  return out;
}

/** The lab's inventory hosts, in file order (a check that the lab's status covers the inventory). */
export function inventoryHosts(inventory: string): string[] {
  return [...readFileSync(inventory, 'utf8').matchAll(/^ {4}(web-\d+):/gm)].map((m) => m[1]);
}
