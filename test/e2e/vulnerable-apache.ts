// This machine's Apache made vulnerable the way the Imagick e2e tests need it, and reached the way
// an operator's controller reaches a server: a real OpenSSH sshd on loopback (key user with
// passwordless sudo) and a one-host inventory (`web1`). Holds the system-Apache lock until
// restore(), which puts the machine back as it was: the test files gone, envvars without
// LD_PRELOAD, Apache running (fresh) or stopped as before.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSshd, type Sshd } from '../helpers/sshd.js';
import {
  lockSystemApache, masterPid, phpApacheConfDir, restartApacheFresh, stopApache, stripPreloadFromEnvvars,
} from '../helpers/system-apache.js';

/** Debian's default is already 1, which would leave nothing to fix: a test ini sets it to 0. */
export const VULNERABLE_INI = { name: '30-test-single-thread.ini', text: 'imagick.set_single_thread = 0\n' };
/** The drop-in playbooks/imagick.yml writes into the SAPI's scan dir. */
export const DROP_IN_NAME = '99-remediate-imagick.ini';

export interface VulnerableApache {
  tmp: string;
  /** The apache2 SAPI's scan dir, e.g. /etc/php/8.2/apache2/conf.d. */
  confd: string;
  testIni: string;
  dropIn: string;
  sshd: Sshd;
  /** One host, `web1`: 127.0.0.1 through the sshd, with its own known_hosts file. */
  inventory: string;
  /** Put the machine back and release the lock (safe to call once, failure or not). */
  restore(): Promise<void>;
}

/** A one-host inventory for `sshd` reached at 127.0.0.1, written into `dir`. */
export async function writeSshdInventory(dir: string, sshd: Sshd): Promise<string> {
  const knownHosts = join(dir, 'known_hosts');
  await writeFile(knownHosts, sshd.knownHostsLine('127.0.0.1') + '\n');
  const inventory = join(dir, 'inventory.yml');
  await writeFile(inventory, [
    'all:',
    '  hosts:',
    '    web1:',
    '      ansible_host: 127.0.0.1',
    `      ansible_port: ${sshd.port}`,
    `      ansible_user: ${sshd.user}`,
    `      ansible_ssh_private_key_file: ${sshd.keyFile}`,
    `      remediate_known_hosts_file: ${knownHosts}`,
    '',
  ].join('\n'));
  return inventory;
}

/**
 * Take the system-Apache lock, remove what an earlier (killed) run may have left, write the
 * vulnerable ini, restart Apache fresh and start the sshd. `extraFiles` are removed before and on
 * restore too (a test's own page or config).
 */
export async function openVulnerableApache(o: { tmpPrefix: string; extraFiles?: string[] }): Promise<VulnerableApache> {
  const release = await lockSystemApache();
  const tmp = await mkdtemp(join(tmpdir(), o.tmpPrefix));
  const confd = phpApacheConfDir()!;
  const testIni = join(confd, VULNERABLE_INI.name);
  const dropIn = join(confd, DROP_IN_NAME);
  const wasRunning = masterPid() !== null;
  const owned = [testIni, dropIn, ...(o.extraFiles ?? [])];
  const removeTestState = async () => {
    for (const f of owned) await rm(f, { force: true });
    await stripPreloadFromEnvvars();
  };
  let sshd: Sshd | undefined;
  let restored = false;
  const restore = async () => {
    if (restored) return;
    restored = true;
    try {
      await removeTestState();
      if (wasRunning) await restartApacheFresh();
      else await stopApache();
    } finally {
      await sshd?.stop();
      await rm(tmp, { recursive: true, force: true });
      await release();
    }
  };
  try {
    await removeTestState();
    await writeFile(testIni, VULNERABLE_INI.text);
    await restartApacheFresh();
    sshd = await startSshd();
    const inventory = await writeSshdInventory(tmp, sshd);
    return { tmp, confd, testIni, dropIn, sshd, inventory, restore };
  } catch (e) {
    await restore();
    throw e;
  }
}
