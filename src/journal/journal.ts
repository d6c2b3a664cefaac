// The durable run journal: runs, their hosts, every mutating step (intent before, outcome after),
// facts snapshots, check results and per-host locks, in one SQLite file shared by processes.
//
// Durability: the connection runs with synchronous=NORMAL (WAL), which already survives a
// controller crash or kill -9 at any point: a commit is in the WAL before the call returns. The
// writes that must also survive a power loss switch to synchronous=FULL for their commit (WAL
// fsync): the run record, every intent, rollback records and the final run status. Because the
// WAL is sequential, that fsync also makes every earlier NORMAL commit durable. What a power loss
// can still lose is the tail after the last intent (an outcome, a host status): the step then
// reads as unfinished and rollback/resume replays its inverse — conservative, never lost track of.
import type Database from 'better-sqlite3';
import { JournalError, asJournalError, sqliteCode } from './errors.js';
import * as locks from './locks.js';
import { redact } from './redact.js';
import { newRunId } from './run-id.js';
import { prepared } from './statements.js';
import type {
  CheckRecord,
  CheckResult,
  FactsRecord,
  FinalRunStatus,
  HostLockResult,
  HostStatus,
  Intent,
  LockHolder,
  LockOwner,
  RollbackStatus,
  RunHost,
  RunRecord,
  RunSummary,
  StartRun,
  StepOutcome,
  StepRecord,
} from './types.js';

const FINAL_STATUSES: readonly FinalRunStatus[] = ['succeeded', 'failed', 'aborted', 'rolled_back', 'partial'];
const SECRET_KEY = /password|passwd|passphrase|secret|token/i;
const PATH_KEY = /(file|path)$/i;

export interface JournalDeps {
  now(): number;
  /** Known secret values masked in everything written (more can be added with addSecrets). */
  secrets?: readonly string[];
}

export class Journal {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly now: () => number;
  private readonly secrets = new Set<string>();
  private readonly syncFull: Database.Statement;
  private readonly syncNormal: Database.Statement;

  constructor(db: Database.Database, path: string, deps: JournalDeps) {
    this.db = db;
    this.path = path;
    this.now = deps.now;
    this.addSecrets(...(deps.secrets ?? []));
    this.syncFull = db.prepare('PRAGMA synchronous = FULL');
    this.syncNormal = db.prepare('PRAGMA synchronous = NORMAL');
  }

  /** Values learnt during the run (a become password typed at a prompt, a vault value). */
  addSecrets(...secrets: string[]): void {
    for (const s of secrets) if (s) this.secrets.add(s);
  }

  // ---- runs ---------------------------------------------------------------------------------

  startRun(run: StartRun): string {
    return this.guard(() => {
      assertNoPasswords(run.connection, 'connection', this.path);
      const clean = this.redact({ argv: run.argv, connection: run.connection });
      const started = this.now();
      const insert = prepared(this.db,
        `INSERT INTO runs (id, command, status, started, user, controller_host, pid, argv, playbook_path,
           playbook_sha256, inventory_paths, inventory_sha256, connection)
         VALUES (?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      // A generated id can collide only within one second; draw another suffix then.
      for (let attempt = 0; ; attempt++) {
        const id = run.id ?? newRunId(started);
        try {
          this.durably(() =>
            insert.run(
              id,
              run.command,
              started,
              run.user,
              run.controllerHost,
              run.pid ?? null,
              JSON.stringify(clean.argv),
              run.playbookPath ?? null,
              run.playbookSha256 ?? null,
              JSON.stringify(run.inventoryPaths),
              run.inventorySha256 ?? null,
              JSON.stringify(clean.connection),
            ),
          );
          return id;
        } catch (err) {
          if (sqliteCode(err) === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
            if (run.id === undefined && attempt < 20) continue;
            throw new JournalError('misuse', this.path, `startRun: a run with id ${id} already exists`);
          }
          throw err;
        }
      }
    });
  }

  /** Set the run's status and finish time. May be called again (aborted → resumed → succeeded). */
  finishRun(runId: string, status: FinalRunStatus): void {
    this.guard(() => {
      if (!FINAL_STATUSES.includes(status)) {
        throw new JournalError('misuse', this.path, `finishRun: unknown status '${status}' (expected one of ${FINAL_STATUSES.join(', ')})`);
      }
      const res = this.durably(() => prepared(this.db, 'UPDATE runs SET status = ?, finished = ? WHERE id = ?').run(status, this.now(), runId));
      if (res.changes === 0) throw this.unknownRun('finishRun', runId);
    });
  }

  /** Newest first. */
  listRuns(opts: { limit?: number; offset?: number } = {}): RunSummary[] {
    return this.guard(() => {
      const rows = prepared(this.db, `${SUMMARY_SELECT} ORDER BY r.started DESC, r.rowid DESC LIMIT ? OFFSET ?`)
        .all(opts.limit ?? -1, opts.offset ?? 0) as RunRow[];
      return rows.map(toSummary);
    });
  }

  getRun(runId: string): RunRecord | undefined {
    return this.guard(() => {
      const row = prepared(this.db, `${SUMMARY_SELECT} WHERE r.id = ?`).get(runId) as RunRow | undefined;
      if (!row) return undefined;
      const hosts = prepared(this.db, 'SELECT * FROM run_hosts WHERE run_id = ? ORDER BY seq').all(runId) as HostRow[];
      return {
        ...toSummary(row),
        argv: JSON.parse(row.argv),
        playbookSha256: row.playbook_sha256 ?? undefined,
        inventoryPaths: JSON.parse(row.inventory_paths),
        inventorySha256: row.inventory_sha256 ?? undefined,
        connection: JSON.parse(row.connection),
        hostList: hosts.map(toHost),
      };
    });
  }

  /** A full id, or a unique prefix of one (`remediate show 2026-11-27T09`). */
  resolveRunId(idOrPrefix: string): { ok: true; id: string } | { ok: false; matches: string[] } {
    return this.guard(() => {
      const exact = prepared(this.db, 'SELECT id FROM runs WHERE id = ?').get(idOrPrefix) as { id: string } | undefined;
      if (exact) return { ok: true as const, id: exact.id };
      const like = idOrPrefix.replace(/[\\%_]/g, (c) => `\\${c}`) + '%';
      const rows = prepared(this.db, `SELECT id FROM runs WHERE id LIKE ? ESCAPE '\\' ORDER BY id DESC LIMIT 10`).all(like) as { id: string }[];
      if (rows.length === 1) return { ok: true as const, id: rows[0].id };
      return { ok: false as const, matches: rows.map((r) => r.id) };
    });
  }

  // ---- hosts --------------------------------------------------------------------------------

  recordHost(runId: string, host: string, placement: { batch: number; canary: boolean }): void {
    this.recordHosts(runId, [{ host, ...placement }]);
  }

  /** Many hosts in one transaction (a 3000-host run records its schedule at once). */
  recordHosts(runId: string, hosts: readonly { host: string; batch: number; canary: boolean }[]): void {
    this.guard(() => {
      const at = this.now();
      const insert = prepared(this.db,
        `INSERT INTO run_hosts (run_id, host, seq, batch, canary, status, updated)
         VALUES (?, ?, ?, ?, ?, 'pending', ?)
         ON CONFLICT (run_id, host) DO UPDATE SET batch = excluded.batch, canary = excluded.canary, updated = excluded.updated`,
      );
      const nextSeq = prepared(this.db, 'SELECT coalesce(max(seq) + 1, 0) AS n FROM run_hosts WHERE run_id = ?');
      try {
        this.db.transaction(() => {
          let seq = (nextSeq.get(runId) as { n: number }).n;
          for (const h of hosts) insert.run(runId, h.host, seq++, h.batch, h.canary ? 1 : 0, at);
        })();
      } catch (err) {
        if (sqliteCode(err) === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw this.unknownRun('recordHost', runId);
        throw err;
      }
    });
  }

  setHostStatus(runId: string, host: string, status: HostStatus, msg?: string): void {
    this.guard(() => this.writeHostStatus('setHostStatus', runId, host, status, msg));
  }

  /** Several hosts' statuses in one transaction (a read-only run settles them when it ends). */
  setHostStatuses(runId: string, statuses: readonly { host: string; status: HostStatus; msg?: string }[]): void {
    this.guard(() => this.db.transaction(() => {
      for (const s of statuses) this.writeHostStatus('setHostStatuses', runId, s.host, s.status, s.msg);
    })());
  }

  private writeHostStatus(op: string, runId: string, host: string, status: HostStatus, msg: string | undefined): void {
    // A rollback without a message of its own keeps the reason the host was rolled back for.
    const keep = msg === undefined && (status === 'rolled_back' || status === 'rollback_failed');
    const res = keep
      ? prepared(this.db, 'UPDATE run_hosts SET status = ?, updated = ? WHERE run_id = ? AND host = ?').run(status, this.now(), runId, host)
      : prepared(this.db, 'UPDATE run_hosts SET status = ?, updated = ?, msg = ? WHERE run_id = ? AND host = ?').run(status, this.now(), msg === undefined ? null : this.redact(msg), runId, host);
    if (res.changes === 0) throw this.unknownHost(op, runId, host);
  }

  // ---- steps --------------------------------------------------------------------------------

  /**
   * Committed with a WAL fsync before it returns: call it, then run the step. A stateless step
   * (a restart, a reload: nothing to undo) is recorded for the record without the fsync, as is
   * any the caller says needs none (`durable: false`).
   */
  recordIntent(intent: Intent, opts: { durable?: boolean } = {}): number {
    return this.guard(() => {
      const clean = this.redact({ inverse: intent.inverse, summary: intent.summary, diff: intent.diff });
      try {
        const insert = () =>
          prepared(this.db,
              `INSERT INTO steps (run_id, host, task, task_index, handler, module, class, inverse, facts_fingerprint, summary, diff, intent_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            )
            .run(
              intent.runId,
              intent.host,
              intent.task,
              intent.taskIndex,
              intent.handler ? 1 : 0,
              intent.module,
              intent.class,
              toJson(clean.inverse),
              intent.factsFingerprint,
              clean.summary,
              clean.diff ?? null,
              this.now(),
            );
        const res = (opts.durable ?? intent.class !== 'stateless') ? this.durably(insert) : insert();
        return Number(res.lastInsertRowid);
      } catch (err) {
        if (sqliteCode(err) === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw this.unknownHost('recordIntent', intent.runId, intent.host);
        if (sqliteCode(err) === 'SQLITE_CONSTRAINT_CHECK') {
          throw new JournalError('misuse', this.path, `recordIntent: unknown step class '${intent.class}' (expected reversible, stateless or irreversible)`);
        }
        throw err;
      }
    });
  }

  recordOutcome(stepId: number, outcome: StepOutcome): void {
    this.guard(() => {
      const clean = this.redact({ verification: outcome.verification, msg: outcome.msg });
      const res = prepared(this.db, 'UPDATE steps SET status = ?, verification = ?, msg = ?, started_at = ?, finished_at = ? WHERE id = ? AND status IS NULL')
        .run(outcome.status, toJson(clean.verification), clean.msg ?? null, outcome.startedAt, outcome.finishedAt, stepId);
      if (res.changes === 0) {
        const row = prepared(this.db, 'SELECT status FROM steps WHERE id = ?').get(stepId) as { status: string } | undefined;
        throw new JournalError(
          'misuse',
          this.path,
          row ? `recordOutcome: step ${stepId} already has outcome '${row.status}'` : `recordOutcome: no step ${stepId}`,
        );
      }
    });
  }

  /** Record 'started' before replaying an inverse and the result after; both durably. */
  recordRollback(stepId: number, rollback: { status: RollbackStatus; msg?: string }): void {
    this.guard(() => {
      const msg = rollback.msg === undefined ? null : this.redact(rollback.msg);
      const res = this.durably(() =>
        prepared(this.db, 'UPDATE steps SET rollback_status = ?, rollback_msg = ?, rollback_at = ? WHERE id = ?')
          .run(rollback.status, msg, this.now(), stepId),
      );
      if (res.changes === 0) throw new JournalError('misuse', this.path, `recordRollback: no step ${stepId}`);
    });
  }

  /** In journal (= apply) order. */
  stepsFor(runId: string, host?: string): StepRecord[] {
    return this.guard(() => {
      const rows = (
        host === undefined
          ? prepared(this.db, 'SELECT * FROM steps WHERE run_id = ? ORDER BY id').all(runId)
          : prepared(this.db, 'SELECT * FROM steps WHERE run_id = ? AND host = ? ORDER BY id').all(runId, host)
      ) as StepRow[];
      return rows.map(toStep);
    });
  }

  getStep(stepId: number): StepRecord | undefined {
    return this.guard(() => {
      const row = prepared(this.db, 'SELECT * FROM steps WHERE id = ?').get(stepId) as StepRow | undefined;
      return row && toStep(row);
    });
  }

  /** Intents without an outcome: the run stopped while these steps may or may not have run. */
  unfinishedSteps(runId: string): StepRecord[] {
    return this.guard(() =>
      (prepared(this.db, 'SELECT * FROM steps WHERE run_id = ? AND status IS NULL ORDER BY id').all(runId) as StepRow[]).map(toStep),
    );
  }

  /**
   * What rollback must undo, newest first: every non-stateless step that may have changed the
   * host (outcome changed/failed/unreachable/aborted, or none recorded) and is not yet restored.
   * Irreversible steps are included so rollback can report them rather than skip them silently.
   */
  stepsToUndo(runId: string, host?: string): StepRecord[] {
    return this.guard(() => {
      const where = `run_id = ? ${host === undefined ? '' : 'AND host = ?'} AND class != 'stateless'
        AND (status IS NULL OR status != 'ok')
        AND (rollback_status IS NULL OR rollback_status NOT IN ('restored', 'skipped'))`;
      const args = host === undefined ? [runId] : [runId, host];
      return (prepared(this.db, `SELECT * FROM steps WHERE ${where} ORDER BY id DESC`).all(...args) as StepRow[]).map(toStep);
    });
  }

  // ---- facts --------------------------------------------------------------------------------

  recordFacts(runId: string, host: string, facts: unknown, fingerprint: string): void {
    this.guard(() => {
      try {
        prepared(this.db, 'INSERT OR REPLACE INTO facts (run_id, host, fingerprint, facts, at) VALUES (?, ?, ?, ?, ?)')
          .run(runId, host, fingerprint, JSON.stringify(this.redact(facts) ?? null), this.now());
      } catch (err) {
        if (sqliteCode(err) === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw this.unknownHost('recordFacts', runId, host);
        throw err;
      }
    });
  }

  factsFor(runId: string, host: string): FactsRecord | undefined {
    return this.guard(() => {
      const row = prepared(this.db, 'SELECT * FROM facts WHERE run_id = ? AND host = ?').get(runId, host) as FactsRow | undefined;
      return row && toFacts(row);
    });
  }

  /** A host's facts snapshots across runs, newest first. */
  factsHistory(host: string, opts: { limit?: number } = {}): FactsRecord[] {
    return this.guard(() =>
      (prepared(this.db, 'SELECT * FROM facts WHERE host = ? ORDER BY at DESC, rowid DESC LIMIT ?').all(host, opts.limit ?? -1) as FactsRow[]).map(toFacts),
    );
  }

  // ---- check results ------------------------------------------------------------------------

  recordCheck(result: CheckResult): number {
    return this.recordChecks([result])[0];
  }

  recordChecks(results: readonly CheckResult[]): number[] {
    return this.guard(() => {
      const insert = prepared(this.db,
        `INSERT INTO check_results (run_id, host, assertion, status, observed, keys_in_use, reloads_left, at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      const now = this.now();
      try {
        return this.db.transaction(() =>
          results.map((r) =>
            Number(
              insert.run(
                r.runId,
                r.host,
                r.assertion ?? null,
                r.status,
                toJson(this.redact(r.observed)),
                r.keysInUse ?? null,
                r.reloadsLeft ?? null,
                r.at ?? now,
              ).lastInsertRowid,
            ),
          ),
        )();
      } catch (err) {
        if (sqliteCode(err) === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw new JournalError('misuse', this.path, `recordCheck: unknown run (start the check run first)`);
        throw err;
      }
    });
  }

  /** Newest first; all hosts unless one is given. */
  checkHistory(host?: string, opts: { runId?: string; limit?: number } = {}): CheckRecord[] {
    return this.guard(() => {
      const conds: string[] = [];
      const args: unknown[] = [];
      if (host !== undefined) {
        conds.push('host = ?');
        args.push(host);
      }
      if (opts.runId !== undefined) {
        conds.push('run_id = ?');
        args.push(opts.runId);
      }
      const where = conds.length ? `WHERE ${conds.join(' AND ')}` : '';
      const rows = prepared(this.db, `SELECT * FROM check_results ${where} ORDER BY at DESC, id DESC LIMIT ?`)
        .all(...args, opts.limit ?? -1) as CheckRow[];
      return rows.map(toCheck);
    });
  }

  /** Check runs (command 'check'), newest first. */
  checkRuns(opts: { limit?: number } = {}): RunSummary[] {
    return this.guard(() =>
      (prepared(this.db, `${SUMMARY_SELECT} WHERE r.command = 'check' ORDER BY r.started DESC, r.rowid DESC LIMIT ?`).all(opts.limit ?? -1) as RunRow[]).map(toSummary),
    );
  }

  /**
   * Host-level check results (assertion NULL: one per host and run, with keys in use and
   * reloads left), newest first; optionally one run, one host, or since a time.
   */
  hostCheckResults(opts: { runId?: string; host?: string; since?: number; limit?: number } = {}): CheckRecord[] {
    return this.guard(() => {
      const conds = ['assertion IS NULL'];
      const args: unknown[] = [];
      if (opts.runId !== undefined) (conds.push('run_id = ?'), args.push(opts.runId));
      if (opts.host !== undefined) (conds.push('host = ?'), args.push(opts.host));
      if (opts.since !== undefined) (conds.push('at >= ?'), args.push(opts.since));
      const rows = prepared(this.db, `SELECT * FROM check_results WHERE ${conds.join(' AND ')} ORDER BY at DESC, id DESC LIMIT ?`)
        .all(...args, opts.limit ?? -1) as CheckRow[];
      return rows.map(toCheck);
    });
  }

  /** Each host's newest host-level check result within the last `runs` check runs (default 30). */
  latestHostCheckResults(opts: { runs?: number } = {}): CheckRecord[] {
    return this.guard(() => {
      const rows = prepared(this.db,
          `SELECT c.* FROM check_results c JOIN (
             SELECT max(id) AS id FROM check_results
             WHERE assertion IS NULL AND run_id IN (SELECT id FROM runs WHERE command = 'check' ORDER BY started DESC, rowid DESC LIMIT ?)
             GROUP BY host) m ON c.id = m.id
           ORDER BY c.host`,
        )
        .all(opts.runs ?? 30) as CheckRow[];
      return rows.map(toCheck);
    });
  }

  /**
   * Host-level results without their evidence (cheap for thousands of hosts × many runs):
   * the last `runs` check runs (default 30), optionally one host, oldest first.
   */
  hostCheckSeries(opts: { host?: string; runs?: number } = {}): { runId: string; host: string; at: number; status: CheckRecord['status']; keysInUse?: number; reloadsLeft?: number; keysKind?: string; hostClock?: number }[] {
    return this.guard(() => {
      const rows = prepared(this.db,
          `SELECT run_id, host, at, status, keys_in_use, reloads_left, json_extract(observed, '$.keys_kind') AS keys_kind, json_extract(observed, '$.host_clock') AS host_clock FROM check_results
           WHERE assertion IS NULL AND run_id IN (SELECT id FROM runs WHERE command = 'check' ORDER BY started DESC, rowid DESC LIMIT ?)
           ${opts.host !== undefined ? 'AND host = ?' : ''}
           ORDER BY at, id`,
        )
        .all(...[opts.runs ?? 30, ...(opts.host !== undefined ? [opts.host] : [])]) as { run_id: string; host: string; at: number; status: CheckRecord['status']; keys_in_use: number | null; reloads_left: number | null; keys_kind: string | null; host_clock: string | null }[];
      return rows.map((r) => {
        const hostClock = r.host_clock ? Date.parse(r.host_clock) : NaN;
        return {
          runId: r.run_id, host: r.host, at: r.at, status: r.status,
          keysInUse: r.keys_in_use ?? undefined, reloadsLeft: r.reloads_left ?? undefined, keysKind: r.keys_kind ?? undefined,
          ...(Number.isFinite(hostClock) ? { hostClock } : {}),
        };
      });
    });
  }

  /**
   * What each task's changing steps took in the newest `runs` apply runs (of `playbookPath` when
   * given): the median per module and task name (key: stepTimingKey), and how many runs gave any.
   * Only journalled steps have times (stateless ones, restarts and reloads, are not recorded).
   */
  stepTimings(opts: { playbookPath?: string; runs?: number } = {}): { timings: Map<string, number>; runs: number } {
    return this.guard(() => {
      const rows = prepared(this.db,
          `SELECT run_id, module, task, finished_at - started_at AS ms FROM steps
           WHERE status = 'changed' AND started_at IS NOT NULL AND finished_at IS NOT NULL
             AND run_id IN (SELECT id FROM runs WHERE command = 'apply' ${opts.playbookPath !== undefined ? 'AND playbook_path = ?' : ''} ORDER BY started DESC, rowid DESC LIMIT ?)`,
        )
        .all(...[...(opts.playbookPath !== undefined ? [opts.playbookPath] : []), opts.runs ?? 20]) as { run_id: string; module: string; task: string; ms: number }[];
      const byKey = new Map<string, number[]>();
      const runs = new Set<string>();
      for (const r of rows) {
        if (!(r.ms >= 0)) continue;
        runs.add(r.run_id);
        const k = stepTimingKey(r.module, r.task);
        const xs = byKey.get(k);
        if (xs) xs.push(r.ms);
        else byKey.set(k, [r.ms]);
      }
      const timings = new Map<string, number>();
      for (const [k, xs] of byKey) {
        xs.sort((a, b) => a - b);
        timings.set(k, xs[Math.floor((xs.length - 1) / 2)]);
      }
      return { timings, runs: runs.size };
    });
  }

  /**
   * Retention for check runs, which a schedule adds every day or hour (a 3000-host check is
   * ~13 MB): delete those started before `before` (epoch ms), except the newest `keep` (drift
   * compares the last two). Apply, rollback and ad-hoc runs are never touched: they are the record
   * of what changed hosts, and what undoes it. Freed pages are reused, so the file stops growing. One transaction.
   */
  pruneCheckRuns(opts: { before: number; keep: number }): { runs: number; results: number } {
    return this.guard(() =>
      this.db.transaction(() => {
        const ids = (prepared(this.db,
            `SELECT id FROM runs WHERE command = 'check' AND started < ?
               AND id NOT IN (SELECT id FROM runs WHERE command = 'check' ORDER BY started DESC, rowid DESC LIMIT ?)`,
          ).all(opts.before, Math.max(0, opts.keep)) as { id: string }[]).map((r) => r.id);
        let results = 0;
        for (const id of ids) {
          results += prepared(this.db, 'DELETE FROM check_results WHERE run_id = ?').run(id).changes;
          prepared(this.db, 'DELETE FROM facts WHERE run_id = ?').run(id);
          prepared(this.db, 'DELETE FROM run_hosts WHERE run_id = ?').run(id);
          prepared(this.db, 'DELETE FROM runs WHERE id = ?').run(id);
        }
        return { runs: ids.length, results };
      })(),
    );
  }

  /** Per check run (newest first), how many hosts ended in each check status. */
  checkStatusByRun(opts: { limit?: number } = {}): { runId: string; started: number; counts: Record<string, number> }[] {
    return this.guard(() => {
      const runs = prepared(this.db, `SELECT id, started FROM runs WHERE command = 'check' ORDER BY started DESC, rowid DESC LIMIT ?`).all(opts.limit ?? -1) as { id: string; started: number }[];
      const count = prepared(this.db, 'SELECT status, count(*) AS n FROM check_results WHERE run_id = ? AND assertion IS NULL GROUP BY status');
      return runs.map((r) => ({
        runId: r.id,
        started: r.started,
        counts: Object.fromEntries((count.all(r.id) as { status: string; n: number }[]).map((x) => [x.status, x.n])),
      }));
    });
  }

  // ---- locks --------------------------------------------------------------------------------

  acquireHostLock(runId: string, host: string, owner: LockOwner): HostLockResult {
    return this.guard(() => locks.acquireHostLock(this.db, this.now(), runId, host, owner));
  }

  releaseHostLock(runId: string, host: string): boolean {
    return this.guard(() => locks.releaseHostLock(this.db, runId, host));
  }

  releaseRunLocks(runId: string): number {
    return this.guard(() => locks.releaseRunLocks(this.db, runId));
  }

  breakHostLock(host: string): LockHolder | undefined {
    return this.guard(() => locks.breakHostLock(this.db, host));
  }

  hostLocks(): ({ host: string } & LockHolder)[] {
    return this.guard(() => locks.listHostLocks(this.db));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  // ---- internals ----------------------------------------------------------------------------

  private redact<T>(value: T): T {
    return redact(value, [...this.secrets]);
  }

  /** Commit fn's write with a WAL fsync (see the header comment). */
  private durably<T>(fn: () => T): T {
    this.syncFull.run();
    try {
      return fn();
    } finally {
      this.syncNormal.run();
    }
  }

  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw asJournalError(err, this.path);
    }
  }

  private unknownRun(op: string, runId: string): JournalError {
    return new JournalError('misuse', this.path, `${op}: no run ${runId}`);
  }

  private unknownHost(op: string, runId: string, host: string): JournalError {
    return new JournalError('misuse', this.path, `${op}: host ${host} is not recorded in run ${runId} (recordHost first)`);
  }
}

/** Connection settings are stored in clear: refuse any secret-looking key that holds a value. */
function assertNoPasswords(value: unknown, at: string, path: string): void {
  if (Array.isArray(value)) value.forEach((v, i) => assertNoPasswords(v, `${at}[${i}]`, path));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined && v !== null && SECRET_KEY.test(k) && !PATH_KEY.test(k)) {
        throw new JournalError('misuse', path, `startRun: ${at}.${k} looks like a secret; connection settings must not carry passwords`);
      }
      assertNoPasswords(v, `${at}.${k}`, path);
    }
  }
}

function toJson(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

function fromJson(text: string | null): unknown {
  return text === null ? undefined : JSON.parse(text);
}

const SUMMARY_SELECT = `
  SELECT r.*,
    (SELECT count(*) FROM run_hosts h WHERE h.run_id = r.id) AS host_count,
    (SELECT json_group_object(status, n) FROM
       (SELECT status, count(*) AS n FROM run_hosts h WHERE h.run_id = r.id GROUP BY status)) AS host_status,
    (SELECT count(*) FROM steps s WHERE s.run_id = r.id AND s.status IS NULL) AS unfinished
  FROM runs r`;

interface RunRow {
  id: string;
  command: string;
  status: RunSummary['status'];
  started: number;
  finished: number | null;
  user: string;
  controller_host: string;
  pid: number | null;
  argv: string;
  playbook_path: string | null;
  playbook_sha256: string | null;
  inventory_paths: string;
  inventory_sha256: string | null;
  connection: string;
  host_count: number;
  host_status: string;
  unfinished: number;
}

function toSummary(r: RunRow): RunSummary {
  return {
    id: r.id,
    command: r.command,
    status: r.status,
    started: r.started,
    finished: r.finished ?? undefined,
    user: r.user,
    controllerHost: r.controller_host,
    pid: r.pid ?? undefined,
    playbook: r.playbook_path ?? undefined,
    hosts: r.host_count,
    hostStatus: JSON.parse(r.host_status),
    unfinished: r.unfinished,
  };
}

interface HostRow {
  host: string;
  batch: number;
  canary: number;
  status: HostStatus;
  updated: number;
  msg: string | null;
}

function toHost(r: HostRow): RunHost {
  return { host: r.host, batch: r.batch, canary: r.canary === 1, status: r.status, updated: r.updated, ...(r.msg !== null && r.msg !== undefined ? { msg: r.msg } : {}) };
}

interface StepRow {
  id: number;
  run_id: string;
  host: string;
  task: string;
  task_index: number;
  handler: number;
  module: string;
  class: StepRecord['class'];
  inverse: string | null;
  facts_fingerprint: string;
  summary: string;
  diff: string | null;
  intent_at: number;
  status: StepOutcome['status'] | null;
  verification: string | null;
  msg: string | null;
  started_at: number | null;
  finished_at: number | null;
  rollback_status: RollbackStatus | null;
  rollback_msg: string | null;
  rollback_at: number | null;
}

function toStep(r: StepRow): StepRecord {
  const step: StepRecord = {
    id: r.id,
    runId: r.run_id,
    host: r.host,
    task: r.task,
    taskIndex: r.task_index,
    ...(r.handler ? { handler: true } : {}),
    module: r.module,
    class: r.class,
    inverse: fromJson(r.inverse),
    factsFingerprint: r.facts_fingerprint,
    summary: r.summary,
    diff: r.diff ?? undefined,
    intentAt: r.intent_at,
  };
  if (r.status !== null) {
    step.outcome = {
      status: r.status,
      verification: fromJson(r.verification),
      msg: r.msg ?? undefined,
      startedAt: r.started_at ?? r.intent_at,
      finishedAt: r.finished_at ?? r.intent_at,
    };
  }
  if (r.rollback_status !== null) step.rollback = { status: r.rollback_status, msg: r.rollback_msg ?? undefined, at: r.rollback_at ?? 0 };
  return step;
}

interface FactsRow {
  run_id: string;
  host: string;
  fingerprint: string;
  facts: string;
  at: number;
}

function toFacts(r: FactsRow): FactsRecord {
  return { runId: r.run_id, host: r.host, fingerprint: r.fingerprint, facts: JSON.parse(r.facts), at: r.at };
}

interface CheckRow {
  id: number;
  run_id: string;
  host: string;
  assertion: string | null;
  status: CheckRecord['status'];
  observed: string | null;
  keys_in_use: number | null;
  reloads_left: number | null;
  at: number;
}

function toCheck(r: CheckRow): CheckRecord {
  return {
    id: r.id,
    runId: r.run_id,
    host: r.host,
    assertion: r.assertion ?? undefined,
    status: r.status,
    observed: fromJson(r.observed),
    keysInUse: r.keys_in_use ?? undefined,
    reloadsLeft: r.reloads_left ?? undefined,
    at: r.at,
  };
}

/** The key of a task's step times: its module and name. */
export function stepTimingKey(module: string, task: string): string {
  return `${module}\0${task}`;
}
