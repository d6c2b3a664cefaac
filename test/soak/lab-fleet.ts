// The lab as a kill -9 soak fleet: one background lab (the same daemon `remediate lab up`
// starts) reused across rounds, its `lab status --hash` digests as the durable state to compare.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cli } from '../helpers/cli.js';
import { labDown, labStatus, labUp } from '../helpers/lab.js';

export const IMAGICK_PLAYBOOK = fileURLToPath(new URL('../../playbooks/imagick.yml', import.meta.url));
/** Fast, and otherwise the playbook unchanged. */
export const FAST_VARS = ['-e', 'canary_reloads=2', '-e', 'restart_stagger=0s'];

export type Hashes = Map<string, string>;

export interface LabFleet {
  inventory: string;
  hosts: string[];
  hashes(): Promise<Hashes>;
  /**
   * Restart every Apache master, so what runs matches what is on disk. A rollback restores files
   * and packages but restarts nothing: a master keeps the fixed Imagick/libgomp it loaded, its
   * facts then say "fixed", the next apply skips the upgrade and its canary reload loads the
   * leaky build from disk again (see the report of test/soak). Rounds after the first need it.
   */
  restartMasters(): Promise<void>;
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
    async restartMasters() {
      const r = await cli(['run', 'all', '-i', inventory, '--forks', '50', '--', 'sudo -n systemctl restart apache2 2>/dev/null || sudo -n systemctl restart httpd'], { cwd: dir, env: o.env });
      if (r.code !== 0) throw new Error(`restarting the lab's masters exited ${r.code}: ${(r.err + r.out).slice(-2000)}`);
    },
    down: () => labDown(inventory).then(() => undefined),
  };
  try {
    // A lab host's digest changes the first time anything connects to it (it then gains
    // /etc/hostname, see the report of test/soak): a read-only plan first touches every host, so
    // the rounds compare durable state, not whether a host was ever reached.
    const plan = await cli(['plan', IMAGICK_PLAYBOOK, '-i', inventory, ...FAST_VARS], { cwd: dir, env: o.env });
    if (plan.code !== 0) throw new Error(`plan over the lab exited ${plan.code}: ${plan.err.slice(-2000)}`);
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
