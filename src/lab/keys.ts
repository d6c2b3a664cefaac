// SSH keys derived from the lab's seed: the same seed gives the same host keys, the same client
// key and so the same known_hosts file, across restarts and machines. Ed25519 keys are a 32-byte
// seed; ours is SHA-256 of the lab seed and a label, wrapped in PKCS#8 for node:crypto and
// written in OpenSSH's own private key format (what ssh2 and the OpenSSH client read).
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';

export interface SeededKey {
  /** The private key for node:crypto (signing without re-parsing a PEM each time). */
  keyObject: KeyObject;
  /** -----BEGIN OPENSSH PRIVATE KEY----- … (unencrypted). */
  private: string;
  /** `ssh-ed25519 AAAA… comment` (an authorized_keys / known_hosts key). */
  public: string;
  /** The 32-byte public key. */
  raw: Buffer;
}

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

function sshString(b: Buffer | string): Buffer {
  const data = typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  return Buffer.concat([len, data]);
}

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

/** An Ed25519 key determined by (lab seed, label), e.g. label `host:web-0001` or `client`. */
export function seededEd25519(seed: number | string, label: string, comment = `remediate-lab ${label}`): SeededKey {
  const secret = createHash('sha256').update(`remediate-lab\0${seed}\0${label}`).digest();
  const priv = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, secret]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(priv).export({ format: 'der', type: 'spki' });
  const raw = spki.subarray(spki.length - 32);
  const pubBlob = Buffer.concat([sshString('ssh-ed25519'), sshString(raw)]);
  const check = secret.readUInt32BE(0) ^ 0x5eed1ab5;
  let body = Buffer.concat([
    uint32(check), uint32(check),
    sshString('ssh-ed25519'), sshString(raw), sshString(Buffer.concat([secret, raw])), sshString(comment),
  ]);
  const pad = (8 - (body.length % 8)) % 8;
  body = Buffer.concat([body, Buffer.from(Array.from({ length: pad }, (_, i) => i + 1))]);
  const blob = Buffer.concat([
    Buffer.from('openssh-key-v1\0', 'latin1'),
    sshString('none'), sshString('none'), sshString(''), uint32(1), sshString(pubBlob), sshString(body),
  ]);
  const b64 = blob.toString('base64').replace(/.{1,70}/g, '$&\n');
  return {
    keyObject: priv,
    private: `-----BEGIN OPENSSH PRIVATE KEY-----\n${b64}-----END OPENSSH PRIVATE KEY-----\n`,
    public: `ssh-ed25519 ${pubBlob.toString('base64')} ${comment}`,
    raw: Buffer.from(raw),
  };
}
