// The concrete transport of a run: each host goes to `local` or `ssh` by its connection var.
// ssh is created on first use so local-only runs never load ssh2 state.
import type { Io } from './io.js';
import { createLocalTransport } from '../transport/local.js';
import { createSshTransport } from '../transport/ssh/index.js';
import type { HostConn, Transport } from '../transport/types.js';

export interface TransportOptions {
  knownHostsFile?: string;
  hostKeyPolicy?: 'strict' | 'accept-new' | 'off';
  password?: string;
  identityPassphrase?: string;
  connectTimeoutMs?: number;
}

export function createTransport(io: Io, opts: TransportOptions): Transport {
  const local = createLocalTransport();
  let ssh: Transport | undefined;
  const sshT = () =>
    (ssh ??= createSshTransport({
      knownHostsFile: opts.knownHostsFile,
      hostKeyPolicy: opts.hostKeyPolicy,
      agentSocket: io.env.SSH_AUTH_SOCK,
      password: opts.password,
      identityPassphrase: opts.identityPassphrase,
      connectTimeoutMs: opts.connectTimeoutMs,
      homeDir: io.home,
      warn: (m: string) => io.err(`[WARNING]: ${m}\n`),
    }));
  const pick = (h: HostConn) => (h.connection === 'local' ? local : sshT());
  return {
    exec: (h, spec) => pick(h).exec(h, spec),
    close: (h) => pick(h).close(h),
    async closeAll() {
      await local.closeAll();
      await ssh?.closeAll();
    },
  };
}
