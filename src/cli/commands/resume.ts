// resume RUN: finish a run that stopped (aborted, or its controller died), from the journal
// alone: same playbook and inventory, only the hosts that did not finish, skipping each host's
// tasks that already have an outcome. A step with an intent but no outcome is planned again
// (its module probes the host: a finished write plans as `ok`).
import { EXIT } from '../../report/exit-codes.js';
import type { Io } from '../io.js';
import { openCliJournal } from '../journal.js';
import { playbookCommand, type PlaybookCommandOptions } from './playbook.js';

const FINISHED = new Set(['ok', 'changed', 'failed', 'unreachable', 'skipped', 'rolled_back', 'rollback_failed']);

export async function resumeCommand(runArg: string, opts: PlaybookCommandOptions, io: Io): Promise<number> {
  const j = openCliJournal(io, opts.journal);
  if ('error' in j) { io.err(`remediate: ${j.error}\n`); return EXIT.BAD_INPUT; }
  let args: { playbook: string; inventory: string[]; runId: string; hosts: Set<string>; done: Map<string, Set<number>>; limit?: string } | undefined;
  try {
    const id = j.journal.resolveRunId(runArg);
    if (!id.ok) { io.err(`remediate: no single run matches '${runArg}'\n`); return EXIT.BAD_INPUT; }
    const run = j.journal.getRun(id.id)!;
    if (run.command !== 'apply') { io.err(`remediate: run ${run.id} is a ${run.command}; only apply runs can be resumed\n`); return EXIT.BAD_INPUT; }
    if (run.status === 'succeeded' || run.status === 'rolled_back') { io.out(`run ${run.id} is ${run.status}: nothing to resume\n`); return EXIT.OK; }
    if (!run.playbook) { io.err(`remediate: run ${run.id} has no playbook recorded\n`); return EXIT.BAD_INPUT; }
    const status = new Map(run.hostList.map((h) => [h.host, h.status]));
    const hosts = new Set(Object.keys(run.connection.hosts).filter((h) => !FINISHED.has(status.get(h) ?? 'pending')));
    const done = new Map<string, Set<number>>();
    for (const s of j.journal.stepsFor(run.id)) {
      if (s.outcome && (s.outcome.status === 'changed' || s.outcome.status === 'ok')) {
        if (!done.has(s.host)) done.set(s.host, new Set());
        done.get(s.host)!.add(s.taskIndex);
      }
    }
    if (hosts.size === 0) { io.out(`run ${run.id}: every host finished; nothing to resume\n`); return EXIT.OK; }
    io.err(`Resuming run ${run.id} on ${hosts.size} unfinished host(s).\n`);
    const settings = (run.connection.settings ?? {}) as { limit?: string };
    args = { playbook: run.playbook, inventory: run.inventoryPaths, runId: run.id, hosts, done, limit: settings.limit };
  } finally {
    j.journal.close();
  }
  return playbookCommand('apply', args.playbook, { ...opts, inventory: opts.inventory?.length ? opts.inventory : args.inventory, limit: opts.limit, resume: { runId: args.runId, hosts: args.hosts, done: args.done } }, io);
}
