import test from 'ava';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSshConfig } from '../../src/transport/ssh/ssh-config.js';
import { parseJumpHop, resolveTarget } from '../../src/transport/ssh/target.js';
import type { HostConn } from '../../src/transport/types.js';

const home = mkdtempSync(join(tmpdir(), 'rmd-sshcfg-'));
test.after.always(() => rmSync(home, { recursive: true, force: true }));
mkdirSync(join(home, '.ssh', 'config.d'), { recursive: true });
writeFileSync(join(home, '.ssh', 'config'), `
Include config.d/*.conf
Host web*
  HostName %h.prod.example.com
  User deploy
  Port 2222
  IdentityFile ~/.ssh/deploy_key
  IdentityFile %d/.ssh/second_%r
  ProxyJump jump@bastion:2200
  ConnectTimeout 7
  ServerAliveInterval 30
  ServerAliveCountMax 5
Host bastion
  HostName bastion.example.com
  User ops
Host direct
  ProxyJump none
  ServerAliveInterval 0
Host *
  User fallback
`);
writeFileSync(join(home, '.ssh', 'config.d', 'db.conf'), 'Host db1\n  HostName 10.9.9.9\n  Port 5022\n');
const cfgPath = join(home, '.ssh', 'config');
const lookup = loadSshConfig(cfgPath, home);
const defaults = { homeDir: home, localUser: 'me' };
const conn = (h: Partial<HostConn> & { name: string }): HostConn => ({ address: h.name, port: 22, connection: 'ssh', ...h });

test('the honoured keys are read, with ~, %d, %h, %r expanded', (t) => {
  t.deepEqual(lookup('web1'), {
    hostName: 'web1.prod.example.com',
    user: 'deploy',
    port: 2222,
    identityFiles: [`${home}/.ssh/deploy_key`, `${home}/.ssh/second_deploy`],
    proxyJump: 'jump@bastion:2200',
    connectTimeoutMs: 7000,
    serverAliveIntervalMs: 30_000,
    serverAliveCountMax: 5,
  });
});

test('first value wins as in OpenSSH; ProxyJump none and ServerAliveInterval 0 are kept meaningful', (t) => {
  t.is(lookup('bastion').user, 'ops');
  t.is(lookup('other').user, 'fallback');
  t.is(lookup('direct').proxyJump, undefined);
  t.is(lookup('direct').serverAliveIntervalMs, 0);
});

test('Include files are followed', (t) => {
  t.is(lookup('db1').hostName, '10.9.9.9');
  t.is(lookup('db1').port, 5022);
});

test('a missing config file is an empty config', (t) => {
  t.deepEqual(loadSshConfig(join(home, 'nope'), home)('web1'), {});
});

test('ssh config fills what the inventory left unset', (t) => {
  const target = resolveTarget(conn({ name: 'web1' }), lookup, defaults);
  t.like(target, { address: 'web1.prod.example.com', port: 2222, user: 'deploy', connectTimeoutMs: 7000, keepaliveIntervalMs: 30_000, keepaliveCountMax: 5, explicitKey: false });
  t.deepEqual(target.identityFiles, [`${home}/.ssh/deploy_key`, `${home}/.ssh/second_deploy`]);
  t.deepEqual(target.jumps, [{ address: 'bastion.example.com', port: 2200, user: 'jump', identityFiles: [`${home}/.ssh/id_ed25519`, `${home}/.ssh/id_ecdsa`, `${home}/.ssh/id_rsa`], explicitKey: false }]);
  t.is(target.knownHostsFile, `${home}/.ssh/known_hosts`);
  t.is(target.hostKeyPolicy, 'strict');
  t.is(target.maxSessions, 10);
});

test('inventory vars win over ssh config', (t) => {
  const target = resolveTarget(conn({ name: 'web1', port: 2022, user: 'admin', privateKeyFile: '/k', proxyJump: 'other:22', connectTimeoutMs: 1500, knownHostsFile: '/kh', hostKeyPolicy: 'accept-new', maxSessions: 4 }), lookup, defaults);
  t.like(target, { address: 'web1.prod.example.com', port: 2022, user: 'admin', connectTimeoutMs: 1500, knownHostsFile: '/kh', hostKeyPolicy: 'accept-new', maxSessions: 4, explicitKey: true });
  t.is(target.identityFiles[0], '/k');
  t.deepEqual(target.jumps.map((j) => [j.user, j.address, j.port]), [['fallback', 'other', 22]]);
});

test('an explicit address is matched against Host patterns and kept (ansible_host semantics)', (t) => {
  const target = resolveTarget(conn({ name: 'frontend', address: 'web7' }), lookup, defaults);
  t.is(target.address, 'web7');
  t.is(target.user, 'deploy');
  t.is(target.port, 2222);
});

test('inventorySet marks port 22 and address as explicit even when they look like defaults', (t) => {
  const target = resolveTarget(conn({ name: 'web1', port: 22, inventorySet: { address: true, port: true } }), lookup, defaults);
  t.is(target.address, 'web1');
  t.is(target.port, 22);
});

test('with no config at all: local user, default keys, 10 s connect timeout', (t) => {
  const target = resolveTarget(conn({ name: 'h' }), () => ({}), { ...defaults, knownHostsFile: '/global_kh', hostKeyPolicy: 'off', maxSessionsDefault: 6 });
  t.like(target, { address: 'h', port: 22, user: 'me', connectTimeoutMs: 10_000, keepaliveIntervalMs: 15_000, knownHostsFile: '/global_kh', hostKeyPolicy: 'off', maxSessions: 6 });
});

test('ProxyJump hops: users, ports, IPv6, chains', (t) => {
  t.deepEqual(parseJumpHop('bastion'), { user: undefined, host: 'bastion', port: undefined });
  t.deepEqual(parseJumpHop('u@b:2200'), { user: 'u', host: 'b', port: 2200 });
  t.deepEqual(parseJumpHop('u@[::1]:2200'), { user: 'u', host: '::1', port: 2200 });
  t.throws(() => parseJumpHop('u@'), { message: /expected \[user@\]host\[:port\]/ });
  const target = resolveTarget(conn({ name: 'x', proxyJump: 'a@one:1,two' }), lookup, defaults);
  t.deepEqual(target.jumps.map((j) => `${j.user}@${j.address}:${j.port}`), ['a@one:1', 'fallback@two:22']);
});
