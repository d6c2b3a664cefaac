// The journal's schema as an ordered list of migrations, keyed by PRAGMA user_version. The file
// is marked with PRAGMA application_id so a foreign SQLite database is never mistaken for (or
// turned into) a journal.
import type Database from 'better-sqlite3';
import { JournalError } from './errors.js';

/** 'REMD' as a big-endian 32-bit integer: the SQLite header field that says "remediate journal". */
export const APPLICATION_ID = 0x52454d44;

export interface Migration {
  /** The user_version the database has after this migration. Consecutive from 1. */
  version: number;
  description: string;
  /** SQL run inside the migration transaction. */
  up: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'runs, hosts, steps with inverses, facts, host locks, check results',
    up: `
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
      INSERT INTO meta (key, value) VALUES ('format', 'remediate-journal');

      CREATE TABLE runs (
        id               TEXT PRIMARY KEY,
        command          TEXT NOT NULL,
        status           TEXT NOT NULL,
        started          INTEGER NOT NULL,
        finished         INTEGER,
        user             TEXT NOT NULL,
        controller_host  TEXT NOT NULL,
        pid              INTEGER,
        argv             TEXT NOT NULL,   -- JSON array, secrets masked
        playbook_path    TEXT,
        playbook_sha256  TEXT,
        inventory_paths  TEXT NOT NULL,   -- JSON array
        inventory_sha256 TEXT,
        connection       TEXT NOT NULL    -- JSON RunConnection, never a password
      ) STRICT;
      CREATE INDEX runs_newest ON runs (started DESC);  -- ties: rowid (insertion order)

      CREATE TABLE run_hosts (
        run_id  TEXT NOT NULL REFERENCES runs (id),
        host    TEXT NOT NULL,
        seq     INTEGER NOT NULL,          -- order hosts were recorded in
        batch   INTEGER NOT NULL,
        canary  INTEGER NOT NULL,
        status  TEXT NOT NULL,
        updated INTEGER NOT NULL,
        PRIMARY KEY (run_id, host)
      ) STRICT;

      CREATE TABLE steps (
        id                INTEGER PRIMARY KEY,  -- journal order = apply order
        run_id            TEXT NOT NULL,
        host              TEXT NOT NULL,
        task              TEXT NOT NULL,
        task_index        INTEGER NOT NULL,
        module            TEXT NOT NULL,
        class             TEXT NOT NULL CHECK (class IN ('reversible', 'stateless', 'irreversible')),
        inverse           TEXT,                 -- JSON, redacted
        facts_fingerprint TEXT NOT NULL,
        summary           TEXT NOT NULL,
        diff              TEXT,
        intent_at         INTEGER NOT NULL,
        status            TEXT,                 -- NULL until the outcome is recorded
        verification      TEXT,                 -- JSON
        msg               TEXT,
        started_at        INTEGER,
        finished_at       INTEGER,
        rollback_status   TEXT,
        rollback_msg      TEXT,
        rollback_at       INTEGER,
        FOREIGN KEY (run_id, host) REFERENCES run_hosts (run_id, host)
      ) STRICT;
      CREATE INDEX steps_by_host ON steps (run_id, host, id);
      CREATE INDEX steps_unfinished ON steps (run_id, id) WHERE status IS NULL;

      CREATE TABLE facts (
        run_id      TEXT NOT NULL,
        host        TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        facts       TEXT NOT NULL,              -- JSON, redacted
        at          INTEGER NOT NULL,
        PRIMARY KEY (run_id, host),
        FOREIGN KEY (run_id, host) REFERENCES run_hosts (run_id, host)
      ) STRICT;
      CREATE INDEX facts_by_host ON facts (host, at DESC);

      CREATE TABLE host_locks (
        host            TEXT PRIMARY KEY,
        run_id          TEXT NOT NULL,
        pid             INTEGER NOT NULL,
        controller_host TEXT NOT NULL,
        since           INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE check_results (
        id           INTEGER PRIMARY KEY,
        run_id       TEXT NOT NULL REFERENCES runs (id),
        host         TEXT NOT NULL,
        assertion    TEXT,                      -- NULL for host-level results (unreachable, error)
        status       TEXT NOT NULL,
        observed     TEXT,                      -- JSON, redacted
        keys_in_use  INTEGER,
        reloads_left INTEGER,
        at           INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX check_results_by_host ON check_results (host, at DESC, id DESC);
      CREATE INDEX check_results_by_run ON check_results (run_id, id);
    `,
  },
  {
    version: 2,
    description: "why a host ended as it did (the host's last message: a failed step, a refusal, unreachable)",
    up: `ALTER TABLE run_hosts ADD COLUMN msg TEXT;`,
  },
  {
    version: 3,
    description: 'steps of handlers told apart from tasks (their indexes are the handler list\'s), now that restarts and reloads are journalled too',
    up: `ALTER TABLE steps ADD COLUMN handler INTEGER NOT NULL DEFAULT 0;`,
  },
];

export function latestVersion(migrations: readonly Migration[] = MIGRATIONS): number {
  return migrations.length ? migrations[migrations.length - 1].version : 0;
}

export type Identity =
  | { kind: 'fresh' }
  | { kind: 'journal'; version: number };

/**
 * What the open file is: an empty database (ours to initialise), a journal at some schema
 * version, or something else (an error naming the path, the file untouched).
 */
export function identify(db: Database.Database, path: string, migrations: readonly Migration[] = MIGRATIONS): Identity {
  // One read transaction for all three reads: another process may be creating the journal at
  // this moment, and separate reads could see its tables but not yet its application_id.
  const read = () => ({
    appId: db.pragma('application_id', { simple: true }) as number,
    version: db.pragma('user_version', { simple: true }) as number,
    tables: (db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name`).all() as { name: string }[]).map((r) => r.name),
  });
  const { appId, version, tables } = db.inTransaction ? read() : db.transaction(read)();
  if (appId === 0 && version === 0 && tables.length === 0) return { kind: 'fresh' };
  if (appId !== APPLICATION_ID) {
    const shown = tables.slice(0, 5).join(', ') + (tables.length > 5 ? ', …' : '');
    throw new JournalError(
      'foreign',
      path,
      `is an SQLite database but not a remediate journal (application_id ${appId}, expected ${APPLICATION_ID}; ` +
        `tables: ${shown || 'none'}); refusing to use or change it — pass another --journal path`,
    );
  }
  if (!tables.includes('meta')) {
    throw new JournalError('foreign', path, `carries the remediate application_id but has no meta table; refusing to use or change it`);
  }
  const latest = latestVersion(migrations);
  if (version > latest) {
    throw new JournalError(
      'too_new',
      path,
      `has schema version ${version} but this remediate understands up to version ${latest}; ` +
        `it was written by a newer remediate — upgrade remediate (the file was not changed)`,
    );
  }
  return { kind: 'journal', version };
}

/**
 * Bring the database up to the latest version in one IMMEDIATE transaction (so two processes
 * opening a new journal at once migrate it exactly once). Returns the versions before and after.
 */
export function migrate(db: Database.Database, path: string, migrations: readonly Migration[] = MIGRATIONS): { from: number; to: number } {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration list out of order: entry ${i} has version ${m.version}`);
  });
  const run = db.transaction(() => {
    // Re-read under the write lock: another process may have migrated meanwhile.
    const id = identify(db, path, migrations);
    const from = id.kind === 'fresh' ? 0 : id.version;
    for (const m of migrations) {
      if (m.version <= from) continue;
      db.exec(m.up);
    }
    const to = latestVersion(migrations);
    if (to !== from) {
      db.pragma(`application_id = ${APPLICATION_ID}`);
      db.pragma(`user_version = ${to}`);
    }
    return { from, to };
  });
  return run.immediate();
}
