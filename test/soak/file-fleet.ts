// A fleet of host aliases (127.0.1.N) on one real OpenSSH sshd, each with its own scratch tree of
// files that test/fixtures/playbooks/soak-files.yml edits. The pre-state differs from host to
// host (modes, owners, some already compliant) but not from round to round, so one clean apply
// gives the post-state every resumed round must end in.
import { repoPath } from './harness.js';
import { chownSync, chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { Sshd } from '../helpers/sshd.js';
import { snapshot, type Snapshot } from '../e2e/tree-hashes.js';

export const SOAK_FILES_PLAYBOOK = repoPath('test/fixtures/playbooks/soak-files.yml');

export interface FileFleet {
  dir: string;
  inventory: string;
  /** Where every host's tree lives (hostsRoot/NAME). */
  hostsRoot: string;
  names: string[];
}

function ids(user: string): { uid: number; gid: number } {
  return { uid: Number(execFileSync('id', ['-u', user]).toString().trim()), gid: Number(execFileSync('id', ['-g', user]).toString().trim()) };
}

function put(path: string, text: string, mode: number, owner: { uid: number; gid: number }): void {
  writeFileSync(path, text);
  chmodSync(path, mode);
  chownSync(path, owner.uid, owner.gid);
}

/** known_hosts lines for every alias, one inventory with a `root` var per host. */
export function makeFileFleet(dir: string, sshd: Sshd, hosts: number): FileFleet {
  const hostsRoot = join(dir, 'hosts');
  mkdirSync(hostsRoot, { recursive: true, mode: 0o755 });
  chmodSync(dir, 0o755);
  const names = Array.from({ length: hosts }, (_, i) => `web${String(i + 1).padStart(2, '0')}`);
  const root = { uid: 0, gid: 0 };
  const user = ids(sshd.user);
  const known: string[] = [];
  const inv = ['all:', '  vars:', `    ansible_port: ${sshd.port}`, `    ansible_user: ${sshd.user}`, `    ansible_ssh_private_key_file: ${sshd.keyFile}`, `    remediate_known_hosts_file: ${join(dir, 'known_hosts')}`, `    soak_owner: ${sshd.user}`, '  hosts:'];
  names.forEach((name, i) => {
    const address = `127.0.1.${i + 1}`;
    known.push(sshd.knownHostsLine(address));
    inv.push(`    ${name}:`, `      ansible_host: ${address}`, `      root: ${join(hostsRoot, name)}`);
    const etc = join(hostsRoot, name, 'etc');
    mkdirSync(etc, { recursive: true, mode: 0o755 });
    chmodSync(join(hostsRoot, name), 0o755);
    chmodSync(etc, i % 2 ? 0o750 : 0o755);
    put(join(etc, 'app.conf'), `listen 80\n# ${name}\n`, i % 3 ? 0o644 : 0o600, root);
    // Every third host is already compliant in php.ini (an `ok` step, no mutation).
    const single = i % 3 === 2 ? '1' : '0';
    put(join(etc, 'php.ini'), `; ${name}\n[PHP]\nmemory_limit = 128M\nimagick.set_single_thread = ${single}\n\n[Date]\ndate.timezone = UTC\n`, 0o604, user);
    put(join(etc, 'envvars'), `export APACHE_RUN_USER=www-data\n${i % 4 === 1 ? 'export LD_PRELOAD=/opt/old/libgomp.so.1\n' : ''}export APACHE_LOG_DIR=/var/log/apache2\n`, 0o755, root);
  });
  writeFileSync(join(dir, 'known_hosts'), known.join('\n') + '\n');
  const inventory = join(dir, 'inventory.yml');
  writeFileSync(inventory, inv.join('\n') + '\n');
  return { dir, inventory, hostsRoot, names };
}

/** The fleet's trees, keyed by path relative to hostsRoot (comparable across rounds). */
export async function fleetSnapshot(f: FileFleet): Promise<Snapshot> {
  const abs = await snapshot(f.hostsRoot);
  const out: Snapshot = {};
  for (const [k, v] of Object.entries(abs)) out[k.slice(f.hostsRoot.length) || '/'] = v;
  return out;
}

/** Mutations a clean apply makes on this fleet (copy ×2, envvars, drop-in on every host; php.ini on 2 of 3). */
export function expectedMutations(hosts: number): number {
  let n = 0;
  for (let i = 0; i < hosts; i++) n += 4 + (i % 3 === 2 ? 0 : 1);
  return n;
}
