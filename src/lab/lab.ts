// The lab in one process: a fleet of hosts behind ssh2 servers on loopback addresses, its
// inventory and known_hosts, status, advance (daily logrotate reloads) and stop.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { dirname, join, relative, resolve } from 'node:path';
import ssh2 from 'ssh2';
import { stringify } from 'yaml';
import { generateFleet, type Profile } from './fleet.js';
import { Host, LAB_USER } from './host.js';

const { Server, utils } = ssh2;

export interface StartLabOptions {
  hosts: number;
  profile: Profile;
  seed: number;
  /** Directory of the inventory (state goes to <dir>/.lab). */
  dir: string;
  /** Inventory file name inside dir (default lab.yml). */
  inventoryName?: string;
  /** 0 = an ephemeral port per host address (tests). Default 2222. */
  basePort?: number;
}

export interface HostStatus {
  host: string;
  distro: string;
  address: string;
  port: number;
  at_risk: boolean;
  keys_in_use: number;
  alive: boolean;
  reloads: number;
  imagick: string;
  libgomp: string;
  mutations: number;
  hash?: string;
  faults: string[];
}

export interface LabStatus {
  hosts: number;
  profile: Profile;
  seed: number;
  days: number;
  byDistro: Record<string, number>;
  atRisk: number;
  crashed: number;
  keys: { min: number; max: number; mean: number };
  perHost?: HostStatus[];
}

export interface RunningLab {
  inventoryPath: string;
  knownHostsPath: string;
  privateKeyPath: string;
  hosts: Host[];
  status(o?: { perHost?: boolean; hash?: boolean }): LabStatus;
  advance(days: number): LabStatus;
  close(): Promise<void>;
}

function listen(srv: NetServer, port: number, host: string): Promise<number> {
  return new Promise((res, rej) => {
    srv.once('error', rej);
    srv.listen(port, host, () => {
      srv.off('error', rej);
      res((srv.address() as { port: number }).port);
    });
  });
}

export async function startLab(o: StartLabOptions): Promise<RunningLab> {
  const stateDir = join(o.dir, '.lab');
  mkdirSync(stateDir, { recursive: true });
  const specs = generateFleet({ hosts: o.hosts, profile: o.profile, seed: o.seed, basePort: o.basePort ?? 2222 });
  let offset = 0;
  const clock = { now: () => Date.now() / 1000 + offset };
  const hosts = specs.map((s) => new Host(s, clock));
  const client = utils.generateKeyPairSync('ed25519', { comment: 'remediate-lab' });
  const privateKeyPath = join(stateDir, 'id_ed25519');
  writeFileSync(privateKeyPath, client.private, { mode: 0o600 });
  writeFileSync(privateKeyPath + '.pub', client.public + '\n');
  const clientKey = utils.parseKey(client.public);
  if (clientKey instanceof Error) throw clientKey;
  const netServers: NetServer[] = [];
  const known: string[] = [];
  const sockets = new Set<Socket>();

  for (const h of hosts) {
    const f = h.spec.faults;
    if (f.unreachable) { known.push(`[${h.spec.address}]:${h.spec.port || 9} ${utils.generateKeyPairSync('ed25519').public.split(' ').slice(0, 2).join(' ')}`); continue; }
    const hostKey = utils.generateKeyPairSync('ed25519');
    const presented = f.changedHostKey ? utils.generateKeyPairSync('ed25519') : hostKey;
    const ssh = new Server({ hostKeys: [presented.private], ident: 'OpenSSH_9.2p1 Debian-2+deb12u3' }, (conn) => {
      conn.on('authentication', (ctx) => {
        if (f.authFailure || ctx.username !== LAB_USER) return ctx.reject(['publickey']);
        if (ctx.method !== 'publickey') return ctx.reject(['publickey']);
        const k = ctx.key;
        if (k.algo !== clientKey.type || !k.data.equals(clientKey.getPublicSSH())) return ctx.reject(['publickey']);
        if (ctx.signature && !clientKey.verify(ctx.blob!, ctx.signature, ctx.hashAlgo)) return ctx.reject(['publickey']);
        ctx.accept();
      });
      conn.on('error', () => undefined);
      conn.on('ready', () => {
        conn.on('session', (accept) => {
          const session = accept();
          session.on('pty', (ok) => ok?.());
          session.on('env', (ok) => ok?.());
          session.on('exec', (acceptExec, _reject, info) => {
            const stream = acceptExec();
            const chunks: Buffer[] = [];
            let started = false;
            const go = () => {
              if (started) return;
              started = true;
              const stdin = Buffer.concat(chunks).toString('latin1');
              const r = h.run(info.command, { user: LAB_USER, stdin });
              const finish = () => {
                if (f.dropMidCommand) {
                  stream.write(Buffer.from(r.stdout.slice(0, Math.floor(r.stdout.length / 2)), 'latin1'));
                  setTimeout(() => conn.end(), 5);
                  return;
                }
                if (r.stdout) stream.write(Buffer.from(r.stdout, 'latin1'));
                if (r.stderr) stream.stderr.write(Buffer.from(r.stderr, 'latin1'));
                stream.exit(r.exitCode);
                stream.end();
              };
              if (f.slowCommandMs) setTimeout(finish, f.slowCommandMs); else finish();
            };
            stream.on('data', (d: Buffer) => chunks.push(d));
            stream.on('end', go);
            // clients that never close stdin: run once input has been quiet for a moment
            let timer = setTimeout(go, 150);
            stream.on('data', () => { clearTimeout(timer); timer = setTimeout(go, 150); });
            stream.on('error', () => undefined);
          });
        });
      });
    });
    const net = createServer((sock) => {
      sockets.add(sock);
      sock.on('close', () => sockets.delete(sock));
      sock.on('error', () => undefined);
      if (f.slowHandshakeMs) { sock.pause(); setTimeout(() => { sock.resume(); ssh.injectSocket(sock); }, f.slowHandshakeMs); }
      else ssh.injectSocket(sock);
    });
    const port = await listen(net, o.basePort ?? 2222, h.spec.address);
    h.spec.port = port;
    netServers.push(net);
    const pub = hostKey.public.split(' ').slice(0, 2).join(' ');
    known.push(`[${h.spec.address}]:${port} ${pub}`);
  }

  const knownHostsPath = join(stateDir, 'known_hosts');
  writeFileSync(knownHostsPath, known.join('\n') + '\n');
  const inventoryPath = join(o.dir, o.inventoryName ?? 'lab.yml');
  writeInventory(inventoryPath, hosts, knownHostsPath, privateKeyPath);
  let days = 0;

  const lab: RunningLab = {
    inventoryPath, knownHostsPath, privateKeyPath, hosts,
    status(so = {}) {
      const byDistro: Record<string, number> = {};
      let atRisk = 0, crashed = 0, kmin = Infinity, kmax = 0, ksum = 0, alive = 0;
      const perHost: HostStatus[] = [];
      for (const h of hosts) {
        byDistro[h.spec.distro] = (byDistro[h.spec.distro] ?? 0) + 1;
        const t = h.truth();
        if (t.atRisk) atRisk++;
        if (!t.alive && h.master.diedAt !== null) crashed++;
        if (t.alive) { alive++; kmin = Math.min(kmin, t.keys); kmax = Math.max(kmax, t.keys); ksum += t.keys; }
        if (so.perHost || so.hash) {
          perHost.push({
            host: h.spec.name, distro: h.spec.distro, address: h.spec.address, port: h.spec.port, at_risk: t.atRisk, keys_in_use: t.keys, alive: t.alive,
            reloads: t.reloads, imagick: h.packages.get(h.d.imagickPkg) ?? '', libgomp: h.packages.get(h.d.gompPkg) ?? '', mutations: h.mutations,
            hash: so.hash ? h.hash() : undefined, faults: Object.keys(h.spec.faults),
          });
        }
      }
      return { hosts: hosts.length, profile: o.profile, seed: o.seed, days, byDistro, atRisk, crashed, keys: { min: alive ? kmin : 0, max: kmax, mean: alive ? Math.round(ksum / alive) : 0 }, perHost: so.perHost || so.hash ? perHost : undefined };
    },
    advance(n) {
      for (let d = 0; d < n; d++) {
        offset += 86400;
        days++;
        for (const h of hosts) {
          const weekly = h.d.family === 'rhel';
          if (!weekly || new Date(clock.now() * 1000).getUTCDay() === 0) h.logrotate();
        }
      }
      return lab.status();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all(netServers.map((s) => new Promise<void>((res) => s.close(() => res()))));
    },
  };
  return lab;
}

function writeInventory(path: string, hosts: Host[], knownHosts: string, key: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const rel = (p: string) => relative(dirname(resolve(path)), resolve(p));
  const groups: Record<string, { hosts: Record<string, null> }> = {};
  const all: Record<string, { ansible_host: string; ansible_port: number }> = {};
  for (const h of hosts) {
    all[h.spec.name] = { ansible_host: h.spec.address, ansible_port: h.spec.port };
    (groups[h.spec.distro] ??= { hosts: {} }).hosts[h.spec.name] = null;
  }
  const inv = {
    all: {
      vars: { ansible_user: LAB_USER, ansible_ssh_private_key_file: rel(key), remediate_known_hosts_file: rel(knownHosts), ansible_ssh_common_args: `-o UserKnownHostsFile=${rel(knownHosts)}` },
      hosts: all,
      children: groups,
    },
  };
  writeFileSync(path, `# Written by remediate lab up: a simulated fleet on loopback. Regenerated on each start.\n${stringify(inv)}`);
}
