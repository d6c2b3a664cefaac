// Per-host locks: one row per locked host, taken and checked in one IMMEDIATE transaction so two
// controller processes sharing the journal can never both hold a host.
import type Database from 'better-sqlite3';
import type { HostLockResult, LockHolder, LockOwner } from './types.js';
import { prepared } from './statements.js';

interface LockRow {
  host: string;
  run_id: string;
  pid: number;
  controller_host: string;
  since: number;
}

function holder(row: LockRow): LockHolder {
  return { runId: row.run_id, pid: row.pid, controllerHost: row.controller_host, since: row.since };
}

export function acquireHostLock(db: Database.Database, now: number, runId: string, host: string, owner: LockOwner): HostLockResult {
  const take = db.transaction((): HostLockResult => {
    const row = prepared(db, 'SELECT * FROM host_locks WHERE host = ?').get(host) as LockRow | undefined;
    const insert = () =>
      prepared(db, 'INSERT OR REPLACE INTO host_locks (host, run_id, pid, controller_host, since) VALUES (?, ?, ?, ?, ?)')
        .run(host, runId, owner.pid, owner.controllerHost, now);
    if (!row) {
      insert();
      return { ok: true };
    }
    // Re-entrant for the very same process of the same run only: a resume of this run by
    // another live process must still wait.
    if (row.run_id === runId && row.pid === owner.pid && row.controller_host === owner.controllerHost) return { ok: true };
    // Liveness can only be judged on our own machine; a remote controller's lock stands until
    // it is released or broken by hand (breakHostLock). A reused pid errs on the safe side.
    if (row.controller_host === owner.controllerHost && !owner.isAlive(row.pid)) {
      insert();
      return { ok: true, stale: holder(row) };
    }
    return { ok: false, heldBy: holder(row) };
  });
  return take.immediate();
}

/** Release one host if this run holds it. Returns whether a lock was released. */
export function releaseHostLock(db: Database.Database, runId: string, host: string): boolean {
  return prepared(db, 'DELETE FROM host_locks WHERE host = ? AND run_id = ?').run(host, runId).changes > 0;
}

/** Release every host the run holds. Returns how many. */
export function releaseRunLocks(db: Database.Database, runId: string): number {
  return prepared(db, 'DELETE FROM host_locks WHERE run_id = ?').run(runId).changes;
}

/** Remove a host's lock whoever holds it (operator override for a remote controller's stale lock). */
export function breakHostLock(db: Database.Database, host: string): LockHolder | undefined {
  const row = prepared(db, 'DELETE FROM host_locks WHERE host = ? RETURNING *').get(host) as LockRow | undefined;
  return row && holder(row);
}

export function listHostLocks(db: Database.Database): ({ host: string } & LockHolder)[] {
  return (prepared(db, 'SELECT * FROM host_locks ORDER BY host').all() as LockRow[]).map((r) => ({ host: r.host, ...holder(r) }));
}
