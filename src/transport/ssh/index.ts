// The SSH transport (the only importer of ssh2, through this folder): one reused connection per
// host, channels capped at MaxSessions, known_hosts verification, ~/.ssh/config, bastion pools,
// connect retries for transient errors only. Every failure is a value.
import { userInfo } from 'node:os';
import ssh2, { type Client } from 'ssh2';
import type { CommandSpec, ExecOutcome, HostConn, Transport } from '../types.js';
import { KeyCache } from './auth.js';
import { connectOnce, dialTcp, isFailure, withRetries, type ConnectDeps, type ConnectFailure, type ConnectSettings, type Dial } from './connect.js';
import { HostConnection } from './host-connection.js';
import { JumpPool } from './jump-pool.js';
import { KnownHostsFile } from './known-hosts.js';
import { loadSshConfig, type SshConfigLookup, type SshConfigProblem } from './ssh-config.js';
import { fastEd25519Verify } from './ssh2-speedups.js';
import { endpointLabel, resolveTarget, type Endpoint, type Target } from './target.js';

export interface SshTransportOptions {
  /** Replaces ~/.ssh/known_hosts (--known-hosts); a host's knownHostsFile wins over it. */
  knownHostsFile?: string;
  hostKeyPolicy?: 'strict' | 'accept-new' | 'off';
  /** Default <homeDir>/.ssh/config; a missing file is an empty config. */
  sshConfigPath?: string;
  /** SSH_AUTH_SOCK, passed in by the CLI. */
  agentSocket?: string;
  /** Passphrase for encrypted private keys (from a prompt or the env var the user named). */
  identityPassphrase?: string;
  /** Password auth, only when the user asked for it. */
  password?: string;
  connectTimeoutMs?: number;
  /** Channels per connection when the host sets none (sshd MaxSessions; default 10). */
  maxSessionsDefault?: number;
  /** Per stream, when a CommandSpec sets none (default 1 MiB). */
  maxOutputBytes?: number;
  /** Retries after a transient connect failure (default 2) and the backoff base (default 250 ms). */
  connectRetries?: number;
  retryBaseMs?: number;
  /** Tunnels per bastion connection (default 10) and bastion connections per jump host (default 8). */
  jumpTunnelsPerConnection?: number;
  jumpPoolSize?: number;
  /** Remote user when neither inventory nor ssh config names one (default: the local user). */
  localUser?: string;
  warn(msg: string): void;
  homeDir: string;
}

export interface SshTransport extends Transport {
  /** Bastion pools' per-connection tunnel counts, keyed by jump chain (diagnostics, tests). */
  jumpLoads(): Record<string, number[]>;
}

function defaultLocalUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'root';
  }
}

export function createSshTransport(opts: SshTransportOptions): SshTransport {
  fastEd25519Verify(ssh2.utils.parseKey);
  const configProblems: SshConfigProblem[] = [];
  let config: SshConfigLookup;
  try {
    config = loadSshConfig(opts.sshConfigPath ?? `${opts.homeDir}/.ssh/config`, opts.homeDir, configProblems);
  } catch (err) {
    opts.warn(`ignoring ssh config: ${(err as Error).message}`);
    config = () => ({});
  }
  for (const p of configProblems) opts.warn(`${p.file}:${p.line}: ${p.message}`);

  const knownFiles = new Map<string, KnownHostsFile>();
  let warnedOff = false;
  const deps: ConnectDeps = {
    keys: new KeyCache(opts.identityPassphrase),
    knownHosts(path) {
      let f = knownFiles.get(path);
      if (!f) knownFiles.set(path, (f = new KnownHostsFile(path)));
      return f;
    },
    agentSocket: opts.agentSocket,
    password: opts.password,
    defaultKeyFiles: new Set(['id_ed25519', 'id_ecdsa', 'id_rsa'].map((k) => `${opts.homeDir}/.ssh/${k}`)),
    warn: dedupe(opts.warn),
    warnHostKeyOff(label) {
      if (warnedOff) return;
      warnedOff = true;
      opts.warn(`WARNING: host key checking is OFF (first unchecked host: ${label}); connections can be intercepted. Use --host-key-policy strict or accept-new.`);
    },
  };
  const retries = opts.connectRetries ?? 2;
  const retryBaseMs = opts.retryBaseMs ?? 250;
  const defaults = {
    homeDir: opts.homeDir,
    localUser: opts.localUser ?? defaultLocalUser(),
    knownHostsFile: opts.knownHostsFile,
    hostKeyPolicy: opts.hostKeyPolicy,
    connectTimeoutMs: opts.connectTimeoutMs,
    maxSessionsDefault: opts.maxSessionsDefault,
  };

  const conns = new Map<string, HostConnection>();
  const pools = new Map<string, JumpPool>();

  const settingsOf = (t: Target): ConnectSettings => ({
    connectTimeoutMs: t.connectTimeoutMs,
    keepaliveIntervalMs: t.keepaliveIntervalMs,
    keepaliveCountMax: t.keepaliveCountMax,
    knownHostsFile: t.knownHostsFile,
    hostKeyPolicy: t.hostKeyPolicy,
  });

  const openVia = (ep: Endpoint, jumps: Endpoint[], s: ConnectSettings): Promise<Client | ConnectFailure> =>
    withRetries(() => connectOnce(ep, s, dialVia(jumps, ep, s), deps), retries, retryBaseMs).then((r) => (isFailure(r) ? r : r.client));

  function dialVia(jumps: Endpoint[], dest: Endpoint, s: ConnectSettings): Dial {
    if (jumps.length === 0) return dialTcp(dest.address, dest.port);
    return (timeoutMs) => poolFor(jumps, s).forward(dest.address, dest.port, timeoutMs);
  }

  function poolFor(jumps: Endpoint[], s: ConnectSettings): JumpPool {
    const key = jumps.map(endpointLabel).join(',');
    let pool = pools.get(key);
    if (!pool) {
      const last = jumps[jumps.length - 1]!;
      pool = new JumpPool(key, () => openVia(last, jumps.slice(0, -1), s), opts.jumpTunnelsPerConnection ?? 10, opts.jumpPoolSize ?? 8);
      pools.set(key, pool);
    }
    return pool;
  }

  const keyOf = (t: Target) => `${t.name}\0${endpointLabel(t)}\0${t.jumps.map(endpointLabel).join(',')}`;

  return {
    async exec(host: HostConn, spec: CommandSpec): Promise<ExecOutcome> {
      try {
        const target = resolveTarget(host, config, defaults);
        const key = keyOf(target);
        let conn = conns.get(key);
        if (!conn) {
          conn = new HostConnection(target, () => openVia(target, target.jumps, settingsOf(target)));
          conns.set(key, conn);
        }
        const s = spec.maxOutputBytes === undefined && opts.maxOutputBytes !== undefined ? { ...spec, maxOutputBytes: opts.maxOutputBytes } : spec;
        return await conn.exec(s);
      } catch (err) {
        // Nothing past this point may throw at the executor: a host's failure is a value.
        return { kind: 'unreachable', reason: `${host.name}: ${(err as Error).message}`, permanent: true };
      }
    },

    async close(host: HostConn): Promise<void> {
      const closing: Promise<void>[] = [];
      for (const [key, conn] of conns) {
        if (conn.target.name !== host.name) continue;
        conns.delete(key);
        closing.push(conn.close());
      }
      await Promise.all(closing);
    },

    async closeAll(): Promise<void> {
      const all = [...conns.values()];
      conns.clear();
      await Promise.all(all.map((c) => c.close()));
      for (const p of pools.values()) p.closeAll();
      pools.clear();
    },

    jumpLoads() {
      return Object.fromEntries([...pools].map(([k, p]) => [k, p.loads()]));
    },
  };
}

/** The same warning (e.g. an unusable key) once, not once per host of a fleet. */
function dedupe(warn: (msg: string) => void): (msg: string) => void {
  const seen = new Set<string>();
  return (msg) => {
    if (seen.has(msg)) return;
    seen.add(msg);
    warn(msg);
  };
}
