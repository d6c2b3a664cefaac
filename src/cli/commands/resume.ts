// resume RUN: finish a run that stopped (aborted, or its controller died), from the journal
// alone: same playbook and inventory, only the hosts that did not finish, skipping each host's
// tasks that already have an outcome. A step with an intent but no outcome is planned again
// (its module probes the host: a finished write plans as `ok`). Canaries that passed in that run
// count: the resumed run picks canaries only for variants nobody proved yet (per:), or as many
// as `count:` still misses.
import type { ProvenCanaries } from '../../executor/run-playbook.js';
import { MASK, type Journal, type RunHost } from '../../journal/index.js';
import type { StepRecord } from '../../journal/types.js';
import { EXIT } from '../../report/exit-codes.js';
import type { Io } from '../io.js';
import { openCliJournal } from '../journal.js';
import { playbookCommand, type PlaybookCommandOptions } from './playbook.js';
import { recordedExtraVars } from '../recorded-vars.js';

const FINISHED = new Set(['ok', 'changed', 'failed', 'unreachable', 'skipped', 'rolled_back', 'rollback_failed']);

/**
 * The canaries of a run that passed (finished ok or changed: a failed gate fails the host; one
 * rolled back since proves nothing), with the facts they were read with: their `per:` keys.
 */
export function provenCanaries(journal: Journal, runId: string, hosts: readonly RunHost[]): ProvenCanaries {
  const canaries = hosts.filter((h) => h.canary);
  const passed = canaries.filter((h) => h.status === 'ok' || h.status === 'changed');
  const proven = new Map<string, Record<string, unknown> | undefined>();
  for (const h of passed) {
    const f = journal.factsFor(runId, h.host)?.facts;
    proven.set(h.host, f && typeof f === 'object' ? (f as Record<string, unknown>) : undefined);
  }
  return { hosts: proven, stagePassed: canaries.length > 0 && passed.length === canaries.length };
}

/**
 * Where each host of a stopped run stands, from its journalled steps: the tasks done (an outcome
 * of changed or ok), and the tasks that changed the host or may have (an intent without outcome),
 * whose handlers are notified again since nobody knows whether they ran. Only tasks' durable
 * steps count: handlers run again when notified (their indexes are the handler list's, and
 * handler 2 must not pass for task 2), and stateless steps (a health check, a canary's reloads)
 * run again rather than count as done.
 */
export function resumePoints(steps: readonly Pick<StepRecord, 'host' | 'taskIndex' | 'handler' | 'class' | 'outcome'>[]): { done: Map<string, Set<number>>; touched: Map<string, Set<number>> } {
  const done = new Map<string, Set<number>>();
  const touched = new Map<string, Set<number>>();
  const add = (m: Map<string, Set<number>>, host: string, i: number) => {
    if (!m.has(host)) m.set(host, new Set());
    m.get(host)!.add(i);
  };
  for (const s of steps) {
    if (s.handler || s.class === 'stateless') continue;
    if (!s.outcome || s.outcome.status === 'changed') add(touched, s.host, s.taskIndex);
    if (s.outcome && (s.outcome.status === 'changed' || s.outcome.status === 'ok')) add(done, s.host, s.taskIndex);
  }
  return { done, touched };
}

export async function resumeCommand(runArg: string, opts: PlaybookCommandOptions, io: Io): Promise<number> {
  const j = openCliJournal(io, opts.journal);
  if ('error' in j) { io.err(`remediate: ${j.error}\n`); return EXIT.BAD_INPUT; }
  let args: { playbook: string; inventory: string[]; runId: string; hosts: Set<string>; done: Map<string, Set<number>>; touched: Map<string, Set<number>>; proven: ProvenCanaries; limit?: string; extraVars?: string[] } | undefined;
  try {
    const id = j.journal.resolveRunId(runArg);
    if (!id.ok) { io.err(`remediate: no single run matches '${runArg}'\n`); return EXIT.BAD_INPUT; }
    const run = j.journal.getRun(id.id)!;
    if (run.command !== 'apply') { io.err(`remediate: run ${run.id} is a ${run.command}; only apply runs can be resumed\n`); return EXIT.BAD_INPUT; }
    if (run.status === 'succeeded' || run.status === 'rolled_back') { io.out(`run ${run.id} is ${run.status}: nothing to resume\n`); return EXIT.OK; }
    if (!run.playbook) { io.err(`remediate: run ${run.id} has no playbook recorded\n`); return EXIT.BAD_INPUT; }
    const status = new Map(run.hostList.map((h) => [h.host, h.status]));
    const hosts = new Set(Object.keys(run.connection.hosts).filter((h) => !FINISHED.has(status.get(h) ?? 'pending')));
    const { done, touched } = resumePoints(j.journal.stepsFor(run.id));
    if (hosts.size === 0) { io.out(`run ${run.id}: every host finished; nothing to resume\n`); return EXIT.OK; }
    // -e given to resume replaces the recorded ones; a masked (secret) value cannot be replayed.
    const extraVars = opts.extraVars?.length ? opts.extraVars : recordedExtraVars(run.argv);
    if (!opts.extraVars?.length && extraVars.some((v) => v.includes(MASK))) {
      io.err(`remediate: run ${run.id} was given extra vars holding secrets, which the journal does not keep: pass all of its -e values again (remediate resume ${run.id} -e …)\n`);
      return EXIT.BAD_INPUT;
    }
    io.err(`Resuming run ${run.id} on ${hosts.size} unfinished host(s).\n`);
    const proven = provenCanaries(j.journal, run.id, run.hostList);
    if (proven.hosts.size) {
      const all = [...proven.hosts.keys()];
      const names = all.slice(0, 5).join(', ') + (all.length > 5 ? `, … (${all.length})` : '');
      io.err(`Its canary stage ${proven.stagePassed ? 'passed' : 'passed in part'} (${names}): those count, and the resumed run picks only the canaries still missing.\n`);
    }
    const settings = (run.connection.settings ?? {}) as { limit?: string };
    args = { playbook: run.playbook, inventory: run.inventoryPaths, runId: run.id, hosts, done, touched, proven, limit: settings.limit, extraVars };
  } finally {
    j.journal.close();
  }
  return playbookCommand('apply', args.playbook, { ...opts, inventory: opts.inventory?.length ? opts.inventory : args.inventory, extraVars: args.extraVars, limit: opts.limit, resume: { runId: args.runId, hosts: args.hosts, done: args.done, touched: args.touched, proven: args.proven } }, io);
}
