import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2, { type ParsedKey } from 'ssh2';
import { fastEd25519Verify, ORIGINAL_ALLOC, pooledPadding, RandomPool, signPublickeyAtOnce, withFastSigner } from '../../src/transport/ssh/ssh2-speedups.js';

const dir = mkdtempSync(join(tmpdir(), 'rmd-sign-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

let made = 0;
function keyPair(type: string, bits?: string): { priv: () => ParsedKey; pub: ParsedKey; file: string } {
  const f = join(dir, `${type}${bits ?? ''}-${made++}`);
  execFileSync('ssh-keygen', ['-q', '-t', type, ...(bits ? ['-b', bits] : []), '-N', '', '-f', f]);
  const parse = (p: string) => {
    const k = ssh2.utils.parseKey(readFileSync(p));
    if (k instanceof Error) throw k;
    return Array.isArray(k) ? k[0]! : k;
  };
  return { priv: () => parse(f), pub: parse(`${f}.pub`), file: f };
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

test.serial('the Ed25519 verifier gives ssh2 its own verdicts, and other key types keep ssh2\'s path', (t) => {
  const ed = keyPair('ed25519');
  const rsa = keyPair('rsa', '2048');
  const cases = (pub: ParsedKey, priv: ParsedKey) => {
    const sig = priv.sign(data) as Buffer;
    const bad = Buffer.from(sig);
    bad[5] ^= 1;
    return [
      [data, sig],
      [data, bad],
      [Buffer.from('another exchange hash'), sig],
      [data, sig.subarray(0, 10)],
    ] as const;
  };
  const verdicts = (pub: ParsedKey, priv: ParsedKey) =>
    cases(pub, priv).map(([d, s]) => {
      const v = pub.verify(d, s) as unknown;
      return v instanceof Error ? 'error' : v;
    });
  const before = { ed: verdicts(ed.pub, ed.priv()), rsa: verdicts(rsa.pub, rsa.priv()) };
  t.deepEqual(before.ed.slice(0, 3), [true, false, false]);
  const original = Object.getPrototypeOf(ed.pub).verify;
  fastEd25519Verify(ssh2.utils.parseKey as never);
  fastEd25519Verify(ssh2.utils.parseKey as never); // idempotent: wraps once
  t.not(Object.getPrototypeOf(ed.pub).verify, original, 'the shared prototype is patched');
  // A short signature is an error from OpenSSL either way, or false: the same answer as ssh2's.
  t.deepEqual({ ed: verdicts(ed.pub, ed.priv()), rsa: verdicts(rsa.pub, rsa.priv()) }, before);
});

test('pooled padding: packets keep ssh2\'s layout, and a connection carries 200 KB each way through them', async (t) => {
  const server = new ssh2.Server({ hostKeys: [readFileSync(keyPair('ed25519').file)] }, (conn) => {
    conn.on('authentication', (ctx) => ctx.accept());
    conn.on('ready', () =>
      conn.on('session', (accept) =>
        accept().on('exec', (acc) => {
          const ch = acc();
          const got: Buffer[] = [];
          ch.on('data', (d: Buffer) => got.push(d));
          ch.on('end', () => {
            ch.write(Buffer.concat(got));
            ch.exit(0);
            ch.end();
          });
        }),
      ),
    );
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  t.teardown(() => server.close());
  const client = new ssh2.Client();
  await new Promise<void>((res, rej) => {
    client.once('ready', res).once('error', rej);
    client.connect({ host: '127.0.0.1', port: (server.address() as { port: number }).port, username: 'u', password: 'p' });
  });
  t.teardown(() => client.end());
  pooledPadding(client);
  const cipher = (client as unknown as { _protocol: { _cipher: Record<PropertyKey, (n: number) => Buffer> } })._protocol._cipher;
  const original = cipher[ORIGINAL_ALLOC];
  t.is(typeof original, 'function', `the negotiated cipher (${cipher.constructor.name}) is one the pool serves`);
  for (let n = 0; n < 300; n++) {
    const mine = cipher.allocPacket!(n);
    const theirs = original!.call(cipher, n);
    t.is(mine.length, theirs.length, `payload ${n}: packet length`);
    t.deepEqual(mine.subarray(0, 5), theirs.subarray(0, 5), `payload ${n}: length and padding-length bytes`);
  }
  const payload = Buffer.alloc(200_000, 'remediate ');
  const echoed = await new Promise<Buffer>((res, rej) =>
    client.exec('echo', (err, ch) => {
      if (err) return rej(err);
      const got: Buffer[] = [];
      ch.on('data', (d: Buffer) => got.push(d));
      ch.on('close', () => res(Buffer.concat(got)));
      ch.end(payload);
    }),
  );
  t.true(echoed.equals(payload));
});

test('the random pool hands out each byte once and refills from the CSPRNG', (t) => {
  const pool = new RandomPool(64);
  const out = Buffer.alloc(64 * 3);
  for (let off = 0; off < out.length; off += 16) pool.fill(out, off, 16);
  const chunks = new Set<string>();
  for (let off = 0; off < out.length; off += 16) chunks.add(out.subarray(off, off + 16).toString('hex'));
  t.is(chunks.size, 12, 'no 16-byte run repeats across three refills');
  const big = Buffer.alloc(100);
  pool.fill(big, 0, 100); // larger than the pool: filled directly
  t.false(big.equals(Buffer.alloc(100)));
});

for (const [type, bits] of [['ed25519', undefined], ['rsa', '2048'], ['ecdsa', '256']] as const) {
  test(`publickey auth with a ${type} key file: ${type === 'ecdsa' ? 'asks first, as ssh2 does' : 'signed in the first request'}; a refused key still falls through to the next`, async (t) => {
    const wrong = keyPair(type, bits);
    const right = keyPair(type, bits);
    const seen: { key: string; signed: boolean; ok: boolean }[] = [];
    const server = new ssh2.Server({ hostKeys: [readFileSync(keyPair('ed25519').file)] }, (conn) => {
      conn.on('authentication', (ctx) => {
        if (ctx.method !== 'publickey') return ctx.reject(['publickey']);
        const isRight = ctx.key.data.equals(right.pub.getPublicSSH());
        const ok = isRight && (!ctx.signature || right.pub.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true);
        seen.push({ key: isRight ? 'right' : 'wrong', signed: Boolean(ctx.signature), ok });
        if (ok) ctx.accept(); else ctx.reject(['publickey']);
      });
      conn.on('error', () => undefined);
    });
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    t.teardown(() => server.close());
    const keys = [withFastSigner(wrong.priv()), withFastSigner(right.priv())];
    const client = new ssh2.Client();
    t.teardown(() => client.end());
    await new Promise<void>((res, rej) => {
      client.once('ready', res).once('error', rej);
      client.connect({
        host: '127.0.0.1',
        port: (server.address() as { port: number }).port,
        username: 'u',
        authHandler: (_methods, _partial, next) => {
          const key = keys.shift();
          return next((key ? { type: 'publickey', username: 'u', key } : false) as never);
        },
      });
      signPublickeyAtOnce(client);
    });
    if (type === 'ecdsa') {
      t.deepEqual(seen.map((s) => `${s.key}:${s.signed}`), ['wrong:false', 'right:false', 'right:true']);
    } else {
      t.deepEqual(seen.map((s) => `${s.key}:${s.signed}`), ['wrong:true', 'right:true']);
    }
    t.true(seen.at(-1)!.ok);
  });
}
