// runs / show: what the journal knows, newest first; per host, per step. prune: check-run retention.
import { EXIT } from '../../report/exit-codes.js';
import type { Io } from '../io.js';
import { lockOwner, openCliJournal } from '../journal.js';
import { runLiveness, type RunLiveness } from '../../journal/index.js';
import { parseDuration } from '../../source/schema.js';

/** A run still 'running' whose controller on this machine is gone was cut off (kill -9, power). */
function liveness(io: Io, r: Parameters<typeof runLiveness>[0]): RunLiveness {
  return runLiveness(r, lockOwner(io));
}

const iso = (ms?: number) => (ms === undefined ? undefined : new Date(ms).toISOString());

export async function runsCommand(opts: { json?: boolean; journal?: string; limit?: number }, io: Io): Promise<number> {
  const j = openCliJournal(io, opts.journal);
  if ('error' in j) { io.err(`remediate: ${j.error}\n`); return EXIT.BAD_INPUT; }
  try {
    const runs = j.journal.listRuns({ limit: opts.limit ?? 50 });
    if (opts.json) {
      io.out(JSON.stringify(runs.map((r) => ({ ...r, liveness: liveness(io, r), started: iso(r.started), finished: iso(r.finished) }))) + '\n');
      return EXIT.OK;
    }
    if (runs.length === 0) { io.out('no runs recorded\n'); return EXIT.OK; }
    for (const r of runs) {
      const hs = Object.entries(r.hostStatus).map(([k, v]) => `${k}=${v}`).join(' ');
      const st = liveness(io, r) === 'interrupted' ? 'interrupted' : r.status;
      io.out(`${r.id}  ${r.command.padEnd(8)} ${st.padEnd(11)} ${String(r.hosts).padStart(5)} hosts  ${hs}${r.unfinished ? `  (${r.unfinished} unfinished step(s))` : ''}  ${r.playbook ?? ''}\n`);
    }
    return EXIT.OK;
  } finally {
    j.journal.close();
  }
}

export async function showCommand(runArg: string, opts: { json?: boolean; journal?: string; host?: string }, io: Io): Promise<number> {
  const j = openCliJournal(io, opts.journal);
  if ('error' in j) { io.err(`remediate: ${j.error}\n`); return EXIT.BAD_INPUT; }
  try {
    const id = j.journal.resolveRunId(runArg);
    if (!id.ok) {
      io.err(`remediate: ${id.matches.length ? `run '${runArg}' is ambiguous: ${id.matches.slice(0, 5).join(', ')}` : `no run '${runArg}' in ${j.journal.path}`}\n`);
      return EXIT.BAD_INPUT;
    }
    const run = j.journal.getRun(id.id)!;
    const steps = j.journal.stepsFor(run.id, opts.host);
    const hosts = run.hostList.filter((h) => !opts.host || h.host === opts.host);
    if (opts.json) {
      io.out(JSON.stringify({ ...run, liveness: liveness(io, run), started: iso(run.started), finished: iso(run.finished), hostList: hosts, steps }, null, 2) + '\n');
      return EXIT.OK;
    }
    const cut = liveness(io, run) === 'interrupted';
    io.out(`run ${run.id}: ${run.command} ${cut ? `interrupted (recorded as running; controller pid ${run.pid} is gone: \`remediate resume ${run.id}\` or \`remediate rollback ${run.id}\`)` : run.status}, started ${iso(run.started)} by ${run.user}@${run.controllerHost}${run.finished ? `, finished ${iso(run.finished)}` : ''}\n`);
    if (run.playbook) io.out(`playbook ${run.playbook}\n`);
    const byHost = new Map<string, typeof steps>();
    for (const s of steps) byHost.set(s.host, [...(byHost.get(s.host) ?? []), s]);
    const known = new Set(hosts.map((h) => h.host));
    const notStarted = Object.keys(run.connection.hosts).filter((h) => !known.has(h) && (!opts.host || h === opts.host));
    for (const h of hosts) {
      io.out(`\n${h.host}: ${cut && h.status === 'running' ? 'interrupted' : h.status}${h.canary ? ' (canary)' : ''}, batch ${h.batch}\n${h.msg ? `  why: ${h.msg}\n` : ''}`);
      for (const s of byHost.get(h.host) ?? []) {
        const out = s.outcome ? s.outcome.status : 'NO OUTCOME (interrupted mid-step)';
        const rb = s.rollback ? `, rollback ${s.rollback.status}${s.rollback.msg ? `: ${s.rollback.msg}` : ''}` : '';
        io.out(`  ${s.handler ? 'handler ' : ''}#${s.taskIndex} ${s.task} [${s.module}, ${s.class}]: ${s.summary} → ${out}${s.outcome?.msg ? ` (${s.outcome.msg})` : ''}${rb}\n`);
      }
    }
    if (notStarted.length) io.out(`\nnot started (${notStarted.length}): ${notStarted.slice(0, 20).join(', ')}${notStarted.length > 20 ? ', …' : ''}\n`);
    return EXIT.OK;
  } finally {
    j.journal.close();
  }
}

/**
 * prune --checks-older-than 90d: drop check runs (their results and host rows) older than that,
 * keeping the newest two whatever their age. Apply, rollback and ad-hoc runs are kept.
 */
export async function pruneCommand(opts: { checksOlderThan: string; journal?: string }, io: Io): Promise<number> {
  const ms = parseDuration(opts.checksOlderThan);
  if (ms === undefined || ms <= 0) { io.err(`remediate: --checks-older-than: expected a duration like 90d, 12h; found '${opts.checksOlderThan}'\n`); return EXIT.BAD_INPUT; }
  const j = openCliJournal(io, opts.journal);
  if ('error' in j) { io.err(`remediate: ${j.error}\n`); return EXIT.BAD_INPUT; }
  try {
    const r = j.journal.pruneCheckRuns({ before: Date.now() - ms, keep: KEEP_CHECK_RUNS });
    io.out(`pruned ${r.runs} check run(s) older than ${opts.checksOlderThan} (${r.results} result rows); the newest ${KEEP_CHECK_RUNS} check runs and every apply, rollback and ad-hoc run are kept\n`);
    return EXIT.OK;
  } finally {
    j.journal.close();
  }
}

/** Check runs retention always keeps: `history` compares the last two. */
export const KEEP_CHECK_RUNS = 2;
