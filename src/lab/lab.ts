// The lab in one process: a fleet of hosts behind ssh2 servers on loopback addresses, its
// inventory and known_hosts, status, advance (daily logrotate reloads) and stop.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { createPublicKey, sign as cryptoSign, verify as cryptoVerify } from 'node:crypto';
import ssh2, { type Algorithms, type ParsedKey, type ServerChannel } from 'ssh2';
import { stringify } from 'yaml';
import { generateFleet, type Profile } from './fleet.js';
import { Host, LAB_USER, type HostFaults } from './host.js';
import { seededEd25519, type SeededKey } from './keys.js';
import { pooledPadding } from './ssh-padding.js';
import { warmUp } from './warmup.js';

const { Server, utils } = ssh2;

/**
 * Key exchange: ECDH on P-256 only. Node runs X25519 through KeyObjects (generate, export, import
 * the peer's key), which cost twice P-256's ECDH per handshake on both ends; the lab's job is many
 * handshakes per second, and every client (ssh2, OpenSSH, ansible) offers P-256.
 */
const LAB_ALGORITHMS: Algorithms = { kex: ['ecdh-sha2-nistp256'] };

export interface StartLabOptions {
  hosts: number;
  profile: Profile;
  seed: number;
  /** Where the inventory goes; the lab's state (keys, known_hosts) goes to <its dir>/.lab/. */
  inventoryPath: string;
  /** Port on every host address. 0 = an ephemeral port per host (tests running side by side). Default 2222. */
  basePort?: number;
  /** The real clock (epoch ms); the lab's hosts run on it plus the days advanced. Default Date.now. */
  clock?: () => number;
  /** Faults set on given hosts (by index), replacing what the profile drew: tests of each fault. */
  faults?: Record<number, HostFaults>;
  /** Warm the shell up and build every host's machine before listening (warmup.ts): the background lab does, short-lived test labs need not. */
  warmUp?: boolean;
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
  versions: { apache: string; php: string; imagick: string; imagick_package: string; libgomp: string; imagemagick: string; openmp: boolean };
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

/** The lab's state directory for an inventory: <inventory dir>/.lab */
export function stateDirFor(inventoryPath: string): string {
  return join(dirname(resolve(inventoryPath)), '.lab');
}

export async function startLab(o: StartLabOptions): Promise<RunningLab> {
  if (!Number.isInteger(o.hosts) || o.hosts < 1 || o.hosts > 60000) throw new Error(`hosts must be an integer from 1 to 60000, got ${o.hosts}`);
  const stateDir = stateDirFor(o.inventoryPath);
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(join(stateDir, '.gitignore'), '*\n');
  const basePort = o.basePort ?? 2222;
  const specs = generateFleet({ hosts: o.hosts, profile: o.profile, seed: o.seed, basePort });
  for (const [i, f] of Object.entries(o.faults ?? {})) if (specs[Number(i)]) specs[Number(i)].faults = f;
  let offset = 0;
  const realNow = o.clock ?? Date.now;
  const clock = { now: () => realNow() / 1000 + offset };
  const hosts = specs.map((s) => new Host(s, clock));
  if (o.warmUp) {
    warmUp(clock);
    // Every host's machine and today's logs are built before the lab is ready (~0.5 ms and
    // ~25 KB each): a real fleet exists before anyone connects, and first contacts then cost
    // what later ones do.
    for (const h of hosts) {
      h.machine();
      h.writeLogs();
    }
  }
  const client = seededEd25519(o.seed, 'client', 'remediate-lab');
  const privateKeyPath = join(stateDir, 'id_ed25519');
  writeFileSync(privateKeyPath, client.private, { mode: 0o600 });
  writeFileSync(privateKeyPath + '.pub', client.public + '\n');
  const clientKey = utils.parseKey(client.public);
  if (clientKey instanceof Error) throw clientKey;
  const clientSSH = clientKey.getPublicSSH();
  const clientPub = createPublicKey(client.keyObject);
  const netServers: NetServer[] = [];
  const known: string[] = [];
  const sockets = new Set<Socket>();
  const hostKeyLine = (k: SeededKey) => k.public.split(' ').slice(0, 2).join(' ');

  const serve = async (h: Host): Promise<void> => {
    const f = h.spec.faults;
    const hostKey = seededEd25519(o.seed, `host:${h.spec.name}`);
    if (f.unreachable) {
      // known, but nothing listens there: connection refused
      if (!h.spec.port) h.spec.port = 9;
      known.push(`[${h.spec.address}]:${h.spec.port} ${hostKeyLine(hostKey)}`);
      return;
    }
    const presented = f.changedHostKey ? seededEd25519(o.seed, `host:${h.spec.name}:reinstalled`) : hostKey;
    const ssh = new Server({ hostKeys: [{ key: fastSigner(presented) as unknown as Buffer }], algorithms: LAB_ALGORITHMS, ident: h.d.family === 'rhel' ? 'OpenSSH_7.4' : 'OpenSSH_9.2p1 Debian-2+deb12u3' }, (conn) => {
      conn.on('authentication', (ctx) => {
        if (f.authFailure || ctx.username !== LAB_USER) return ctx.reject(['publickey']);
        if (ctx.method !== 'publickey') return ctx.reject(['publickey']);
        const k = ctx.key;
        if (k.algo !== clientKey.type || !k.data.equals(clientSSH)) return ctx.reject(['publickey']);
        if (ctx.signature && !cryptoVerify(null, ctx.blob!, clientPub, ctx.signature)) return ctx.reject(['publickey']);
        ctx.accept();
      });
      conn.on('error', () => undefined);
      conn.on('ready', () => {
        pooledPadding(conn);
        conn.on('session', (accept) => {
          const session = accept();
          let pty = false;
          session.on('pty', (ok) => { pty = true; ok?.(); });
          session.on('env', (ok) => ok?.());
          session.on('exec', (acceptExec, _reject, info) => handleExec(h, conn, acceptExec(), info.command, pty));
        });
      });
    });
    const net = createServer((sock) => {
      sockets.add(sock);
      // small packets (channel replies, exit status) must not wait for Nagle: 40 ms per command
      sock.setNoDelay(true);
      coalesceWrites(sock);
      sock.on('close', () => sockets.delete(sock));
      sock.on('error', () => undefined);
      if (f.slowHandshakeMs) { sock.pause(); setTimeout(() => { sock.resume(); ssh.injectSocket(sock); }, f.slowHandshakeMs); }
      else ssh.injectSocket(sock);
    });
    const port = await listen(net, basePort, h.spec.address);
    h.spec.port = port;
    netServers.push(net);
    known.push(`[${h.spec.address}]:${port} ${hostKeyLine(hostKey)}`);
  };
  try {
    // a few listens in flight at a time: thousands of hosts come up in about a second
    for (let i = 0; i < hosts.length; i += 64) await Promise.all(hosts.slice(i, i + 64).map(serve));
  } catch (e) {
    await Promise.all(netServers.map((s) => new Promise<void>((res) => s.close(() => res()))));
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE') throw new Error(`cannot listen on port ${basePort} of the lab's loopback addresses: already in use (is another lab running? \`remediate lab down\` stops it)`);
    throw e;
  }

  const knownHostsPath = join(stateDir, 'known_hosts');
  writeFileSync(knownHostsPath, known.join('\n') + '\n');
  const inventoryPath = o.inventoryPath;
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
          const imagickPkg = h.packages.get(h.d.imagickPkg) ?? '';
          const gomp = h.packages.get(h.d.gompPkg) ?? '';
          perHost.push({
            host: h.spec.name, distro: h.spec.distro, address: h.spec.address, port: h.spec.port, at_risk: t.atRisk, keys_in_use: t.keys, alive: t.alive,
            reloads: t.reloads, imagick: imagickPkg, libgomp: gomp,
            versions: { apache: h.d.apacheVersion, php: h.d.phpFull, imagick: h.imagickVersion(), imagick_package: imagickPkg, libgomp: gomp, imagemagick: h.d.magick.version, openmp: h.d.magick.openmp !== null },
            mutations: h.mutations, hash: so.hash ? h.hash() : undefined, faults: Object.keys(h.spec.faults),
          });
        }
      }
      return { hosts: hosts.length, profile: o.profile, seed: o.seed, days, byDistro, atRisk, crashed, keys: { min: alive ? kmin : 0, max: kmax, mean: alive ? Math.round(ksum / alive) : 0 }, perHost: so.perHost || so.hash ? perHost : undefined };
    },
    advance(n) {
      if (!Number.isInteger(n) || n < 0) throw new Error(`days must be a whole number >= 0, got ${n}`);
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

/**
 * Packets written in one go (ident and KEXINIT, ECDH reply and NEWKEYS, a command's answer) leave
 * in one writev: a syscall each was a visible share of the lab's CPU per connection. (The
 * product's transport does the same on its side; src/lab imports nothing from it.)
 */
function coalesceWrites(sock: Socket): void {
  const write = sock.write;
  let corked = false;
  const flush = () => {
    corked = false;
    sock.uncork();
  };
  sock.write = function (this: Socket, ...args: Parameters<Socket['write']>) {
    if (!corked && !sock.destroyed) {
      corked = true;
      sock.cork();
      queueMicrotask(flush);
    }
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as Socket['write'];
}

/**
 * The host key as ssh2 takes it, parsed once, signing with a KeyObject made once: ssh2 would
 * re-import the PEM for every handshake's signature (most of a connection's CPU in the lab).
 */
function fastSigner(k: SeededKey): ParsedKey {
  const parsed = utils.parseKey(k.private);
  if (parsed instanceof Error) throw parsed;
  Object.defineProperty(parsed, 'sign', {
    value: (data: Buffer) => {
      try {
        return cryptoSign(null, data, k.keyObject);
      } catch (e) {
        return e as Error;
      }
    },
  });
  return parsed;
}

/**
 * Without a pty the command runs once the client's EOF arrives: a real command reading stdin
 * blocks until it has every byte, and a client (the product's ssh transport) writes its input
 * only after the exec reply, possibly long after under load. A quiet timer once started the
 * command with whatever had arrived, so a late write ran `base64 -d > file` on empty input.
 * Clients that never send EOF (a terminal's ssh; a pty, as ansible's -tt) still get an answer
 * once their input has been quiet for a while.
 */
const QUIET_MS = { pty: 150, pipe: 2000 };

/** One exec request: run the command on the host model, stream the result back (faults applied). */
function handleExec(h: Host, conn: { end(): void }, stream: ServerChannel, command: string, pty: boolean): void {
  const f = h.spec.faults;
  const chunks: Buffer[] = [];
  const quiet = pty ? QUIET_MS.pty : QUIET_MS.pipe;
  let started = false;
  let timer: NodeJS.Timeout | undefined;
  const go = () => {
    if (started) return;
    started = true;
    clearTimeout(timer);
    const stdin = Buffer.concat(chunks).toString('latin1');
    const r = h.run(command, { user: LAB_USER, stdin });
    const finish = () => {
      // The client went away (killed mid-write: its channel ended before EOF): the command ran
      // with what had arrived, as under a real sshd; there is nobody left to answer.
      if (stream.destroyed || stream.writableEnded || stream.stderr.writableEnded) return;
      if (f.dropMidCommand || r.aborted) {
        // the connection goes away mid-output: no exit status
        stream.write(Buffer.from(r.stdout.slice(0, Math.floor(r.stdout.length / 2)), 'latin1'));
        setTimeout(() => conn.end(), 5);
        return;
      }
      // the answer's packets (data, exit status, EOF, close) leave in one write, not one each
      const sock = (conn as { _sock?: Socket })._sock;
      sock?.cork();
      if (r.stdout) stream.write(Buffer.from(r.stdout, 'latin1'));
      if (r.stderr) stream.stderr.write(Buffer.from(r.stderr, 'latin1'));
      stream.exit(r.exitCode);
      stream.end();
      if (sock) queueMicrotask(() => sock.uncork());
    };
    if (f.slowCommandMs) setTimeout(finish, f.slowCommandMs); else finish();
  };
  stream.on('data', (d: Buffer) => {
    chunks.push(d);
    // clients that never close stdin: run once input has been quiet for a moment
    clearTimeout(timer);
    timer = setTimeout(go, quiet);
  });
  stream.on('end', go);
  timer = setTimeout(go, quiet);
  stream.on('error', () => undefined);
  stream.stderr.on('error', () => undefined);
}

function writeInventory(path: string, hosts: Host[], knownHosts: string, key: string): void {
  mkdirSync(dirname(path), { recursive: true });
  // absolute: ansible and remediate both resolve these against their cwd, not the inventory
  const abs = (p: string) => resolve(p);
  const groups: Record<string, { hosts: Record<string, null> }> = {};
  const all: Record<string, { ansible_host: string; ansible_port: number }> = {};
  for (const h of hosts) {
    all[h.spec.name] = { ansible_host: h.spec.address, ansible_port: h.spec.port };
    (groups[h.spec.distro] ??= { hosts: {} }).hosts[h.spec.name] = null;
  }
  const inv = {
    all: {
      vars: { ansible_user: LAB_USER, ansible_ssh_private_key_file: abs(key), remediate_known_hosts_file: abs(knownHosts), remediate_host_key_policy: 'strict', ansible_ssh_common_args: `-o UserKnownHostsFile=${abs(knownHosts)} -o StrictHostKeyChecking=yes` },
      hosts: all,
      children: groups,
    },
  };
  writeFileSync(path, `# Written by remediate lab up: a simulated fleet on loopback. Regenerated on each start.\n${stringify(inv)}`);
}
