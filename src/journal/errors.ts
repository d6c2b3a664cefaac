// One error type for everything the journal refuses: it always names the journal file, so the
// operator knows which file to inspect, move away or restore (the journal never resets itself).

export type JournalErrorCode =
  /** Not an SQLite file, or a damaged one. */
  | 'corrupt'
  /** A valid SQLite database that is not a remediate journal. */
  | 'foreign'
  /** Written by a newer remediate (schema version above what this code knows). */
  | 'too_new'
  /** The file or its directory cannot be created, opened or locked. */
  | 'io'
  /** The caller broke the journal's contract (unknown run, step recorded twice, password in connection…). */
  | 'misuse';

export class JournalError extends Error {
  readonly code: JournalErrorCode;
  readonly path: string;
  constructor(code: JournalErrorCode, path: string, message: string, options?: { cause?: unknown }) {
    super(`journal ${path}: ${message}`, options);
    this.name = 'JournalError';
    this.code = code;
    this.path = path;
  }
}

/** SQLite error codes from better-sqlite3's SqliteError (`code` property). */
export function sqliteCode(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err && typeof (err as { code: unknown }).code === 'string') {
    return (err as { code: string }).code;
  }
  return undefined;
}

const CORRUPT_CODES = new Set(['SQLITE_NOTADB', 'SQLITE_CORRUPT']);

/** Map damaged-file errors to a JournalError naming the path; leave everything else as is. */
export function asJournalError(err: unknown, path: string): unknown {
  if (err instanceof JournalError) return err;
  const code = sqliteCode(err);
  if (code && [...CORRUPT_CODES].some((c) => code.startsWith(c))) {
    const what = code.startsWith('SQLITE_NOTADB') ? 'is not an SQLite database' : 'is damaged';
    return new JournalError(
      'corrupt',
      path,
      `the file ${what} (${(err as Error).message}); it was left untouched — move it away or restore it from a backup`,
      { cause: err },
    );
  }
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return new JournalError('io', path, `the database stayed locked by another process (${(err as Error).message})`, { cause: err });
  }
  if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY' || code === 'SQLITE_PERM' || code === 'SQLITE_IOERR') {
    return new JournalError('io', path, (err as Error).message, { cause: err });
  }
  return err;
}
