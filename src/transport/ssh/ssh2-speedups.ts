// Per-connection CPU matters with thousands of hosts (target: a few ms each). ssh2 costs that
// are avoidable without changing what a server sees, or with a change the protocol allows:
// - ssh2 re-imports the private key PEM for every signature (~0.4 ms with OpenSSL 3); our keys
//   are parsed once per run, so they get a KeyObject made once (withFastSigner).
// - It verifies the server's Ed25519 host-key signature through a PEM round trip too
//   (fastEd25519Verify).
// - It fills each packet's padding with a randomFillSync call of its own (pooledPadding).
// - It asks whether the server takes a key before signing with it (signPublickeyAtOnce).
// - OpenSSH announces its host keys after login (hostkeys-00, for UpdateHostKeys); ssh2 then
//   asks the server to prove each one and verifies the signatures: a round trip and several
//   signature checks per connection for a feature remediate does not use.
// - Packets written in one go leave in one writev (coalesceWrites).
import { createPrivateKey, createPublicKey, randomFillSync, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
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

type VerifyFn = (this: ParsedKey, data: Buffer, signature: Buffer, algo?: string) => boolean | Error;
const FAST_VERIFY = Symbol('remediate fast ed25519 verify');

/**
 * ssh2 checks the server's signature on the key exchange by handing OpenSSL the host key as a
 * PEM string, which OpenSSL 3 decodes through its provider machinery on every call: ~300 µs
 * here for an Ed25519 key, against ~140 µs importing the raw key as a JWK and verifying. ssh2
 * parses the host key inside its key exchange, so the only seam is the prototype its parsed
 * keys share. Same verdicts: other key types, and any blob not shaped like an Ed25519 key, keep
 * ssh2's own path.
 */
export function fastEd25519Verify(parseKey: (data: string | Buffer) => ParsedKey | Error): void {
  const sample = parseKey(ED25519_SAMPLE);
  if (sample instanceof Error) return;
  const proto = Object.getPrototypeOf(sample) as { verify?: VerifyFn; [FAST_VERIFY]?: true };
  const original = proto.verify;
  if (proto[FAST_VERIFY] || typeof original !== 'function') return;
  Object.defineProperty(proto, FAST_VERIFY, { value: true });
  proto.verify = function (this: ParsedKey, data, signature, algo) {
    const blob = this.type === 'ssh-ed25519' ? this.getPublicSSH() : undefined;
    // string "ssh-ed25519" (4 + 11 bytes), then string key (4 + 32 bytes)
    if (!blob || blob.length !== 51 || blob.readUInt32BE(15) !== 32) return original.call(this, data, signature, algo);
    try {
      const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: blob.subarray(19).toString('base64url') }, format: 'jwk' });
      return cryptoVerify(null, data, key, signature);
    } catch (err) {
      return err as Error;
    }
  };
}

/** Any Ed25519 public key: only its parsed form's prototype is used. */
const ED25519_SAMPLE = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';

/** ssh2's packet shapes for the AEAD ciphers it runs through its native binding. */
const PADDED_CIPHERS: Record<string, { block: number; tag: number }> = {
  AESGCMCipherBinding: { block: 16, tag: 16 },
  ChaChaPolyCipherBinding: { block: 8, tag: 16 },
};
const POOLED = Symbol('remediate pooled padding');
export const ORIGINAL_ALLOC = Symbol('ssh2 allocPacket');

/** Random bytes handed out once each, refilled from the CSPRNG when spent. */
export class RandomPool {
  private readonly buf: Buffer;
  private pos: number;
  constructor(size = 4096) {
    this.buf = Buffer.allocUnsafe(size);
    this.pos = size;
  }
  fill(dst: Uint8Array, off: number, len: number): void {
    if (len > this.buf.length) {
      randomFillSync(dst, off, len);
      return;
    }
    if (this.pos + len > this.buf.length) {
      randomFillSync(this.buf);
      this.pos = 0;
    }
    this.buf.copy(dst, off, this.pos, this.pos + len);
    this.pos += len;
  }
}

// Module-wide like the patched prototype it serves: every connection's packets draw from it.
const PADDING_POOL = new RandomPool();

/**
 * ssh2 fills every packet's padding (4-19 bytes) with a randomFillSync call of its own: ~5 µs of
 * call overhead each, ~15 packets per connection, ~3 % of the controller's CPU in a 3000-host
 * check. Once a connection is up, its cipher's class allocates packets the same way but takes
 * the padding from a pool of the same CSPRNG's output. Same packet layout, same randomness.
 * Classes not in the table (ssh2's pure-JS fallbacks) keep their own path.
 */
export function pooledPadding(client: Client): void {
  const cipher = (client as unknown as { _protocol?: { _cipher?: object } })._protocol?._cipher;
  const proto = cipher && (Object.getPrototypeOf(cipher) as Record<PropertyKey, unknown>);
  if (!proto || proto[POOLED]) return;
  const shape = PADDED_CIPHERS[(proto.constructor as { name?: string } | undefined)?.name ?? ''];
  if (!shape || typeof proto.allocPacket !== 'function') return;
  const { block, tag } = shape;
  Object.defineProperty(proto, POOLED, { value: true });
  Object.defineProperty(proto, ORIGINAL_ALLOC, { value: proto.allocPacket });
  proto.allocPacket = function (payloadLen: number): Buffer {
    let pktLen = 4 + 1 + payloadLen;
    let padLen = block - ((pktLen - 4) & (block - 1));
    if (padLen < 4) padLen += block;
    pktLen += padLen;
    const packet = Buffer.allocUnsafe(pktLen + tag);
    packet.writeUInt32BE(pktLen - 4, 0);
    packet[4] = padLen;
    PADDING_POOL.fill(packet, 5 + payloadLen, padLen);
    return packet;
  };
}

type AuthPK = (username: string, key: ParsedKey, keyAlgo?: string, cbSign?: (buf: Buffer, cb: (sig: Buffer) => void) => void) => void;
const SIGN_HASH: Record<string, string> = { 'rsa-sha2-256': 'sha256', 'rsa-sha2-512': 'sha512', 'ssh-rsa': 'sha1' };
/** Key types whose signatures ssh2 sends as signed (ECDSA's are re-encoded, and keep the query). */
const PASS_THROUGH = new Set(['ssh-ed25519', 'ssh-rsa']);

/**
 * ssh2 offers a key file's public key first and signs only once the server answers PK_OK: a
 * round trip per connection (over a WAN, a quarter of a connection's set-up time). RFC 4252 §7
 * lets the client send the signed request at once, and OpenSSH accepts it; a key the server
 * refuses costs one signature instead of one round trip. Agent keys (no private half here) keep
 * the query, so an agent is asked to sign only for a key the server takes; so do ECDSA keys.
 */
export function signPublickeyAtOnce(client: Client): void {
  const proto = (client as unknown as { _protocol?: { authPK?: AuthPK } })._protocol;
  const authPK = proto?.authPK;
  if (!proto || typeof authPK !== 'function') return;
  proto.authPK = function (this: unknown, username, key, keyAlgo, cbSign) {
    const algo = typeof keyAlgo === 'string' ? keyAlgo : undefined;
    const atOnce = !cbSign && typeof keyAlgo !== 'function' && typeof key?.isPrivateKey === 'function' && key.isPrivateKey() && PASS_THROUGH.has(key.type);
    if (!atOnce) {
      return authPK.call(this, username, key, keyAlgo, cbSign);
    }
    const hash = algo ? SIGN_HASH[algo] : undefined;
    return authPK.call(this, username, key, keyAlgo, (buf, cb) => {
      const sig = key.sign(buf, hash);
      // A key that cannot sign: fail the request with an empty signature (ssh2 hands Ed25519
      // and RSA signatures over unconverted); the server answers FAILURE and ssh2 moves on.
      cb(sig instanceof Error ? Buffer.alloc(0) : sig);
    });
  };
}
