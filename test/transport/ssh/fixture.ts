// Shared bits for the tests that talk to the real sshd of test/helpers/sshd.ts.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSshTransport, type SshTransportOptions } from '../../../src/transport/ssh/index.js';
import type { HostConn } from '../../../src/transport/types.js';
import type { Sshd } from '../../helpers/sshd.js';

/** 127.0.1.n: every alias reaches the same sshd but counts as its own host. */
export const alias = (n: number) => `127.0.${1 + Math.floor((n - 1) / 250)}.${((n - 1) % 250) + 1}`;

export function host(sshd: Sshd, address: string, extra: Partial<HostConn> = {}): HostConn {
  return { name: `h-${address}`, address, port: sshd.port, user: sshd.user, connection: 'ssh', privateKeyFile: sshd.keyFile, ...extra };
}

/** A known_hosts file trusting this sshd at the given addresses. */
export function knownHosts(sshd: Sshd, addresses: string[], dir = mkdtempSync(join(tmpdir(), 'rmd-kh-'))): string {
  const file = join(dir, 'known_hosts');
  writeFileSync(file, addresses.map((a) => sshd.knownHostsLine(a) + '\n').join(''));
  return file;
}

/** A transport with an empty home (no default keys, no ssh config) and warnings collected. */
export function transport(sshd: Sshd, opts: Partial<SshTransportOptions> = {}) {
  const warnings: string[] = [];
  const home = mkdtempSync(join(tmpdir(), 'rmd-home-'));
  const t = createSshTransport({ homeDir: home, warn: (m) => warnings.push(m), connectRetries: 2, retryBaseMs: 50, ...opts });
  return { t, warnings, home };
}

export function ok(t: { is(a: unknown, b: unknown, msg?: string): void }, r: { kind: string; reason?: string; exitCode?: number | null; stderr?: string }, msg = '') {
  t.is(r.kind === 'exit' ? `exit ${r.exitCode}${r.exitCode ? ': ' + r.stderr : ''}` : `unreachable: ${r.reason}`, 'exit 0', msg);
}
