// Per-connection CPU matters with thousands of hosts (target: a few ms each). Two ssh2 costs
// are avoidable without changing what goes over the wire:
// - ssh2 re-imports the private key PEM for every signature (~0.4 ms with OpenSSL 3); our keys
//   are parsed once per run, so they get a KeyObject made once.
// - OpenSSH announces its host keys after login (hostkeys-00, for UpdateHostKeys); ssh2 then
//   asks the server to prove each one and verifies the signatures: a round trip and several
//   signature checks per connection for a feature remediate does not use.
import { createPrivateKey, sign as cryptoSign, type KeyObject } from 'node:crypto';
import type { Client, ParsedKey } from 'ssh2';

/** The hash ssh2 uses when a signer is given none (what ssh2 stores per key type). */
function defaultHash(key: ParsedKey): string | null {
  const sym = Object.getOwnPropertySymbols(key).find((s) => s.description === 'Hash Algorithm');
  if (sym) return (key as unknown as Record<symbol, string | null>)[sym] ?? null;
  if (key.type === 'ssh-ed25519') return null;
  if (key.type.endsWith('nistp384')) return 'sha384';
  if (key.type.endsWith('nistp521')) return 'sha512';
  if (key.type.endsWith('nistp256')) return 'sha256';
  return 'sha1';
}

/** Give one of our private keys a signer that reuses one KeyObject. Output is byte-identical. */
export function withFastSigner(key: ParsedKey): ParsedKey {
  const pem = key.getPrivatePEM();
  if (!pem) return key;
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey(pem);
  } catch {
    return key; // keep ssh2's own path
  }
  const hash = defaultHash(key);
  Object.defineProperty(key, 'sign', {
    value: (data: Buffer, algo?: string) => {
      try {
        return cryptoSign(algo || hash, data, keyObject);
      } catch (err) {
        return err as Error;
      }
    },
  });
  return key;
}

type Handlers = { GLOBAL_REQUEST?: (p: unknown, name: string, wantReply: boolean, data: unknown) => void };

/** Drop OpenSSH's hostkeys-00 announcement instead of proving every key it lists. */
export function ignoreHostKeyAnnouncements(client: Client): void {
  const proto = (client as unknown as { _protocol?: { _handlers?: Handlers; requestSuccess?(): void } })._protocol;
  const handlers = proto?._handlers;
  const original = handlers?.GLOBAL_REQUEST;
  if (!handlers || typeof original !== 'function') return;
  handlers.GLOBAL_REQUEST = (p, name, wantReply, data) => {
    if (name !== 'hostkeys-00@openssh.com') return original(p, name, wantReply, data);
    if (wantReply) proto!.requestSuccess?.();
  };
}

/**
 * Packets ssh2 writes in one go (NEWKEYS and the service request, an exec request and its EOF,
 * close and disconnect) leave in one writev instead of a syscall each: about a quarter fewer
 * writes per connection here, and as many fewer reads for the server.
 */
export function coalesceWrites<T extends { write: (...a: any[]) => boolean; cork(): void; uncork(): void; destroyed: boolean }>(sock: T): T {
  const write = sock.write;
  let corked = false;
  const flush = () => {
    corked = false;
    sock.uncork();
  };
  sock.write = function (this: T, ...args: any[]) {
    if (!corked && !sock.destroyed) {
      corked = true;
      sock.cork();
      queueMicrotask(flush);
    }
    return write.apply(this, args);
  };
  return sock;
}
