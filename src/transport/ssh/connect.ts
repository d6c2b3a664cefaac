// Opening one authenticated SSH connection: TCP (TCP_NODELAY) or a tunnel through a bastion,
// host key verified against known_hosts under the chosen policy, credentials offered without
// the `none` probe. Every failure comes back as a value saying whether retrying can help:
// auth failures and host-key problems never can.
import { connect as tcpConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
// ssh2 is CommonJS: its named exports are not visible to ESM, so take them off the default.
import ssh2, { type Client, type ConnectConfig } from 'ssh2';
import { authHandlerFor, planAuth, type KeyCache } from './auth.js';
import { checkHostKey, fingerprint, hostToken, keyTypeOf, knownKeyTypes, type KnownHostsFile } from './known-hosts.js';
import { coalesceWrites, ignoreHostKeyAnnouncements, pooledPadding, signPublickeyAtOnce } from './ssh2-speedups.js';
import { endpointLabel, type Endpoint } from './target.js';

export interface ConnectSettings {
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
  knownHostsFile: string;
  hostKeyPolicy: 'strict' | 'accept-new' | 'off';
}

export interface ConnectDeps {
  keys: KeyCache;
  knownHosts(path: string): KnownHostsFile;
  agentSocket?: string;
  password?: string;
  defaultKeyFiles: ReadonlySet<string>;
  warn(msg: string): void;
  /** Called once per transport the first time a host key goes unchecked. */
  warnHostKeyOff(label: string): void;
}

export interface ConnectFailure {
  kind: 'unreachable';
  reason: string;
  permanent: boolean;
}

export type Dial = (timeoutMs: number) => Promise<Duplex | ConnectFailure>;

const TRANSIENT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENETDOWN', 'EHOSTDOWN']);

export function failure(reason: string, permanent: boolean): ConnectFailure {
  return { kind: 'unreachable', reason, permanent };
}

export function isFailure(v: unknown): v is ConnectFailure {
  return typeof v === 'object' && v !== null && (v as ConnectFailure).kind === 'unreachable';
}

/** A direct TCP connection with TCP_NODELAY, failing after timeoutMs. */
export function dialTcp(address: string, port: number): Dial {
  return (timeoutMs) =>
    new Promise((resolve) => {
      let sock: Socket;
      const timer = setTimeout(() => {
        sock.destroy();
        resolve(failure(`TCP connect to ${address}:${port} timed out after ${timeoutMs} ms`, false));
      }, timeoutMs);
      sock = tcpConnect({ host: address, port, noDelay: true });
      sock.once('connect', () => {
        clearTimeout(timer);
        sock.removeAllListeners('error');
        resolve(sock);
      });
      sock.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        sock.destroy();
        const code = err.code ?? '';
        resolve(failure(`TCP connect to ${address}:${port} failed: ${err.message}`, !TRANSIENT_CODES.has(code)));
      });
    });
}

/**
 * Open and authenticate one connection to `ep` over the stream `dial` gives. On success the
 * client carries a permanent 'error' listener (an unhandled ssh2 'error' would crash the
 * controller); its last error is kept on `lastError`.
 */
export async function connectOnce(ep: Endpoint, s: ConnectSettings, dial: Dial, deps: ConnectDeps): Promise<{ client: Client; lastError(): Error | undefined } | ConnectFailure> {
  const label = endpointLabel(ep);
  const started = Date.now();
  const known = deps.knownHosts(s.knownHostsFile);
  let entries;
  try {
    entries = await known.entries();
  } catch (err) {
    return failure(`${label}: cannot read known_hosts ${s.knownHostsFile}: ${(err as Error).message}`, true);
  }
  const plan = await planAuth(ep, deps.keys, deps.agentSocket, deps.password, deps.defaultKeyFiles);
  for (const p of plan.keyProblems) deps.warn(p);
  if (plan.methods.length === 0) {
    const why = plan.keyProblems.length ? plan.keyProblems.join('; ') : 'no ssh-agent (SSH_AUTH_SOCK), no key file found, no password given';
    return failure(`${label}: no usable credentials: ${why}`, true);
  }

  const sock = await dial(s.connectTimeoutMs);
  if (isFailure(sock)) return failure(`${label}: ${sock.reason}`, sock.permanent);
  const remaining = Math.max(1000, s.connectTimeoutMs - (Date.now() - started));

  return new Promise((resolve) => {
    const client = new ssh2.Client();
    let hostKeyProblem: string | undefined;
    let lastError: Error | undefined;
    let settled = false;
    const settle = (v: { client: Client; lastError(): Error | undefined } | ConnectFailure) => {
      if (settled) return;
      settled = true;
      if (isFailure(v)) {
        client.removeAllListeners('ready');
        client.destroy();
        sock.destroy();
      }
      resolve(v);
    };

    const authNotes: string[] = [];
    client.on('error', (err: Error & { level?: string; code?: string }) => {
      lastError = err;
      if (settled) return;
      if (hostKeyProblem) return settle(failure(`${label}: ${hostKeyProblem}`, true));
      // An unusable agent or a key that fails to sign: ssh2 goes on with the next method.
      if (err.level === 'agent' || (err.level === 'client-authentication' && !/All configured authentication methods failed/.test(err.message))) {
        authNotes.push(`${err.level === 'agent' ? 'agent' : 'key'}: ${err.message}`);
        return;
      }
      if (err.level === 'client-authentication') {
        const notes = authNotes.length ? `; ${authNotes.join('; ')}` : '';
        return settle(failure(`${label}: authentication failed (tried ${plan.described.join(', ') || 'nothing'})${notes}`, true));
      }
      if (err.level === 'client-timeout')
        return settle(failure(`${label}: timed out after ${s.connectTimeoutMs} ms during SSH handshake`, false));
      if (err.level === 'handshake' || err.level === 'protocol')
        return settle(failure(`${label}: SSH handshake failed: ${err.message}`, /no matching|unsupported/i.test(err.message)));
      settle(failure(`${label}: ${err.message}`, false));
    });
    client.once('close', () => settle(failure(`${label}: connection closed by the server before login (overloaded sshd or MaxStartups?)`, false)));
    client.once('ready', () => {
      pooledPadding(client);
      settle({ client, lastError: () => lastError });
    });

    const hostVerifier = (blob: Buffer, verify: (ok: boolean) => void) => {
      const offered = `${keyTypeOf(blob)} ${fingerprint(blob)}`;
      if (s.hostKeyPolicy === 'off') {
        deps.warnHostKeyOff(label);
        return verify(true);
      }
      const v = checkHostKey(entries, ep.address, ep.port, blob);
      const where = hostToken(ep.address, ep.port);
      switch (v.status) {
        case 'match':
          return verify(true);
        case 'revoked':
          hostKeyProblem = `host key ${offered} of ${where} is marked @revoked in ${s.knownHostsFile}:${v.line}; refusing to connect`;
          return verify(false);
        case 'changed':
          hostKeyProblem = `HOST KEY CHANGED for ${where}: the server offered ${offered} but ${s.knownHostsFile}:${v.line} holds a different ${v.knownType} key. Refusing to connect (possible man-in-the-middle); if the change is expected, remove that line (ssh-keygen -R '${where}' -f ${s.knownHostsFile})`;
          return verify(false);
        case 'unknown':
          if (s.hostKeyPolicy === 'strict') {
            hostKeyProblem = `host key of ${where} is not in ${s.knownHostsFile} (policy strict; offered ${offered}). Add it (ssh-keyscan -p ${ep.port} ${ep.address} >> ${s.knownHostsFile}) after checking it, or use --host-key-policy accept-new`;
            return verify(false);
          }
          known.record(ep.address, ep.port, blob).then(
            () => verify(true),
            (err: Error) => {
              hostKeyProblem = `cannot record the new host key of ${where} in ${s.knownHostsFile}: ${err.message}`;
              verify(false);
            },
          );
      }
    };

    // Ask for host key types already known for this host first, as OpenSSH does.
    const knownTypes = s.hostKeyPolicy === 'off' ? [] : knownKeyTypes(entries, ep.address, ep.port);
    const prefer = knownTypes.flatMap((t) => (t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t]));
    const config: ConnectConfig = {
      sock: coalesceWrites(sock) as ConnectConfig['sock'],
      username: ep.user,
      authHandler: authHandlerFor(plan.methods),
      hostVerifier: hostVerifier as ConnectConfig['hostVerifier'],
      readyTimeout: remaining,
      keepaliveInterval: s.keepaliveIntervalMs,
      keepaliveCountMax: s.keepaliveCountMax,
    };
    if (prefer.length) config.algorithms = { serverHostKey: { prepend: prefer, append: [], remove: [] } as never };
    try {
      client.connect(config);
      ignoreHostKeyAnnouncements(client);
      signPublickeyAtOnce(client);
    } catch (err) {
      settle(failure(`${label}: ${(err as Error).message}`, true));
    }
  });
}

/** Jittered exponential backoff (full jitter): attempt 0 waits up to base, then 2x, 4x... */
export function backoffMs(attempt: number, baseMs: number, random: () => number): number {
  return Math.round(random() * baseMs * 2 ** attempt);
}

/** Retry transient failures only; permanent ones (auth, host key) return at once. */
export async function withRetries<T>(
  attemptFn: () => Promise<T | ConnectFailure>,
  retries: number,
  baseMs: number,
  random: () => number = Math.random,
): Promise<T | ConnectFailure> {
  let last: T | ConnectFailure = failure('not attempted', false);
  for (let attempt = 0; attempt <= retries; attempt++) {
    last = await attemptFn();
    if (!isFailure(last) || last.permanent) return last;
    if (attempt < retries) await new Promise((r) => setTimeout(r, backoffMs(attempt, baseMs, random)));
  }
  if (isFailure(last) && retries > 0) return failure(`${last.reason} (after ${retries + 1} attempts)`, false);
  return last;
}
