// Failures as values: sshd killed mid-command, connections dropped, refused and silent servers
// (retried), dead peers found by keepalive, bastions pooled within their session limit.
import test from 'ava';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { startSshd, type Sshd } from '../../helpers/sshd.js';
import { host, knownHosts, ok, transport } from './fixture.js';

let sshd: Sshd;
let kh: string;
const scratch = mkdtempSync(join(tmpdir(), 'rmd-resilience-'));
chmodSync(scratch, 0o777); // the remote user leaves marker files here
const TARGETS = Array.from({ length: 15 }, (_, i) => `127.0.6.${i + 1}`);
const POOLED = Array.from({ length: 15 }, (_, i) => `127.0.6.${i + 21}`);

test.before(async () => {
  sshd = await startSshd();
  kh = knownHosts(sshd, ['127.0.0.1', '127.0.6.101', '127.0.6.102', ...TARGETS, ...POOLED]);
});
test.after.always(async () => {
  await sshd?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const reasonOf = (r: { kind: string; reason?: string }) => (r.kind === 'unreachable' ? r.reason ?? '' : `not unreachable: ${JSON.stringify(r)}`);

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

test('sshd killed mid-command: the command is unreachable, later ones too, nothing crashes', async (t) => {
  const own = await startSshd();
  const { t: tr } = transport(own, { hostKeyPolicy: 'off' });
  const h = host(own, '127.0.0.1');
  ok(t, await tr.exec(h, { cmd: { argv: ['true'] } }));
  const running = tr.exec(h, { cmd: { argv: ['sleep', '30'] } });
  await new Promise((r) => setTimeout(r, 300));
  await own.kill();
  const r = await running;
  t.like(r, { kind: 'unreachable' });
  t.regex(reasonOf(r), /connection lost while (the command was running|starting the command)/);
  const after = await tr.exec(h, { cmd: { argv: ['true'] } });
  t.like(after, { kind: 'unreachable' });
  t.regex(reasonOf(after), /ECONNREFUSED.*\(after 3 attempts\)/);
  t.falsy((after as { permanent?: boolean }).permanent);
  await tr.closeAll();
});

test('a dropped connection is reopened for the next command', async (t) => {
  const own = await startSshd();
  try {
    const { t: tr } = transport(own, { hostKeyPolicy: 'off' });
    const h = host(own, '127.0.6.100');
    ok(t, await tr.exec(h, { cmd: { argv: ['true'] } }));
    const marker = join(scratch, 'drop-started');
    const running = tr.exec(h, { cmd: { script: `touch ${marker}; sleep 30` } });
    await waitForFile(marker);
    own.dropConnections();
    const r = await running;
    t.like(r, { kind: 'unreachable' }, JSON.stringify(r));
    ok(t, await tr.exec(h, { cmd: { argv: ['true'] } }));
    t.is(own.connectionsTo('127.0.6.100'), 2);
    await tr.close(h);
    ok(t, await tr.exec(h, { cmd: { argv: ['true'] } }), 'close(host) then exec opens a new connection');
    t.is(own.connectionsTo('127.0.6.100'), 3);
    await tr.closeAll();
  } finally {
    await own.stop();
  }
});

test('a server closing before the banner is retried with backoff, then unreachable (not permanent)', async (t) => {
  let accepted = 0;
  const server = createServer((s) => {
    accepted++;
    s.destroy();
  });
  const port = await listen(server);
  const { t: tr } = transport(sshd, { hostKeyPolicy: 'off', connectRetries: 2 });
  const r = await tr.exec(host(sshd, '127.0.0.1', { port }), { cmd: { argv: ['true'] } });
  server.close();
  t.like(r, { kind: 'unreachable' });
  t.falsy((r as { permanent?: boolean }).permanent);
  t.regex(reasonOf(r), /after 3 attempts/);
  t.is(accepted, 3);
});

test('a silent server hits the connect timeout (handshake), retried', async (t) => {
  const held: Socket[] = [];
  const server = createServer((s) => held.push(s));
  const port = await listen(server);
  const { t: tr } = transport(sshd, { hostKeyPolicy: 'off', connectRetries: 1, connectTimeoutMs: 1000 });
  const started = Date.now();
  const r = await tr.exec(host(sshd, '127.0.0.1', { port }), { cmd: { argv: ['true'] } });
  for (const s of held) s.destroy();
  server.close();
  t.regex(reasonOf(r), /timed out after 1000 ms during SSH handshake \(after 2 attempts\)/);
  t.is(held.length, 2);
  t.true(Date.now() - started < 5000);
});

/**
 * A TCP relay to sshd whose open connections can go silent, like a peer that vanished without
 * a FIN; connections made after freeze() pass normally.
 */
async function freezableRelay(target: string) {
  const live: Array<{ frozen: boolean; sockets: Socket[] }> = [];
  let accepted = 0;
  const server = createServer((client) => {
    accepted++;
    const upstream = connect(sshd.port, target);
    const c = { frozen: false, sockets: [client, upstream] };
    live.push(c);
    client.on('data', (d) => { if (!c.frozen) upstream.write(d); });
    upstream.on('data', (d) => { if (!c.frozen) client.write(d); });
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  const port = await listen(server);
  // The relay listens on 127.0.0.1:<port>; the key is checked under that name.
  const relayKh = knownHosts(sshd, []);
  writeFileSync(relayKh, `[127.0.0.1]:${port} ${sshd.hostKeyPub}\n`);
  return {
    port,
    relayKh,
    accepted: () => accepted,
    freeze: () => live.forEach((c) => (c.frozen = true)),
    close: () => {
      for (const c of live) for (const so of c.sockets) so.destroy();
      server.close();
    },
  };
}

/** Wait until a file appears: the remote command has started (sshd runs on this machine). */
async function waitForFile(path: string): Promise<void> {
  for (let i = 0; i < 300 && !existsSync(path); i++) await new Promise((r) => setTimeout(r, 50));
  if (!existsSync(path)) throw new Error(`${path} never appeared`);
}

test('keepalive finds a dead peer: the running command ends as unreachable', async (t) => {
  const relay = await freezableRelay('127.0.6.101');
  t.teardown(relay.close);
  const { t: tr } = transport(sshd, { knownHostsFile: kh });
  const h = host(sshd, '127.0.0.1', { port: relay.port, keepaliveIntervalMs: 200, knownHostsFile: relay.relayKh });
  const marker = join(scratch, 'keepalive-started');
  const running = tr.exec(h, { cmd: { script: `touch ${marker}; sleep 20` } });
  await waitForFile(marker);
  relay.freeze();
  const started = Date.now();
  const r = await running;
  t.like(r, { kind: 'unreachable' }, JSON.stringify(r));
  t.regex(r.kind === 'unreachable' ? r.reason : '', /connection lost while (the command was running|starting the command)/);
  t.true(Date.now() - started < 5000, `noticed after ${Date.now() - started} ms`);
  await tr.closeAll();
});

test('a hung connection (no keepalive): a command timeout still returns; the next command gets a new connection', async (t) => {
  const relay = await freezableRelay('127.0.6.102');
  t.teardown(relay.close);
  const { t: tr } = transport(sshd, { knownHostsFile: kh });
  const h = host(sshd, '127.0.0.1', { port: relay.port, keepaliveIntervalMs: 0, knownHostsFile: relay.relayKh });
  ok(t, await tr.exec(h, { cmd: { argv: ['true'] } }));
  relay.freeze();
  const r = await tr.exec(h, { cmd: { argv: ['true'] }, timeoutMs: 500 });
  t.like(r, { kind: 'exit', timedOut: true, exitCode: null });
  ok(t, await tr.exec(h, { cmd: { argv: ['true'] } }));
  t.is(relay.accepted(), 2);
  await tr.closeAll();
});

test('bastion: 15 hosts through ProxyJump share pooled jump connections of at most 4 tunnels', async (t) => {
  const { t: tr, home } = transport(sshd, { knownHostsFile: kh, jumpTunnelsPerConnection: 4, jumpPoolSize: 8 });
  // The jump host authenticates with the default key, as plain ssh -J would.
  mkdirSync(join(home, '.ssh'), { recursive: true });
  copyFileSync(sshd.keyFile, join(home, '.ssh', 'id_ed25519'));
  const jump = `${sshd.user}@127.0.0.1:${sshd.port}`;
  const rs = await Promise.all(TARGETS.map((a) => tr.exec(host(sshd, a, { proxyJump: jump }), { cmd: { argv: ['sh', '-c', 'echo $SSH_CLIENT'] } })));
  for (const r of rs) ok(t, r);
  // Connections to the targets come from the bastion (sshd itself, on 127.0.0.1).
  for (const a of TARGETS) t.is(sshd.connectionsTo(a), 1, a);
  const loads = Object.values(tr.jumpLoads())[0]!;
  t.true(loads.length >= 4 && loads.length <= 8, `pool of ${loads.length}`);
  t.true(Math.max(...loads) <= 4, `loads ${loads}`);
  t.is(loads.reduce((a, b) => a + b, 0), 15);
  await tr.closeAll();
});

test('bastion pool at its size limit: tunnels wait for a free slot instead of overloading', async (t) => {
  const { t: tr, home } = transport(sshd, { knownHostsFile: kh, jumpTunnelsPerConnection: 2, jumpPoolSize: 2 });
  mkdirSync(join(home, '.ssh'), { recursive: true });
  copyFileSync(sshd.keyFile, join(home, '.ssh', 'id_ed25519'));
  const jump = `${sshd.user}@127.0.0.1:${sshd.port}`;
  const limit = pLimit(8);
  let maxLoad = 0;
  const rs = await Promise.all(POOLED.map((a) => limit(async () => {
    const h = host(sshd, a, { proxyJump: jump, name: `pool-${a}` });
    const r = await tr.exec(h, { cmd: { argv: ['true'] } });
    for (const l of Object.values(tr.jumpLoads()).flat()) maxLoad = Math.max(maxLoad, l);
    await tr.close(h);
    return r;
  })));
  for (const r of rs) ok(t, r);
  t.true(maxLoad <= 2, `max tunnels per bastion connection ${maxLoad}`);
  t.true(Object.values(tr.jumpLoads())[0]!.length <= 2);
  await tr.closeAll();
});
