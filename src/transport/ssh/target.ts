// Where and how to connect for one host: inventory values merged over ~/.ssh/config values
// (inventory wins), plus the bastion chain. Pure: no I/O beyond the config lookup given.
import type { HostConn } from '../types.js';
import type { SshConfigLookup } from './ssh-config.js';

export interface Endpoint {
  address: string;
  port: number;
  user: string;
  /** Key files to offer, in order; explicit ones first. */
  identityFiles: string[];
  /** True when the key came from the inventory (offered before agent keys). */
  explicitKey: boolean;
}

export interface Target extends Endpoint {
  name: string;
  /** Bastions, outermost first. */
  jumps: Endpoint[];
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
  maxSessions: number;
  knownHostsFile: string;
  hostKeyPolicy: 'strict' | 'accept-new' | 'off';
}

export interface TargetDefaults {
  homeDir: string;
  localUser: string;
  knownHostsFile?: string;
  hostKeyPolicy?: 'strict' | 'accept-new' | 'off';
  connectTimeoutMs?: number;
  maxSessionsDefault?: number;
}

const DEFAULT_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

/** `[user@]host[:port]` or `[user@][v6addr]:port`, as in ProxyJump. */
export function parseJumpHop(spec: string): { user?: string; host: string; port?: number } {
  let rest = spec.trim();
  let user: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
  }
  let port: number | undefined;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (v6) return { user, host: v6[1]!, port: v6[2] ? Number(v6[2]) : undefined };
  const m = /^([^:]+):(\d+)$/.exec(rest);
  if (m) {
    rest = m[1]!;
    port = Number(m[2]);
  }
  if (rest === '') throw new Error(`invalid ProxyJump host ${JSON.stringify(spec)}: expected [user@]host[:port]`);
  return { user, host: rest, port };
}

function defaultKeys(homeDir: string): string[] {
  return DEFAULT_KEYS.map((k) => `${homeDir}/.ssh/${k}`);
}

function jumpEndpoint(spec: string, config: SshConfigLookup, d: TargetDefaults): Endpoint {
  const hop = parseJumpHop(spec);
  const c = config(hop.host);
  return {
    address: c.hostName ?? hop.host,
    port: hop.port ?? c.port ?? 22,
    user: hop.user ?? c.user ?? d.localUser,
    identityFiles: c.identityFiles ?? defaultKeys(d.homeDir),
    explicitKey: false,
  };
}

export function resolveTarget(host: HostConn, config: SshConfigLookup, d: TargetDefaults): Target {
  const set = host.inventorySet ?? {
    address: host.address !== host.name,
    port: host.port !== 22,
    user: host.user !== undefined,
  };
  // Host patterns match the name ssh is given: the inventory address (ansible_host or name).
  const c = config(host.address);
  const address = set.address ? host.address : (c.hostName ?? host.address);
  const port = set.port ? host.port : (c.port ?? host.port);
  const user = (set.user ? host.user : undefined) ?? c.user ?? host.user ?? d.localUser;
  const identityFiles = host.privateKeyFile
    ? [host.privateKeyFile, ...(c.identityFiles ?? [])]
    : (c.identityFiles ?? defaultKeys(d.homeDir));
  const jumpSpec = host.proxyJump ?? c.proxyJump;
  const jumps = jumpSpec ? jumpSpec.split(',').filter((s) => s.trim() !== '').map((s) => jumpEndpoint(s, config, d)) : [];
  return {
    name: host.name,
    address,
    port,
    user,
    identityFiles: [...new Set(identityFiles)],
    explicitKey: host.privateKeyFile !== undefined,
    jumps,
    connectTimeoutMs: host.connectTimeoutMs ?? c.connectTimeoutMs ?? d.connectTimeoutMs ?? 10_000,
    keepaliveIntervalMs: host.keepaliveIntervalMs ?? c.serverAliveIntervalMs ?? 15_000,
    keepaliveCountMax: c.serverAliveCountMax ?? 3,
    maxSessions: host.maxSessions ?? d.maxSessionsDefault ?? 10,
    knownHostsFile: host.knownHostsFile ?? d.knownHostsFile ?? `${d.homeDir}/.ssh/known_hosts`,
    hostKeyPolicy: host.hostKeyPolicy ?? d.hostKeyPolicy ?? 'strict',
  };
}

export function endpointLabel(e: { user: string; address: string; port: number }): string {
  const host = e.address.includes(':') ? `[${e.address}]` : e.address;
  return `${e.user}@${host}:${e.port}`;
}
