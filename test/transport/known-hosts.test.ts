import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkHostKey, fingerprint, hostToken, KnownHostsFile, keyTypeOf, knownKeyTypes, parseKnownHosts, patternsMatch } from '../../src/transport/ssh/known-hosts.js';

const dir = mkdtempSync(join(tmpdir(), 'rmd-kh-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

/** A real public key made by ssh-keygen: its `type base64` text and wire blob. */
function makeKey(name: string, type = 'ed25519'): { text: string; blob: Buffer } {
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-f', join(dir, name)]);
  const [t, b64] = readFileSync(join(dir, `${name}.pub`), 'utf8').trim().split(/\s+/) as [string, string];
  return { text: `${t} ${b64}`, blob: Buffer.from(b64, 'base64') };
}
const A = makeKey('a');
const B = makeKey('b');
const E = makeKey('e', 'ecdsa');

test('hostToken follows OpenSSH: bare on port 22, [host]:port otherwise', (t) => {
  t.is(hostToken('web1', 22), 'web1');
  t.is(hostToken('10.0.0.5', 2222), '[10.0.0.5]:2222');
});

test('keyTypeOf and fingerprint read the wire blob like ssh-keygen -l', (t) => {
  t.is(keyTypeOf(A.blob), 'ssh-ed25519');
  t.is(keyTypeOf(E.blob), 'ecdsa-sha2-nistp256');
  const l = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(dir, 'a.pub')], { encoding: 'utf8' });
  t.true(l.includes(fingerprint(A.blob)), l);
});

test('patternsMatch: wildcards, lists and negation', (t) => {
  const table: Array<[string[], string, boolean]> = [
    [['web1'], 'web1', true],
    [['WEB1'], 'web1', true],
    [['web*'], 'web12', true],
    [['web?'], 'web12', false],
    [['*.example.com', '!bad.example.com'], 'ok.example.com', true],
    [['*.example.com', '!bad.example.com'], 'bad.example.com', false],
    [['[10.0.0.5]:2222'], '[10.0.0.5]:2222', true],
    [['10.0.0.5'], '[10.0.0.5]:2222', false],
    [['[10.0.0.*]:2222'], '[10.0.0.9]:2222', true],
  ];
  for (const [patterns, token, expected] of table) t.is(patternsMatch(patterns, token), expected, `${patterns} ~ ${token}`);
});

test('checkHostKey: match, unknown, changed (same or only other type known), revoked', (t) => {
  const text = [
    '# comment',
    `web1,10.0.0.5 ${A.text}`,
    `[10.0.0.5]:2222 ${B.text} comment here`,
    `ecdsa-only ${E.text}`,
    `@revoked * ${B.text}`,
    `@cert-authority *.example.com ${A.text}`,
    'garbage line',
  ].join('\n');
  const entries = parseKnownHosts(text);
  t.is(entries.length, 5);
  t.deepEqual(checkHostKey(entries, 'web1', 22, A.blob), { status: 'match', line: 2 });
  t.deepEqual(checkHostKey(entries, '10.0.0.5', 22, A.blob), { status: 'match', line: 2 });
  t.deepEqual(checkHostKey(entries, 'web2', 22, A.blob), { status: 'unknown' });
  t.deepEqual(checkHostKey(entries, '10.0.0.5', 2222, A.blob), { status: 'changed', line: 3, knownType: 'ssh-ed25519' });
  t.deepEqual(checkHostKey(entries, 'ecdsa-only', 22, A.blob), { status: 'changed', line: 4, knownType: 'ecdsa-sha2-nistp256' });
  t.deepEqual(checkHostKey(entries, '10.0.0.5', 2222, B.blob), { status: 'revoked', line: 5 });
  t.deepEqual(checkHostKey(entries, 'x.example.com', 22, A.blob), { status: 'unknown' }, 'CA lines are not host keys');
  t.deepEqual(knownKeyTypes(entries, 'ecdsa-only', 22), ['ecdsa-sha2-nistp256']);
});

test('hashed entries written by ssh-keygen -H are found, for plain and [host]:port names', (t) => {
  const file = join(dir, 'hashed');
  writeFileSync(file, `web1 ${A.text}\n[127.0.1.9]:2200 ${B.text}\n`);
  execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
  const text = readFileSync(file, 'utf8');
  t.false(text.includes('web1'), 'the file is hashed');
  t.true(text.startsWith('|1|'));
  const entries = parseKnownHosts(text);
  t.deepEqual(checkHostKey(entries, 'web1', 22, A.blob), { status: 'match', line: 1 });
  t.deepEqual(checkHostKey(entries, '127.0.1.9', 2200, B.blob), { status: 'match', line: 2 });
  t.is(checkHostKey(entries, '127.0.1.9', 2200, A.blob).status, 'changed');
  t.is(checkHostKey(entries, '127.0.1.9', 22, B.blob).status, 'unknown');
});

test('record: lines OpenSSH finds, no duplicates, file 0600 in a 0700 dir, a missing final newline repaired', async (t) => {
  const file = join(dir, 'new', 'sub', 'known_hosts');
  const kh = new KnownHostsFile(file);
  t.is(await kh.record('127.0.1.3', 2222, A.blob), 'added');
  t.is(await kh.record('127.0.1.3', 2222, A.blob), 'present');
  t.is(statSync(file).mode & 0o777, 0o600);
  t.is(statSync(join(dir, 'new')).mode & 0o777, 0o700);
  const found = execFileSync('ssh-keygen', ['-F', '[127.0.1.3]:2222', '-f', file], { encoding: 'utf8' });
  t.true(found.includes(A.text), found);
  t.deepEqual(checkHostKey(await kh.entries(), '127.0.1.3', 2222, A.blob), { status: 'match', line: 1 });

  const bare = join(dir, 'no-newline');
  writeFileSync(bare, `old ${B.text}`);
  await new KnownHostsFile(bare).record('web9', 22, A.blob);
  t.deepEqual(readFileSync(bare, 'utf8').split('\n'), [`old ${B.text}`, `web9 ${A.text}`, '']);
});

test('record: 100 hosts accepted at once (each twice) give exactly 100 whole lines', async (t) => {
  const file = join(dir, 'concurrent');
  const kh = new KnownHostsFile(file);
  const addrs = Array.from({ length: 100 }, (_, i) => `127.0.2.${i + 1}`);
  const results = await Promise.all([...addrs, ...addrs].map((a) => kh.record(a, 2200, A.blob)));
  t.is(results.filter((r) => r === 'added').length, 100);
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
  t.is(lines.length, 100);
  t.is(new Set(lines).size, 100);
  for (const a of addrs) t.true(lines.includes(`[${a}]:2200 ${A.text}`), a);
});

test('a record by another writer (another process) is seen and not duplicated', async (t) => {
  const file = join(dir, 'shared');
  const mine = new KnownHostsFile(file);
  t.deepEqual(await mine.entries(), []);
  await new KnownHostsFile(file).record('web5', 22, B.blob);
  t.is(await mine.record('web5', 22, B.blob), 'present');
  t.is(readFileSync(file, 'utf8'), `web5 ${B.text}\n`);
});
