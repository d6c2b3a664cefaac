// history [--host H] [--runs N] [--json]: drift since the previous check run and the trend of
// keys in use per host, from the journal's check results.
import { EXIT } from '../../report/exit-codes.js';
import { loadHistory, renderHistory } from '../../check/history.js';
import type { Io } from '../io.js';
import { openCliJournal } from '../journal.js';

export interface HistoryOptions {
  host?: string;
  /** How many check runs back (default 30). */
  runs?: number;
  json?: boolean;
  journal?: string;
}

export async function historyCommand(opts: HistoryOptions, io: Io): Promise<number> {
  const j = openCliJournal(io, opts.journal);
  if ('error' in j) { io.err(`remediate: ${j.error}\n`); return EXIT.BAD_INPUT; }
  try {
    const h = loadHistory(j.journal, { host: opts.host, runs: opts.runs });
    if (opts.host && h.trends.length === 0 && h.runs.length > 0) {
      io.err(`remediate: host '${opts.host}' has no check results in the last ${h.runs.length} check run(s) of ${j.journal.path}\n`);
      return EXIT.BAD_INPUT;
    }
    if (opts.json) {
      io.out(JSON.stringify({ runs: h.runs.map((r) => ({ id: r.id, status: r.status, started: new Date(r.started).toISOString(), hosts: r.hosts, playbook: r.playbook })), drift: h.drift, trends: h.trends }, null, 2) + '\n');
    } else {
      io.out(renderHistory(h));
    }
    return EXIT.OK;
  } finally {
    j.journal.close();
  }
}
