import test from 'ava';
import Database from 'better-sqlite3';
import { existsSync, readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { APPLICATION_ID, JournalError, MIGRATIONS, latestVersion, openJournal } from '../../src/journal/index.js';
import { migrate } from '../../src/journal/schema.js';
import { steppingClock, tempDir } from './helpers/tmp.js';

const mode = (p: string) => statSync(p).mode & 0o777;

function raw(path: string) {
  const db = new Database(path);
  return {
    appId: db.pragma('application_id', { simple: true }),
    version: db.pragma('user_version', { simple: true }),
    journalMode: db.pragma('journal_mode', { simple: true }),
    tables: (db.prepare(`SELECT name FROM sqlite_schema WHERE type='table' ORDER BY name`).all() as { name: string }[]).map((r) => r.name),
    close: () => db.close(),
    db,
  };
}

/** A closed, checkpointed journal holding one run. */
function makeJournal(path: string): string {
  const j = openJournal(path, { now: steppingClock() });
  const id = j.startRun({ command: 'apply', user: 'ops', controllerHost: 'ctl', argv: ['apply'], inventoryPaths: ['hosts.yml'], connection: { hosts: {} } });
  j.close();
  return id;
}

// Serial tests run before the concurrent ones, so the umask changes cannot leak into them.
test.serial('a new journal is 0600 (and its -wal/-shm), in new 0700 directories, under the usual umask', (t) => {
  const dir = tempDir(t);
  const old = process.umask(0o022);
  try {
    const path = join(dir, 'state', 'remediate', 'journal.db');
    const j = openJournal(path, { now: steppingClock() });
    t.is(mode(path), 0o600);
    t.is(mode(`${path}-wal`), 0o600);
    t.is(mode(`${path}-shm`), 0o600);
    t.is(mode(join(dir, 'state')), 0o700);
    t.is(mode(join(dir, 'state', 'remediate')), 0o700);
    j.close();
  } finally {
    process.umask(old);
  }
});

test.serial('a new journal is 0600 even when the umask takes the owner’s write bit away', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'journal.db');
  const old = process.umask(0o277); // a plain create would give 0400
  try {
    openJournal(path, { now: steppingClock() }).close();
  } finally {
    process.umask(old);
  }
  t.is(mode(path), 0o600);
});

test('an existing journal readable by group/other is narrowed to its owner', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'journal.db');
  makeJournal(path);
  chmodSync(path, 0o644);
  openJournal(path, { now: steppingClock() }).close();
  t.is(mode(path), 0o600);
});

test('an empty file is initialised to the latest schema, marked as a remediate journal, in WAL mode', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'journal.db');
  writeFileSync(path, '', { mode: 0o600 });
  openJournal(path, { now: steppingClock() }).close();
  const r = raw(path);
  t.is(r.appId, APPLICATION_ID);
  t.is(r.version, latestVersion());
  t.is(r.journalMode, 'wal');
  t.deepEqual(r.tables, ['check_results', 'facts', 'host_locks', 'meta', 'run_hosts', 'runs', 'steps']);
  t.deepEqual(r.db.prepare('SELECT key, value FROM meta').all(), [{ key: 'format', value: 'remediate-journal' }]);
  r.close();
});

test('reopening keeps the data and does not migrate again', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'journal.db');
  const id = makeJournal(path);
  const j = openJournal(path, { now: steppingClock() });
  t.is(j.getRun(id)?.command, 'apply');
  j.close();
  const r = raw(path);
  t.deepEqual(migrate(r.db, path), { from: latestVersion(), to: latestVersion() });
  r.close();
});

test('a journal at the current version is migrated by a newer migration list, and older code then refuses it', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'journal.db');
  const id = makeJournal(path);
  const cur = latestVersion();
  const newer = [...MIGRATIONS, { version: cur + 1, description: 'run notes', up: 'ALTER TABLE runs ADD COLUMN note TEXT' }];
  const r = raw(path);
  t.deepEqual(migrate(r.db, path, newer), { from: cur, to: cur + 1 });
  t.is(r.db.pragma('user_version', { simple: true }), cur + 1);
  t.deepEqual(r.db.prepare('SELECT id, note FROM runs').all(), [{ id, note: null }]);
  r.close();
  const before = readFileSync(path);
  const err = t.throws(() => openJournal(path, { now: steppingClock() }), { instanceOf: JournalError });
  t.is(err?.code, 'too_new');
  t.true(err?.message.includes(path));
  t.regex(err?.message ?? '', new RegExp(`schema version ${cur + 1} .* up to version ${cur}`));
  t.deepEqual(readFileSync(path), before, 'the newer journal is left untouched');
});

test('a journal written by a much newer remediate is refused with both versions named', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'journal.db');
  makeJournal(path);
  const r = raw(path);
  r.db.pragma('user_version = 99');
  r.close();
  const err = t.throws(() => openJournal(path, { now: steppingClock() }), { instanceOf: JournalError });
  t.is(err?.code, 'too_new');
  t.regex(err?.message ?? '', new RegExp(`journal .*journal\\.db: has schema version 99 but this remediate understands up to version ${latestVersion()}`));
});

const corruptCases: { name: string; bytes: (real: Buffer) => Buffer }[] = [
  { name: 'a text file', bytes: () => Buffer.from('this is not a database\n'.repeat(300)) },
  { name: 'random bytes the size of a page', bytes: () => Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)) },
  {
    name: 'a journal whose schema page was overwritten',
    bytes: (real) => {
      const b = Buffer.from(real);
      b.fill(0xff, 100, 4096);
      return b;
    },
  },
  { name: 'a journal with its header cut off', bytes: (real) => real.subarray(50) },
];

for (const c of corruptCases) {
  test(`corrupt file: ${c.name} is a clear error naming the path, and is left untouched`, (t) => {
    const dir = tempDir(t);
    const good = join(dir, 'good.db');
    makeJournal(good);
    const path = join(dir, 'journal.db');
    writeFileSync(path, c.bytes(readFileSync(good)), { mode: 0o600 });
    const before = readFileSync(path);
    const err = t.throws(() => openJournal(path, { now: steppingClock() }), { instanceOf: JournalError });
    t.is(err?.code, 'corrupt');
    t.true(err?.message.startsWith(`journal ${path}: the file`), err?.message);
    t.deepEqual(readFileSync(path), before);
    t.false(existsSync(`${path}-wal`), 'no WAL was started on it');
  });
}

const foreignCases: { name: string; setup: (db: Database.Database) => void; expect: RegExp }[] = [
  {
    name: 'another application’s database',
    setup: (db) => db.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users VALUES (1, \'x\')'),
    expect: /not a remediate journal \(application_id 0, expected \d+; tables: users\)/,
  },
  {
    name: 'a database with another application_id and no tables',
    setup: (db) => db.pragma('application_id = 1196444237'),
    expect: /not a remediate journal \(application_id 1196444237, expected \d+; tables: none\)/,
  },
  {
    name: 'our application_id without a meta table',
    setup: (db) => {
      db.pragma(`application_id = ${APPLICATION_ID}`);
      db.exec('CREATE TABLE runs (id TEXT)');
    },
    expect: /has no meta table/,
  },
];

for (const c of foreignCases) {
  test(`foreign SQLite file: ${c.name} is refused and left untouched`, (t) => {
    const dir = tempDir(t);
    const path = join(dir, 'journal.db');
    const db = new Database(path);
    c.setup(db);
    db.close();
    const before = readFileSync(path);
    const err = t.throws(() => openJournal(path, { now: steppingClock() }), { instanceOf: JournalError });
    t.is(err?.code, 'foreign');
    t.true(err?.message.includes(path));
    t.regex(err?.message ?? '', c.expect);
    t.deepEqual(readFileSync(path), before);
  });
}

test('a journal path that is a directory is an io error naming it', (t) => {
  const dir = tempDir(t);
  const err = t.throws(() => openJournal(dir, { now: steppingClock() }), { instanceOf: JournalError });
  t.is(err?.code, 'io');
  t.true(err?.message.includes(dir));
});

/** A journal as an older remediate left it: schema `version`, one failed apply run on web1 (and `more`). */
function olderJournal(t: Parameters<typeof tempDir>[0], version: number, more?: (db: Database.Database) => unknown): string {
  const path = join(tempDir(t), 'journal.db');
  const r = raw(path);
  t.deepEqual(migrate(r.db, path, MIGRATIONS.slice(0, version)), { from: 0, to: version });
  r.db.prepare(`INSERT INTO runs (id, command, status, started, user, controller_host, argv, inventory_paths, connection) VALUES ('old-run', 'apply', 'failed', 1, 'ops', 'ctl', '[]', '[]', '{"hosts":{}}')`).run();
  r.db.prepare(`INSERT INTO run_hosts (run_id, host, seq, batch, canary, status, updated) VALUES ('old-run', 'web1', 0, 1, 0, 'failed', 1)`).run();
  more?.(r.db);
  r.close();
  return path;
}

test('a version-1 journal from an older remediate is migrated in place: its runs stay, hosts gain why they ended', (t) => {
  const path = olderJournal(t, 1);
  const j = openJournal(path, { now: steppingClock() });
  t.like(j.getRun('old-run')?.hostList[0], { host: 'web1', status: 'failed' });
  t.false('msg' in j.getRun('old-run')!.hostList[0]);
  j.setHostStatus('old-run', 'web1', 'failed', 'canary failed: leaks 1.00 key per reload');
  j.setHostStatus('old-run', 'web1', 'rolled_back');
  t.like(j.getRun('old-run')?.hostList[0], { status: 'rolled_back', msg: 'canary failed: leaks 1.00 key per reload' }, 'a rollback keeps the reason');
  j.close();
  t.is(raw(path).version, latestVersion());
});

test('a version-2 journal is migrated in place: its steps stay (none a handler\'s), and handler steps can be told apart', (t) => {
  const path = olderJournal(t, 2, (db) => db.prepare(`INSERT INTO steps (run_id, host, task, task_index, module, class, facts_fingerprint, summary, intent_at, status, started_at, finished_at) VALUES ('old-run', 'web1', 'ini', 2, 'ini', 'reversible', 'fp', 'set x', 1, 'changed', 1, 2)`).run());
  const j = openJournal(path, { now: steppingClock() });
  t.like(j.stepsFor('old-run')[0], { task: 'ini', taskIndex: 2 });
  t.false('handler' in j.stepsFor('old-run')[0]);
  const id = j.recordIntent({ runId: 'old-run', host: 'web1', task: 'restart', taskIndex: 2, handler: true, module: 'service', class: 'stateless', factsFingerprint: 'fp', summary: 'full restart' });
  j.recordOutcome(id, { status: 'changed', startedAt: 3, finishedAt: 4 });
  t.like(j.stepsFor('old-run')[1], { task: 'restart', taskIndex: 2, handler: true, class: 'stateless' });
  t.deepEqual(j.stepsToUndo('old-run').map((s) => s.task), ['ini'], 'a restart has nothing to undo');
  j.close();
  t.is(raw(path).version, latestVersion());
});
