import test from 'ava';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { gzipLog, gzipStored, knownGunzip } from '../../src/lab/gz-memo.js';

// The lab writes rotated logs as stored-block gzip streams: they must be real gzip to any reader.
const sizes = [0, 1, 300, 65534, 65535, 65536, 140_000];
for (const size of sizes) {
  test(`gzipStored: ${size} bytes round-trip through zlib and through gzip -dc, CRC and length checked`, (t) => {
    const data = randomBytes(size);
    const gz = gzipStored(data);
    t.deepEqual(gunzipSync(gz), data);
    t.deepEqual(execFileSync('gzip', ['-dc'], { input: gz, maxBuffer: 1 << 24 }), data);
    t.notThrows(() => execFileSync('gzip', ['-t'], { input: gz }), 'gzip -t finds the stream intact');
  });
}

test('gzipStored: a corrupted byte is caught by gunzip (the CRC is real)', (t) => {
  const gz = gzipStored(Buffer.from('[Tue Nov 24 06:25:01 2026] [mpm_prefork:notice] AH00171: Graceful restart requested\n'));
  gz[20] ^= 1;
  t.throws(() => gunzipSync(gz));
});

test('gzipLog: the same text gives the same stream, and knownGunzip gives the text back', (t) => {
  const text = 'AH00171: Graceful restart requested, doing restart\n'.repeat(3);
  const gz = gzipLog(text);
  t.is(gzipLog(text), gz);
  t.is(knownGunzip(gz), text);
  t.is(gunzipSync(Buffer.from(gz, 'latin1')).toString('latin1'), text);
});
