// Host key verification against a real sshd under each policy, and accept-new recording when
// 100 hosts connect at once.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { startSshd, type Sshd } from '../../helpers/sshd.js';
import { alias, host, ok, transport } from './fixture.js';

let sshd: Sshd;
const scratch = mkdtempSync(join(tmpdir(), 'rmd-hostkeys-'));
let otherKey: string;
let n = 0;
/** A fresh 127.0.4.x alias per case, so sshd's log tells the cases apart. */
const fresh = () => `127.0.4.${++n}`;

test.before(async () => {
  sshd = await startSshd();
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(scratch, 'other')]);
  otherKey = readFileSync(join(scratch, 'other.pub'), 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
});
test.after.always(async () => {
  await sshd?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const file = (name: string, lines: string[]) => {
  const p = join(scratch, name);
  writeFileSync(p, lines.map((l) => l + '\n').join(''));
  return p;
};
const reasonOf = (r: { kind: string; reason?: string }) => (r.kind === 'unreachable' ? r.reason ?? '' : '');
const authenticated = (address: string) => sshd.log().split('\n').some((l) => l.startsWith('Accepted publickey') && l.includes(`on ${address}`)) || false;

type Case = { policy: 'strict' | 'accept-new' | 'off'; known: 'unknown' | 'changed' | 'known'; expect: 'ok' | RegExp };
const CASES: Case[] = [
  { policy: 'strict', known: 'known', expect: 'ok' },
  { policy: 'strict', known: 'unknown', expect: /host key of \[127\.0\.4\.\d+\]:\d+ is not in .* \(policy strict; offered ssh-ed25519 SHA256:/ },
  { policy: 'strict', known: 'changed', expect: /HOST KEY CHANGED for \[127\.0\.4\.\d+\]:\d+: the server offered ssh-ed25519 SHA256:\S+ but .*:1 holds a different ssh-ed25519 key/ },
  { policy: 'accept-new', known: 'known', expect: 'ok' },
  { policy: 'accept-new', known: 'unknown', expect: 'ok' },
  { policy: 'accept-new', known: 'changed', expect: /HOST KEY CHANGED/ },
  { policy: 'off', known: 'unknown', expect: 'ok' },
  { policy: 'off', known: 'changed', expect: 'ok' },
];

for (const c of CASES) {
  test(`policy ${c.policy}, ${c.known} key: ${c.expect === 'ok' ? 'runs' : 'refused, nothing runs'}`, async (t) => {
    const address = fresh();
    const lines = c.known === 'known' ? [sshd.knownHostsLine(address)] : c.known === 'changed' ? [`[${address}]:${sshd.port} ${otherKey}`] : [];
    const kh = file(`kh-${address}`, lines);
    const before = readFileSync(kh, 'utf8');
    const { t: tr, warnings } = transport(sshd, { knownHostsFile: kh, hostKeyPolicy: c.policy });
    const r = await tr.exec(host(sshd, address), { cmd: { argv: ['true'] } });
    await tr.closeAll();
    if (c.expect === 'ok') {
      ok(t, r);
    } else {
      t.like(r, { kind: 'unreachable', permanent: true });
      t.regex(reasonOf(r), c.expect);
      t.false(authenticated(address), 'no login happened');
      t.is(sshd.connectionsTo(address), 1, 'never retried');
    }
    const after = readFileSync(kh, 'utf8');
    if (c.policy === 'accept-new' && c.known === 'unknown') t.is(after, sshd.knownHostsLine(address) + '\n');
    else t.is(after, before, 'known_hosts untouched');
    t.is(warnings.some((w) => /host key checking is OFF/.test(w)), c.policy === 'off');
  });
}

test('hashed known_hosts (ssh-keygen -H) are honoured', async (t) => {
  const address = fresh();
  const kh = file('hashed', [sshd.knownHostsLine(address)]);
  execFileSync('ssh-keygen', ['-H', '-f', kh], { stdio: 'ignore' });
  t.false(readFileSync(kh, 'utf8').includes(address));
  const { t: tr } = transport(sshd, { knownHostsFile: kh });
  ok(t, await tr.exec(host(sshd, address), { cmd: { argv: ['true'] } }));
  await tr.closeAll();
});

test('a host var known_hosts file replaces the global one', async (t) => {
  const address = fresh();
  const good = file('host-var', [sshd.knownHostsLine(address)]);
  const globalFile = file('global-empty', []);
  const { t: tr } = transport(sshd, { knownHostsFile: globalFile });
  ok(t, await tr.exec(host(sshd, address, { knownHostsFile: good }), { cmd: { argv: ['true'] } }));
  const r = await tr.exec(host(sshd, address, { name: 'other-name' }), { cmd: { argv: ['true'] } });
  t.regex(reasonOf(r), /is not in .*global-empty/);
  await tr.closeAll();
});

test('accept-new with 100 hosts connecting at once records each key exactly once; strict then trusts them', async (t) => {
  const kh = join(scratch, 'concurrent', 'known_hosts');
  const addresses = Array.from({ length: 100 }, (_, i) => alias(200 + i));
  const { t: tr } = transport(sshd, { knownHostsFile: kh, hostKeyPolicy: 'accept-new' });
  const results = await Promise.all(addresses.map((a) => tr.exec(host(sshd, a), { cmd: { argv: ['true'] } })));
  await tr.closeAll();
  t.deepEqual(results.filter((r) => r.kind !== 'exit' || r.exitCode !== 0), []);
  const lines = readFileSync(kh, 'utf8').trimEnd().split('\n');
  t.is(lines.length, 100);
  t.deepEqual([...lines].sort(), addresses.map((a) => sshd.knownHostsLine(a)).sort());

  const strict = transport(sshd, { knownHostsFile: kh, hostKeyPolicy: 'strict' });
  const limit = pLimit(20);
  const again = await Promise.all(addresses.slice(0, 30).map((a) => limit(() => strict.t.exec(host(sshd, a), { cmd: { argv: ['true'] } }))));
  await strict.t.closeAll();
  t.deepEqual(again.filter((r) => r.kind !== 'exit'), []);
  t.true(existsSync(kh));
});
