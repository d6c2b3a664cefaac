// Gzip streams the lab makes itself (rotated logs), remembered both ways: every host's probe
// decompresses every rotated log it has, and inflating what the lab deflated a moment earlier
// was most of gzip -d's cost. Bounded: the oldest half goes when full.

const MAX = 8192;
let byText = new Map<string, string>();
let byGzip = new Map<string, string>();

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

function crc32(b: Buffer): number {
  let c = -1;
  for (let i = 0; i < b.length; i++) c = CRC_TABLE[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/**
 * A gzip stream of `data` in stored (uncompressed) deflate blocks (RFC 1951 BTYPE 00, RFC 1952
 * framing): any gunzip reads it. zlib's own deflate, even at level 1, cost ~25 µs per small log
 * (13 rotated logs on every Debian host, made when a probe lists them); this is ~1 µs.
 */
export function gzipStored(data: Buffer): Buffer {
  const blocks = Math.max(1, Math.ceil(data.length / 65535));
  const out = Buffer.alloc(10 + blocks * 5 + data.length + 8);
  // magic, CM=deflate, no flags, mtime 0, no extra flags, OS=unix
  out.set([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3], 0);
  let at = 10;
  for (let b = 0; b < blocks; b++) {
    const chunk = data.subarray(b * 65535, Math.min(data.length, (b + 1) * 65535));
    out[at] = b === blocks - 1 ? 1 : 0; // BFINAL on the last block, BTYPE 00
    out.writeUInt16LE(chunk.length, at + 1);
    out.writeUInt16LE(~chunk.length & 0xffff, at + 3);
    chunk.copy(out, at + 5);
    at += 5 + chunk.length;
  }
  out.writeUInt32LE(crc32(data), at);
  out.writeUInt32LE(data.length >>> 0, at + 4);
  return out;
}

/** The rotated-log encoding: a real gzip stream (stored blocks), remembered both ways. */
export function gzipLog(text: string): string {
  let gz = byText.get(text);
  if (gz === undefined) {
    gz = gzipStored(Buffer.from(text, 'latin1')).toString('latin1');
    if (byText.size >= MAX) { byText = new Map([...byText].slice(MAX / 2)); byGzip = new Map([...byGzip].slice(MAX / 2)); }
    byText.set(text, gz);
    byGzip.set(gz, text);
  }
  return gz;
}

/** The text of a stream gzipLog made (and still remembers), else undefined. */
export function knownGunzip(gz: string): string | undefined {
  return byGzip.get(gz);
}
