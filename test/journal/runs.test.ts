import test from 'ava';
import { join } from 'node:path';
import { JournalError, RUN_ID_PATTERN, openJournal, type StartRun } from '../../src/journal/index.js';
import { steppingClock, tempDir } from './helpers/tmp.js';
import { journalSink } from '../../src/journal/event-sink.js';
import type { Event } from '../../src/report/events.js';

const conn: StartRun['connection'] = {
  hosts: {
    web1: { name: 'web1', address: '10.0.0.1', port: 22, user: 'deploy', connection: 'ssh', privateKeyFile: '/home/ops/.ssh/id_ed25519', knownHostsFile: '/etc/remediate/known_hosts', hostKeyPolicy: 'strict' },
    web2: { name: 'web2', address: '10.0.0.2', port: 2222, connection: 'ssh', proxyJump: 'ops@bastion' },
  },
  becomeUser: 'root',
  settings: { connectTimeoutMs: 10000, vaultPasswordFile: '/etc/remediate/vault.pass' },
};

const base: StartRun = {
  command: 'apply',
  user: 'ops',
  controllerHost: 'ctl1',
  pid: 4242,
  argv: ['apply', 'site.yml', '-i', 'hosts.yml'],
  playbookPath: 'site.yml',
  playbookSha256: 'a'.repeat(64),
  inventoryPaths: ['hosts.yml', 'group_vars/'],
  inventorySha256: 'b'.repeat(64),
  connection: conn,
};

function journal(t: Parameters<typeof tempDir>[0], now = steppingClock()) {
  const j = openJournal(join(tempDir(t), 'journal.db'), { now });
  t.teardown(() => j.close());
  return j;
}

test('a run round-trips everything rollback and resume need to reach its hosts again', (t) => {
  const j = journal(t);
  const id = j.startRun(base);
  t.regex(id, RUN_ID_PATTERN);
  t.true(id.startsWith('2026-11-27T09-30-00Z-'), id);
  j.recordHosts(id, [
    { host: 'web2', batch: 0, canary: true },
    { host: 'web1', batch: 1, canary: false },
  ]);
  j.setHostStatus(id, 'web2', 'changed');
  const run = j.getRun(id);
  t.like(run, {
    id,
    command: 'apply',
    status: 'running',
    started: Date.parse('2026-11-27T09:30:00Z'),
    user: 'ops',
    controllerHost: 'ctl1',
    pid: 4242,
    playbook: 'site.yml',
    playbookSha256: base.playbookSha256,
    inventoryPaths: base.inventoryPaths,
    inventorySha256: base.inventorySha256,
    argv: base.argv,
    hosts: 2,
    hostStatus: { changed: 1, pending: 1 },
    unfinished: 0,
  });
  t.deepEqual(run?.connection, conn);
  t.deepEqual(
    run?.hostList.map((h) => [h.host, h.batch, h.canary, h.status]),
    [
      ['web2', 0, true, 'changed'],
      ['web1', 1, false, 'pending'],
    ],
  );
  t.is(run?.finished, undefined);
  j.finishRun(id, 'succeeded');
  t.like(j.getRun(id), { status: 'succeeded', finished: Date.parse('2026-11-27T09:30:03Z') });
});

test('listRuns is newest first, with limit and offset', (t) => {
  const j = journal(t, steppingClock('2026-11-27T09:30:00Z', 60_000));
  const ids = ['apply', 'check', 'rollback', 'resume'].map((command) => j.startRun({ ...base, command }));
  j.finishRun(ids[0], 'failed');
  const runs = j.listRuns();
  t.deepEqual(runs.map((r) => r.command), ['resume', 'rollback', 'check', 'apply']);
  t.deepEqual(runs.map((r) => r.id), [...ids].reverse());
  t.deepEqual([...ids].sort(), ids, 'ids sort by time as strings');
  t.deepEqual(j.listRuns({ limit: 2 }).map((r) => r.command), ['resume', 'rollback']);
  t.deepEqual(j.listRuns({ limit: 2, offset: 2 }).map((r) => r.command), ['check', 'apply']);
  t.like(runs[3], { status: 'failed', hosts: 0, hostStatus: {} });
});

test('runs started within the same second get distinct ids, still listed newest first', (t) => {
  const fixed = Date.parse('2026-11-27T09:30:00.250Z');
  const j = journal(t, () => fixed);
  const ids = Array.from({ length: 30 }, () => j.startRun(base));
  t.is(new Set(ids).size, 30);
  t.deepEqual(j.listRuns().map((r) => r.id), [...ids].reverse());
});

test('a caller-chosen id is used, and a duplicate is refused', (t) => {
  const j = journal(t);
  t.is(j.startRun({ ...base, id: 'run-a' }), 'run-a');
  const err = t.throws(() => j.startRun({ ...base, id: 'run-a' }), { instanceOf: JournalError });
  t.is(err?.code, 'misuse');
  t.regex(err?.message ?? '', /a run with id run-a already exists/);
});

test('resolveRunId takes a full id or a unique prefix', (t) => {
  const j = journal(t, steppingClock('2026-11-27T09:30:00Z', 3_600_000));
  const a = j.startRun(base);
  const b = j.startRun(base);
  t.deepEqual(j.resolveRunId(a), { ok: true, id: a });
  t.deepEqual(j.resolveRunId('2026-11-27T10'), { ok: true, id: b });
  t.deepEqual(j.resolveRunId('2026-11-27T'), { ok: false, matches: [b, a] });
  t.deepEqual(j.resolveRunId('2025'), { ok: false, matches: [] });
  t.deepEqual(j.resolveRunId('2026_11%'), { ok: false, matches: [] }, 'LIKE wildcards are literal');
});

const refusedConnections: { name: string; connection: unknown; path: string }[] = [
  { name: 'a become password', connection: { hosts: {}, settings: { becomePassword: 'hunter2' } }, path: 'connection.settings.becomePassword' },
  { name: 'an ssh password on a host', connection: { hosts: { web1: { name: 'web1', address: 'a', port: 22, connection: 'ssh', password: 'x' } } }, path: 'connection.hosts.web1.password' },
  { name: 'a key passphrase', connection: { hosts: {}, settings: { ssh: { passphrase: 'x' } } }, path: 'connection.settings.ssh.passphrase' },
  { name: 'an api token', connection: { hosts: {}, settings: { apiToken: 'x' } }, path: 'connection.settings.apiToken' },
];

for (const c of refusedConnections) {
  test(`startRun refuses connection settings carrying ${c.name}`, (t) => {
    const j = journal(t);
    const err = t.throws(() => j.startRun({ ...base, connection: c.connection as StartRun['connection'] }), { instanceOf: JournalError });
    t.is(err?.code, 'misuse');
    t.true(err?.message.includes(c.path), err?.message);
    t.deepEqual(j.listRuns(), []);
  });
}

const misuse: { name: string; call: (j: ReturnType<typeof openJournal>, runId: string) => unknown; expect: RegExp }[] = [
  { name: 'finishRun of an unknown run', call: (j) => j.finishRun('nope', 'failed'), expect: /finishRun: no run nope/ },
  { name: 'finishRun with a bad status', call: (j, id) => j.finishRun(id, 'running' as never), expect: /unknown status 'running'/ },
  { name: 'recordHost in an unknown run', call: (j) => j.recordHost('nope', 'web1', { batch: 0, canary: false }), expect: /recordHost: no run nope/ },
  { name: 'setHostStatus of an unrecorded host', call: (j, id) => j.setHostStatus(id, 'web9', 'ok'), expect: /host web9 is not recorded in run/ },
];

for (const c of misuse) {
  test(`misuse is a clear error: ${c.name}`, (t) => {
    const j = journal(t);
    const id = j.startRun(base);
    const err = t.throws(() => c.call(j, id), { instanceOf: JournalError });
    t.is(err?.code, 'misuse');
    t.regex(err?.message ?? '', c.expect);
  });
}

test('recording a host twice updates its placement, keeps its order and status', (t) => {
  const j = journal(t);
  const id = j.startRun(base);
  j.recordHost(id, 'a', { batch: 0, canary: false });
  j.recordHost(id, 'b', { batch: 0, canary: false });
  j.setHostStatus(id, 'a', 'failed');
  j.recordHost(id, 'a', { batch: 2, canary: true });
  t.deepEqual(
    j.getRun(id)?.hostList.map((h) => [h.host, h.batch, h.canary, h.status]),
    [
      ['a', 2, true, 'failed'],
      ['b', 0, false, 'pending'],
    ],
  );
});

test('getRun of an unknown id is undefined', (t) => {
  t.is(journal(t).getRun('2026-01-01T00-00-00Z-0000'), undefined);
});

test('event sink: an apply writes each host status as it happens; a check (read-only) writes them all in one go at run end', (t) => {
  for (const readOnly of [false, true]) {
    const j = journal(t);
    const id = j.startRun({ ...base, command: readOnly ? 'check' : 'apply' });
    const sink = journalSink(j, id, { readOnly });
    const statuses = () => j.getRun(id)!.hostList.map((h) => `${h.host}:${h.status}`);
    sink({ kind: 'batch.start', index: 1, canary: false, hosts: ['web1', 'web2'] } as Event);
    sink({ kind: 'host.start', host: 'web1' } as Event);
    t.deepEqual(statuses(), readOnly ? ['web1:pending', 'web2:pending'] : ['web1:running', 'web2:pending']);
    sink({ kind: 'host.end', host: 'web1', status: 'ok' } as Event);
    sink({ kind: 'host.end', host: 'web2', status: 'unreachable', msg: 'connect timed out' } as Event);
    t.deepEqual(statuses(), readOnly ? ['web1:pending', 'web2:pending'] : ['web1:ok', 'web2:unreachable']);
    sink({ kind: 'run.end', exitCode: 0, aborted: false } as Event);
    t.deepEqual(statuses(), ['web1:ok', 'web2:unreachable']);
    t.is(j.getRun(id)!.hostList.find((h) => h.host === 'web2')?.msg, 'connect timed out');
  }
});
