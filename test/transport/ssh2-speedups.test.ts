import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2, { type ParsedKey } from 'ssh2';
import { withFastSigner } from '../../src/transport/ssh/ssh2-speedups.js';

const dir = mkdtempSync(join(tmpdir(), 'rmd-sign-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

function keyPair(type: string, bits?: string): { priv: () => ParsedKey; pub: ParsedKey } {
  const f = join(dir, type + (bits ?? ''));
  execFileSync('ssh-keygen', ['-q', '-t', type, ...(bits ? ['-b', bits] : []), '-N', '', '-f', f]);
  const parse = (p: string) => {
    const k = ssh2.utils.parseKey(readFileSync(p));
    if (k instanceof Error) throw k;
    return Array.isArray(k) ? k[0]! : k;
  };
  return { priv: () => parse(f), pub: parse(`${f}.pub`) };
}

const data = Buffer.from('exchange hash or auth blob');
for (const [type, bits, algos] of [
  ['ed25519', undefined, [undefined]],
  ['rsa', '2048', [undefined, 'sha256', 'sha512']],
  ['ecdsa', '256', [undefined]],
  ['ecdsa', '384', [undefined]],
] as const) {
  test(`the fast signer signs like ssh2 for ${type}${bits ? ' ' + bits : ''}`, (t) => {
    const { priv, pub } = keyPair(type, bits);
    const plain = priv();
    const fast = withFastSigner(priv());
    for (const algo of algos) {
      const sig = fast.sign(data, algo);
      t.false(sig instanceof Error);
      t.true(pub.verify(data, sig as Buffer, algo) === true, `verifies (${algo ?? 'default hash'})`);
      // ed25519 and RSA PKCS#1 v1.5 are deterministic: byte-identical to ssh2's own signer.
      if (type !== 'ecdsa') t.deepEqual(sig, plain.sign(data, algo));
    }
  });
}
