// Opening the journal for a command: --journal, else $XDG_STATE_HOME/remediate/journal.db.
import { defaultJournalPath, openJournal, JournalError, type Journal } from '../journal/index.js';
import type { LockOwner } from '../journal/types.js';
import type { Io } from './io.js';

export function openCliJournal(io: Io, path: string | undefined): { journal: Journal } | { error: string } {
  const file = path ?? defaultJournalPath(io.env, io.home);
  try {
    return { journal: openJournal(file, { now: () => Date.now() }) };
  } catch (e) {
    if (e instanceof JournalError) return { error: e.message };
    throw e;
  }
}

/** A pid on this controller is alive when signal 0 reaches it (EPERM: alive, not ours). */
export function lockOwner(io: Io): LockOwner {
  return {
    pid: io.pid,
    controllerHost: io.hostname,
    isAlive(pid: number) {
      try {
        process.kill(pid, 0);
        return true;
      } catch (e) {
        return (e as NodeJS.ErrnoException).code === 'EPERM';
      }
    },
  };
}
