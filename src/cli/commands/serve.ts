// serve [--host 127.0.0.1] [--port N]: the fleet dashboard (read-only) over the journal, until
// SIGINT/SIGTERM.
import { EXIT } from '../../report/exit-codes.js';
import { startServer } from '../../serve/server.js';
import type { Io } from '../io.js';
import { openCliJournal } from '../journal.js';

export interface ServeCommandOptions {
  host?: string;
  /** Default 8080; 0 picks a free port. */
  port?: number;
  journal?: string;
}

export async function serveCommand(opts: ServeCommandOptions, io: Io): Promise<number> {
  const j = openCliJournal(io, opts.journal);
  if ('error' in j) { io.err(`remediate: ${j.error}\n`); return EXIT.BAD_INPUT; }
  const log = (line: string) => io.err(`remediate serve: ${line}\n`);
  try {
    let server;
    try {
      server = await startServer({ journal: j.journal, host: opts.host, port: opts.port ?? 8080, log });
    } catch (e) {
      io.err(`remediate: cannot listen on ${opts.host ?? '127.0.0.1'}:${opts.port ?? 8080}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
      return EXIT.BAD_INPUT;
    }
    io.out(`${server.url}\n`);
    await new Promise<void>((r) => (io.signal.aborted ? r() : io.signal.addEventListener('abort', () => r(), { once: true })));
    await server.close();
    log('stopped');
    return EXIT.OK;
  } finally {
    j.journal.close();
  }
}
