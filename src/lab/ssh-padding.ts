// The lab sends ~15 packets per connection and ssh2 fills each one's padding with its own
// randomFillSync call (~2 % of the lab's CPU in a 3000-host check). Once a connection is up, its
// cipher's class takes the padding from a pool of the same CSPRNG's output instead. The product's
// transport does the same on its side (src/lab imports nothing from it).
import { randomFillSync } from 'node:crypto';

/** ssh2's packet shapes for the AEAD ciphers it runs through its native binding. */
const SHAPES: Record<string, { block: number; tag: number }> = {
  AESGCMCipherBinding: { block: 16, tag: 16 },
  ChaChaPolyCipherBinding: { block: 8, tag: 16 },
};
const POOLED = Symbol('lab pooled padding');
export const ORIGINAL_ALLOC = Symbol('ssh2 allocPacket');

const pool = Buffer.allocUnsafe(4096);
let pos = pool.length;

function pad(dst: Buffer, off: number, len: number): void {
  if (pos + len > pool.length) {
    randomFillSync(pool);
    pos = 0;
  }
  pool.copy(dst, off, pos, pos + len);
  pos += len;
}

/** Patch the class of this connection's outbound cipher (once per class). */
export function pooledPadding(conn: unknown): void {
  const cipher = (conn as { _protocol?: { _cipher?: object } })._protocol?._cipher;
  const proto = cipher && (Object.getPrototypeOf(cipher) as Record<PropertyKey, unknown>);
  if (!proto || proto[POOLED]) return;
  const shape = SHAPES[(proto.constructor as { name?: string } | undefined)?.name ?? ''];
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
    pad(packet, 5 + payloadLen, padLen); // padLen <= 19, far below the pool's size
    return packet;
  };
}
