// Authentication against a real OpenSSH sshd: keys, agent, passphrases, passwords, failures.
import test from 'ava';
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSshd, type Sshd } from '../../helpers/sshd.js';
import { host, knownHosts, ok, transport } from './fixture.js';

let sshd: Sshd;
let kh: string;
const scratch = mkdtempSync(join(tmpdir(), 'rmd-auth-'));
// Each test uses its own 127.0.3.x alias, so sshd's log tells its connections apart.
const A = { deadAgent: '127.0.3.9', key: '127.0.3.1', agent: '127.0.3.2', wrong: '127.0.3.3', pass: '127.0.3.4', enc: '127.0.3.5', pw: '127.0.3.6', badpw: '127.0.3.7', none: '127.0.3.8' };

test.before(async () => {
  sshd = await startSshd({ logLevel: 'DEBUG1' });
  kh = knownHosts(sshd, Object.values(A));
});
test.after.always(async () => {
  await sshd?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

test.serial('key auth: the command runs as the inventory user, over one connection, without the `none` probe', async (t) => {
  const { t: tr } = transport(sshd, { knownHostsFile: kh });
  const r = await tr.exec(host(sshd, A.key), { cmd: { argv: ['id', '-un'] } });
  ok(t, r);
  t.is(r.kind === 'exit' && r.stdout, `${sshd.user}\n`);
  ok(t, await tr.exec(host(sshd, A.key), { cmd: { argv: ['true'] } }));
  await tr.closeAll();
  t.is(sshd.connectionsTo(A.key), 1);
  t.true(sshd.log().includes('method publickey'), 'sshd logs auth methods at DEBUG1');
  t.false(/userauth-request for user \S+ service ssh-connection method none/.test(sshd.log()), 'no `none` auth request was sent');
});

test.serial('agent auth with a real ssh-agent', async (t) => {
  const sock = join(scratch, 'agent.sock');
  const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 50 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
    execFileSync('ssh-add', [sshd.keyFile], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
    const { t: tr } = transport(sshd, { knownHostsFile: kh, agentSocket: sock });
    const r = await tr.exec(host(sshd, A.agent, { privateKeyFile: undefined }), { cmd: { argv: ['id', '-un'] } });
    ok(t, r);
    t.is(r.kind === 'exit' && r.stdout, `${sshd.user}\n`);
    await tr.closeAll();
  } finally {
    agent.kill();
  }
});

test.serial('a wrong key is an auth failure: permanent, clear, tried once, not retried later', async (t) => {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(scratch, 'wrong')]);
  const { t: tr } = transport(sshd, { knownHostsFile: kh, connectRetries: 3 });
  const h = host(sshd, A.wrong, { privateKeyFile: join(scratch, 'wrong') });
  const r = await tr.exec(h, { cmd: { argv: ['true'] } });
  t.like(r, { kind: 'unreachable', permanent: true });
  t.regex(r.kind === 'unreachable' ? r.reason : '', /authentication failed \(tried key .*wrong\)/);
  const again = await tr.exec(h, { cmd: { argv: ['true'] } });
  t.like(again, { kind: 'unreachable', permanent: true });
  await new Promise((res) => setTimeout(res, 200));
  t.is(sshd.connectionsTo(A.wrong), 1, 'one connection attempt in all');
  await tr.closeAll();
});

test.serial('an encrypted key: clear error without its passphrase, works with it', async (t) => {
  const enc = join(scratch, 'enc');
  copyFileSync(sshd.keyFile, enc);
  execFileSync('ssh-keygen', ['-q', '-p', '-P', '', '-N', 'k3y pass', '-f', enc]);
  const without = transport(sshd, { knownHostsFile: kh });
  const r = await without.t.exec(host(sshd, A.enc, { privateKeyFile: enc }), { cmd: { argv: ['true'] } });
  t.like(r, { kind: 'unreachable', permanent: true });
  t.regex(r.kind === 'unreachable' ? r.reason : '', /no usable credentials: .*encrypted: give its passphrase/);
  t.is(sshd.connectionsTo(A.enc), 0, 'nothing is attempted without credentials');
  const withPass = transport(sshd, { knownHostsFile: kh, identityPassphrase: 'k3y pass' });
  ok(t, await withPass.t.exec(host(sshd, A.enc, { privateKeyFile: enc }), { cmd: { argv: ['true'] } }));
  await withPass.t.closeAll();
});

test.serial('password auth only when a password is given', async (t) => {
  const h = host(sshd, A.pw, { user: sshd.passwordUser, privateKeyFile: undefined });
  const none = transport(sshd, { knownHostsFile: kh });
  const r0 = await none.t.exec(h, { cmd: { argv: ['true'] } });
  t.like(r0, { kind: 'unreachable', permanent: true });
  t.regex(r0.kind === 'unreachable' ? r0.reason : '', /no usable credentials/);

  const withPw = transport(sshd, { knownHostsFile: kh, password: sshd.password });
  const r = await withPw.t.exec(h, { cmd: { argv: ['id', '-un'] } });
  ok(t, r);
  t.is(r.kind === 'exit' && r.stdout, `${sshd.passwordUser}\n`);
  await withPw.t.closeAll();

  const bad = transport(sshd, { knownHostsFile: kh, password: 'not-the-password' });
  const r2 = await bad.t.exec(host(sshd, A.badpw, { user: sshd.passwordUser, privateKeyFile: undefined }), { cmd: { argv: ['true'] } });
  t.like(r2, { kind: 'unreachable', permanent: true });
  t.regex(r2.kind === 'unreachable' ? r2.reason : '', /authentication failed \(tried password\)/);
  t.false(JSON.stringify(r2).includes('not-the-password'));
});

test.serial('a missing key named by the inventory is reported, not silently skipped', async (t) => {
  const { t: tr } = transport(sshd, { knownHostsFile: kh });
  const r = await tr.exec(host(sshd, A.none, { privateKeyFile: join(scratch, 'nope') }), { cmd: { argv: ['true'] } });
  t.like(r, { kind: 'unreachable', permanent: true });
  t.regex(r.kind === 'unreachable' ? r.reason : '', /cannot read private key .*nope: ENOENT/);
});

test.serial('a dead agent socket is noted and the key is used instead', async (t) => {
  const { t: tr } = transport(sshd, { knownHostsFile: kh, agentSocket: join(scratch, 'no-agent.sock') });
  ok(t, await tr.exec(host(sshd, A.deadAgent), { cmd: { argv: ['true'] } }));
  const none = await tr.exec(host(sshd, A.deadAgent, { name: 'agent-only', privateKeyFile: undefined }), { cmd: { argv: ['true'] } });
  t.like(none, { kind: 'unreachable', permanent: true });
  t.regex(none.kind === 'unreachable' ? none.reason : '', /authentication failed \(tried agent\); agent: Failed to connect to agent/);
  await tr.closeAll();
});
