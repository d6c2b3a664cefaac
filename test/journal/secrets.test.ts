// The journal never stores a secret: scan the database file's bytes (and its WAL) for it.
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openJournal, redactArgv, type Journal } from '../../src/journal/index.js';
import { steppingClock, tempDir } from './helpers/tmp.js';

const SECRET = 'Tr0ub4dor&3-sudo-pw';
const VAULT = 'vault-value-9f8e7d';

/** Every free-form place a secret could leak into, as an engine would write it. */
function writeEverything(j: Journal): void {
  const runId = j.startRun({
    command: 'apply',
    user: 'ops',
    controllerHost: 'ctl',
    argv: redactArgv(['apply', 'site.yml', '--become-password', SECRET, '-e', `db_password=${VAULT} user=www`]),
    inventoryPaths: ['hosts.yml'],
    connection: { hosts: { web1: { name: 'web1', address: '10.0.0.1', port: 22, connection: 'ssh' } }, settings: { note: `sudo via ${SECRET}` } },
  });
  j.recordHost(runId, 'web1', { batch: 0, canary: true });
  j.recordFacts(runId, 'web1', { env: { DB_PASS: VAULT }, [SECRET]: 1 }, 'fp');
  const step = j.recordIntent({
    runId,
    host: 'web1',
    task: 'write db.ini',
    taskIndex: 0,
    module: 'copy',
    class: 'reversible',
    inverse: { path: '/etc/db.ini', previousText: `password=${VAULT}\n`, nested: [{ sudo: SECRET }] },
    factsFingerprint: 'fp',
    summary: `write /etc/db.ini with ${VAULT}`,
    diff: `-password=old\n+password=${VAULT}\n`,
  });
  j.recordOutcome(step, { status: 'failed', verification: { stderr: `[sudo] password: ${SECRET}` }, msg: `sudo -S failed for ${SECRET}`, startedAt: 1, finishedAt: 2 });
  j.recordRollback(step, { status: 'failed', msg: `could not restore: ${VAULT}` });
  j.recordCheck({ runId, host: 'web1', assertion: 'a', status: 'error', observed: { out: SECRET } });
}

function fileBytes(path: string): Buffer {
  return Buffer.concat([path, `${path}-wal`].filter(existsSync).map((p) => readFileSync(p)));
}

const contains = (bytes: Buffer, s: string) => bytes.includes(Buffer.from(s, 'utf8'));

test('known secrets never appear in the journal file or its WAL', (t) => {
  const path = join(tempDir(t), 'journal.db');
  const j = openJournal(path, { now: steppingClock(), secrets: [SECRET] });
  j.addSecrets(VAULT); // learnt during the run
  writeEverything(j);
  const whileOpen = fileBytes(path);
  j.close();
  const afterClose = fileBytes(path);
  for (const [when, bytes] of [['while open', whileOpen], ['after close', afterClose]] as const) {
    t.false(contains(bytes, SECRET), `sudo password found ${when}`);
    t.false(contains(bytes, VAULT), `vault value found ${when}`);
  }
  // The masked records are still there and readable.
  const again = openJournal(path, { now: steppingClock() });
  t.teardown(() => again.close());
  const [run] = again.listRuns();
  t.deepEqual(again.getRun(run.id)?.argv, ['apply', 'site.yml', '--become-password', '********', '-e', 'db_password=******** user=www']);
  t.like(again.stepsFor(run.id)[0], { summary: 'write /etc/db.ini with ********', outcome: { msg: 'sudo -S failed for ********' } });
});

test('control: without the secrets registered, the same scan does find them (the scan works)', (t) => {
  const path = join(tempDir(t), 'journal.db');
  const j = openJournal(path, { now: steppingClock() });
  writeEverything(j);
  j.close();
  const bytes = fileBytes(path);
  t.true(contains(bytes, SECRET));
  t.true(contains(bytes, VAULT));
});
