// Where the journal lives and how its file is created: private to its owner from the first byte.
import { chmodSync, closeSync, fstatSync, mkdirSync, openSync, constants } from 'node:fs';
import { dirname, join } from 'node:path';
import { JournalError } from './errors.js';

/** `$XDG_STATE_HOME/remediate/journal.db`, else `~/.local/state/remediate/journal.db` (XDG base dirs). */
export function defaultJournalPath(env: Record<string, string | undefined>, home: string): string {
  const xdg = env.XDG_STATE_HOME;
  // The XDG spec says relative values are invalid and must be ignored.
  const base = xdg && xdg.startsWith('/') ? xdg : join(home, '.local', 'state');
  return join(base, 'remediate', 'journal.db');
}

export const JOURNAL_FILE_MODE = 0o600;
export const JOURNAL_DIR_MODE = 0o700;

/**
 * Make sure the journal file exists with mode 0600 before SQLite opens it (SQLite then gives its
 * -wal and -shm files the same mode). A fresh file is created with O_EXCL | 0600; an existing
 * file readable by group/other (an older tool, a cp) is narrowed to its owner.
 * Returns whether the file was created now.
 */
export function ensureJournalFile(path: string): { created: boolean; modeFixed: boolean } {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: JOURNAL_DIR_MODE });
  } catch (err) {
    throw new JournalError('io', path, `cannot create its directory: ${(err as Error).message}`, { cause: err });
  }
  let fd: number;
  let created = false;
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, JOURNAL_FILE_MODE);
    created = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new JournalError('io', path, `cannot create the file: ${(err as Error).message}`, { cause: err });
    }
    try {
      fd = openSync(path, constants.O_RDONLY);
    } catch (err2) {
      throw new JournalError('io', path, `cannot open the file: ${(err2 as Error).message}`, { cause: err2 });
    }
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new JournalError('io', path, 'exists but is not a regular file');
    // A fresh file gets exactly 0600 (the umask may have taken bits away); an existing one only
    // loses group/other bits: we never grant the owner anything they did not have.
    const mode = st.mode & 0o777;
    const wanted = created ? JOURNAL_FILE_MODE : mode & 0o700;
    let modeFixed = false;
    if (mode !== wanted) {
      try {
        chmodSync(path, wanted);
        modeFixed = true;
      } catch (err) {
        throw new JournalError('io', path, `has mode 0${mode.toString(8)} and cannot be narrowed to 0${wanted.toString(8)}: ${(err as Error).message}`, { cause: err });
      }
    }
    return { created, modeFixed };
  } finally {
    closeSync(fd);
  }
}
