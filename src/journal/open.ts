// Opening the journal: a private file, a recognised (or empty) database, WAL, and the latest
// schema. Anything unexpected is an error naming the path; the file is never reset.
import Database from 'better-sqlite3';
import { JournalError, asJournalError, sqliteCode } from './errors.js';
import { Journal, type JournalDeps } from './journal.js';
import { ensureJournalFile } from './paths.js';
import { identify, migrate } from './schema.js';

export interface OpenJournalOptions extends JournalDeps {
  /** How long a write waits for another process's write lock (an apply and a check sharing the file). */
  busyTimeoutMs?: number;
}

export const DEFAULT_BUSY_TIMEOUT_MS = 10_000;

export function openJournal(path: string, opts: OpenJournalOptions): Journal {
  ensureJournalFile(path);
  let db: Database.Database;
  try {
    db = new Database(path, { fileMustExist: true });
  } catch (err) {
    const mapped = asJournalError(err, path);
    throw mapped instanceof JournalError ? mapped : new JournalError('io', path, `cannot open: ${(err as Error).message}`, { cause: err });
  }
  const busyMs = Math.max(0, Math.floor(opts.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS));
  try {
    db.pragma(`busy_timeout = ${busyMs}`);
    // Several processes creating the journal at once: two that both read it (a shared lock)
    // and then both need it exclusively (the switch to WAL) would deadlock, so SQLite fails
    // one at once with SQLITE_BUSY instead of waiting. Each step is idempotent: try again.
    retryWhileBusy(busyMs, () => {
      // Identify before changing anything, so a foreign or newer file is left byte-for-byte alone.
      identify(db, path);
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal') throw new JournalError('io', path, `cannot switch to WAL mode (journal_mode is ${String(mode)})`);
    });
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    retryWhileBusy(busyMs, () => migrate(db, path));
  } catch (err) {
    db.close();
    throw asJournalError(err, path);
  }
  return new Journal(db, path, opts);
}

const nap = new Int32Array(new SharedArrayBuffer(4));

function retryWhileBusy<T>(budgetMs: number, fn: () => T): T {
  const until = Date.now() + budgetMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return fn();
    } catch (err) {
      if (!sqliteCode(err)?.startsWith('SQLITE_BUSY') || Date.now() >= until) throw err;
      // a short, jittered pause (synchronous: opening is), so the racers do not collide again
      Atomics.wait(nap, 0, 0, Math.min(50, 2 * attempt) + Math.random() * 5);
    }
  }
}
