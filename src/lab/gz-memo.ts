// Gzip streams the lab makes itself (rotated logs), remembered both ways: every host's probe
// decompresses every rotated log it has, and inflating what the lab deflated a moment earlier
// was most of gzip -d's cost. Bounded: the oldest half goes when full.
import { gzipSync } from 'node:zlib';

const MAX = 8192;
let byText = new Map<string, string>();
let byGzip = new Map<string, string>();

/** The rotated-log encoding: level 1, a real gzip stream at a fraction of the default's cost. */
export function gzipLog(text: string): string {
  let gz = byText.get(text);
  if (gz === undefined) {
    gz = gzipSync(Buffer.from(text, 'latin1'), { level: 1, memLevel: 1 }).toString('latin1');
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
