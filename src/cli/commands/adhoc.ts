// run PATTERN -- COMMAND: one raw shell string on every matching host (like `ansible -m raw`),
// per-host output and exit code; non-zero exit = failed; then the recap. Never prompts.
// The run is journalled like any other (who ran what, where, with which exit code): the command
// as an irreversible step, its intent before it runs. `-b` runs it through sudo as apply does.
import { InputError, renderProblems } from '../../source/errors.js';
import { EXIT } from '../../report/exit-codes.js';
import type { Io } from '../io.js';
import { becomePassword, loadInventoryView, type HostOptions } from '../setup.js';
import { createReporter } from '../reporter.js';
import { createTransport } from '../transport.js';
import { realClock } from '../clock.js';
import { runRollout } from '../../executor/rollout.js';
import type { HostResult } from '../../executor/types.js';
import type { HostConn } from '../../transport/types.js';
import { displayCommand } from '../../transport/command.js';
import { journalSink } from '../../journal/event-sink.js';
import { redactArgv } from '../../journal/index.js';
import { openCliJournal } from '../journal.js';
import { inventoryRecord } from './playbook.js';
import type { Event } from '../../report/events.js';

export interface AdHocOptions extends HostOptions {
  become?: boolean;
  becomeUser?: string;
  journal?: string;
}

export async function adHocCommand(pattern: string, command: string, opts: AdHocOptions, io: Io): Promise<number> {
  if (command.trim() === '') {
    io.err('remediate run: expected a command after --\n');
    return EXIT.BAD_INPUT;
  }
  let hosts: string[];
  let loaded;
  let secret: string | undefined;
  try {
    loaded = await loadInventoryView(opts, io);
    hosts = loaded.view.select(pattern);
    if (loaded.limit) hosts = hosts.filter((h) => loaded!.limit!.has(h));
    secret = await becomePassword(opts, io);
  } catch (e) {
    if (e instanceof InputError) { io.err(renderProblems(e.problems) + '\n'); return EXIT.BAD_INPUT; }
    throw e;
  }
  if (hosts.length === 0) {
    io.err(`[WARNING]: no hosts matched '${pattern}'\n`);
    return EXIT.OK;
  }
  const view = loaded.view;
  const conns = new Map<string, HostConn | Error>();
  for (const h of hosts) {
    try { conns.set(h, view.conn(h, view.hostVars(h))); } catch (e) { conns.set(h, e as Error); }
  }
  const j = openCliJournal(io, opts.journal);
  if ('error' in j) { io.err(`remediate: ${j.error}\n`); return EXIT.BAD_INPUT; }
  const journal = j.journal;
  const become = opts.become || opts.becomeUser !== undefined || secret !== undefined ? { user: opts.becomeUser, password: secret } : undefined;
  const spec = { cmd: { script: command }, become, secrets: secret ? [secret] : [] };
  const transport = createTransport(io, { knownHostsFile: opts.knownHosts, hostKeyPolicy: opts.hostKeyPolicy, connectTimeoutMs: opts.connectTimeout ? opts.connectTimeout * 1000 : undefined });
  const clock = realClock();
  const reporter = createReporter(io, { json: opts.json, command: 'run', showOutput: true });
  const inv = inventoryRecord(opts, io);
  const runId = journal.startRun({
    command: 'run', user: io.user, controllerHost: io.hostname, pid: io.pid, argv: redactArgv(io.argv), inventoryPaths: inv.sources, inventorySha256: inv.sha256.join(','),
    connection: {
      hosts: Object.fromEntries([...conns].filter((x): x is [string, HostConn] => !(x[1] instanceof Error))),
      becomeUser: become ? become.user ?? 'root' : undefined,
      settings: { knownHostsFile: opts.knownHosts, hostKeyPolicy: opts.hostKeyPolicy, limit: opts.limit },
    },
  });
  if (secret) journal.addSecrets(secret);
  const sink = journalSink(journal, runId);
  const emit = (e: Event) => { sink(e); reporter.emit(e); };
  emit({ kind: 'run.start', runId, command: 'run', hosts: hosts.length, batches: [hosts.length], at: new Date(clock.now()).toISOString() });
  try {
    const r = await runRollout({
      hosts,
      rollout: { serial: [], concurrency: 50, order: 'inventory', unreachableCountsAsFailed: true },
      forks: opts.forks,
      groupsOf: (h) => view.groupsOf(h),
      rollbackPolicy: 'none',
      emit,
      clock,
      confirm: async () => true,
      signal: io.signal,
      async runHost(host): Promise<HostResult> {
        emit({ kind: 'host.start', host });
        const conn = conns.get(host)!;
        if (conn instanceof Error) {
          emit({ kind: 'host.end', host, status: 'failed', msg: conn.message });
          return { host, status: 'failed', msg: conn.message };
        }
        const t0 = clock.now();
        // Journalled before it runs. No fsync per host: a raw command has no inverse to recover,
        // and the run's row, committed durably before any host started, names the command.
        const step = journal.recordIntent({ runId, host, task: 'raw', taskIndex: 0, module: 'raw', class: 'irreversible', factsFingerprint: '', summary: displayCommand(spec) }, { durable: false });
        try {
          const res = await transport.exec(conn, spec);
          const finish = (status: 'changed' | 'failed' | 'unreachable', msg: string) =>
            journal.recordOutcome(step, { status, msg, startedAt: t0, finishedAt: clock.now() });
          if (res.kind === 'unreachable') {
            finish('unreachable', res.reason);
            emit({ kind: 'host.step', host, task: 'raw', status: 'unreachable', ms: clock.now() - t0, msg: res.reason });
            emit({ kind: 'host.end', host, status: 'unreachable', msg: res.reason });
            return { host, status: 'unreachable', msg: res.reason };
          }
          const status = res.exitCode === 0 && !res.timedOut ? 'changed' : 'failed';
          const msg = res.timedOut ? 'timed out' : res.exitCode === null ? `killed by ${res.signal}` : `rc=${res.exitCode}`;
          finish(status, msg);
          emit({ kind: 'host.step', host, task: 'raw', status, ms: clock.now() - t0, msg, stdout: res.stdout, stderr: res.stderr, exitCode: res.exitCode });
          emit({ kind: 'host.end', host, status, msg });
          return { host, status, msg };
        } finally {
          await transport.close(conn);
        }
      },
    });
    const code = r.aborted ? EXIT.ABORTED : reporter.exitCode();
    emit({ kind: 'run.end', exitCode: code, aborted: r.aborted });
    journal.finishRun(runId, r.aborted ? 'aborted' : code === EXIT.OK ? 'succeeded' : 'partial');
    io.out(reporter.finish());
    return code;
  } finally {
    await transport.closeAll();
    journal.close();
  }
}
