// rollback RUN: undo a run's recorded steps, newest first, per host; each host is verified to
import { readFileSync } from 'node:fs';
// be back at its recorded pre-state. Needs no -i: the journal kept how to reach every host.
import { runRollout } from '../../executor/rollout.js';
import { undoHost } from '../../executor/undo.js';
import { handlersToRerun, rerunHandlers } from '../../executor/rollback-handlers.js';
import { loadPlaybook } from '../../playbook/load.js';
import type { Playbook } from '../../playbook/types.js';
import { createHash } from 'node:crypto';
import { defaultRegistry } from '../../modules/registry.js';
import { loadInventory, selectHosts } from '../../inventory/index.js';
import { redactArgv, type StepRecord } from '../../journal/index.js';
import { journalSink } from '../../journal/event-sink.js';
import { journalRecorder } from '../../journal/recorder.js';
import { EXIT } from '../../report/exit-codes.js';
import { InputError, renderProblems } from '../../source/errors.js';
import type { Event } from '../../report/events.js';
import type { HostResult } from '../../executor/types.js';
import type { Io } from '../io.js';
import { lockOwner, openCliJournal } from '../journal.js';
import { createReporter } from '../reporter.js';
import { createTransport } from '../transport.js';
import { realClock } from '../clock.js';
import { becomePassword, type HostOptions } from '../setup.js';
import { withBecome } from '../../executor/become.js';
import { recordedRunVars } from '../recorded-vars.js';

export interface RollbackOptions extends HostOptions { journal?: string; yes?: boolean }

export async function rollbackCommand(runArg: string, opts: RollbackOptions, io: Io): Promise<number> {
  const j = openCliJournal(io, opts.journal);
  if ('error' in j) { io.err(`remediate: ${j.error}\n`); return EXIT.BAD_INPUT; }
  const journal = j.journal;
  const modules = defaultRegistry();
  try {
    const id = journal.resolveRunId(runArg);
    if (!id.ok) { io.err(`remediate: no single run matches '${runArg}'${id.matches.length ? `: ${id.matches.slice(0, 5).join(', ')}` : ''}\n`); return EXIT.BAD_INPUT; }
    const run = journal.getRun(id.id)!;
    if (run.command === 'run') { io.err(`remediate: run ${run.id} is an ad-hoc command (remediate run): a raw command has no inverse, so there is nothing to roll back\n`); return EXIT.BAD_INPUT; }
    const byHost = new Map<string, StepRecord[]>();
    for (const s of journal.stepsToUndo(run.id)) byHost.set(s.host, [...(byHost.get(s.host) ?? []), s]);
    let hosts = [...byHost.keys()];
    if (opts.limit && hosts.length) {
      try {
        const inv = await loadInventory([hosts.join(',') + ','], { cwd: io.cwd, env: io.env });
        const sel = new Set(selectHosts(inv, opts.limit, { cwd: io.cwd, readFile: (p) => readFileSync(p, 'utf8') }));
        hosts = hosts.filter((h) => sel.has(h));
      } catch (e) {
        if (e instanceof InputError) { io.err(renderProblems(e.problems) + '\n'); return EXIT.BAD_INPUT; }
        throw e;
      }
    }
    if (hosts.length === 0) { io.out(`run ${run.id}: nothing to roll back${opts.limit ? ` within '${opts.limit}'` : ''}\n`); return EXIT.OK; }
    const total = hosts.reduce((n, h) => n + byHost.get(h)!.length, 0);
    if (!opts.json) {
      io.out(`Rolling back run ${run.id} (${run.command}, ${run.status}): ${total} step(s) on ${hosts.length} host(s), newest first:\n`);
      for (const h of hosts.slice(0, 20)) io.out(`  ${h}: ${byHost.get(h)!.map((s) => `${s.task}${s.class === 'irreversible' ? ' (irreversible: left as is)' : ''}`).join(', ')}\n`);
      if (hosts.length > 20) io.out(`  … and ${hosts.length - 20} more hosts\n`);
    }
    if (!opts.yes) {
      if (!io.ask) { io.err('remediate: rollback changes hosts and needs confirmation, but there is no TTY: pass --yes.\n'); return EXIT.REFUSED; }
      if (!/^y(es)?$/i.test((await io.ask('Roll back these hosts? [y/N] ')).trim())) { io.err('Nothing was changed.\n'); return EXIT.OK; }
    }
    let secret: string | undefined;
    try { secret = await becomePassword(opts, io); } catch (e) {
      if (e instanceof InputError) { io.err(renderProblems(e.problems) + '\n'); return EXIT.BAD_INPUT; }
      throw e;
    }
    if (secret) journal.addSecrets(secret);
    const settings = (run.connection.settings ?? {}) as { knownHostsFile?: string; hostKeyPolicy?: 'strict' | 'accept-new' | 'off' };
    const transport = createTransport(io, { knownHostsFile: opts.knownHosts ?? settings.knownHostsFile, hostKeyPolicy: opts.hostKeyPolicy ?? settings.hostKeyPolicy });
    const rbRun = journal.startRun({ command: 'rollback', user: io.user, controllerHost: io.hostname, pid: io.pid, argv: redactArgv(io.argv), playbookPath: run.playbook, inventoryPaths: run.inventoryPaths, connection: run.connection });
    const reporter = createReporter(io, { json: opts.json, command: 'apply' });
    const sink = journalSink(journal, rbRun);
    const emit = (e: Event) => { sink(e); reporter.emit(e); };
    const owner = lockOwner(io);
    const clock = realClock();
    const recorder = journalRecorder(journal, rbRun, () => '');
    // The run's playbook, if unchanged, says which handlers the undone steps had notified.
    let playbook: Playbook | undefined;
    try {
      const text = readFileSync(run.playbook ?? '', 'utf8');
      if (createHash('sha256').update(text).digest('hex') === run.playbookSha256) playbook = loadPlaybook(run.playbook!, text, modules);
    } catch { /* gone or unreadable: below */ }
    if (!playbook && run.playbook) emit({ kind: 'warning', msg: `handlers will not be re-run after the rollback: ${run.playbook} is gone or changed since run ${run.id} (reload or restart services yourself)` });
    // Its handlers run with the run's own variables (a restart staggered as that run had it).
    const vars = playbook ? await recordedRunVars(run, io) : undefined;
    for (const w of vars?.warnings ?? []) emit({ kind: 'warning', msg: w });
    const becomeUser = run.connection.becomeUser;
    emit({ kind: 'run.start', runId: rbRun, command: 'apply', playbook: `rollback of ${run.id}`, hosts: hosts.length, batches: [hosts.length], at: new Date(clock.now()).toISOString() });
    try {
      const r = await runRollout({
        hosts,
        rollout: { serial: [], concurrency: 50, order: 'inventory', unreachableCountsAsFailed: true },
        forks: opts.forks,
        groupsOf: () => ['all'],
        rollbackPolicy: 'none',
        emit,
        clock,
        confirm: async () => true,
        signal: io.signal,
        async runHost(host): Promise<HostResult> {
          emit({ kind: 'host.start', host });
          const conn = run.connection.hosts[host];
          if (!conn) {
            emit({ kind: 'host.end', host, status: 'failed', msg: 'the journal has no connection settings for this host' });
            return { host, status: 'failed' };
          }
          const lock = journal.acquireHostLock(rbRun, host, owner);
          if (!lock.ok) {
            const msg = `locked by run ${lock.heldBy.runId} (pid ${lock.heldBy.pid} on ${lock.heldBy.controllerHost})`;
            emit({ kind: 'host.end', host, status: 'failed', msg });
            return { host, status: 'failed', msg };
          }
          try {
            const ctx = { host: conn, exec: (spec: Parameters<typeof transport.exec>[1]) => transport.exec(conn, withBecome(spec, becomeUser ? { user: becomeUser } : undefined, secret)) };
            let u = await undoHost(byHost.get(host)!, ctx, modules, { rollback: (sid, s) => journal.recordRollback(sid, s) });
            const which = playbook && u.status === 'restored' ? handlersToRerun(playbook, byHost.get(host)!) : undefined;
            if (which) {
              const h = await rerunHandlers(host, conn, playbook!, which, { transport, modules, emit, clock, becomePassword: secret, inventoryVars: vars?.hostVars(host), extraVars: vars?.extraVars, recorder });
              if (!h.ok) u = { status: 'failed', msg: h.msg };
            }
            emit({ kind: 'host.rollback', host, status: u.status, msg: u.msg });
            journal.setHostStatus(run.id, host, u.status === 'restored' ? 'rolled_back' : 'rollback_failed', u.msg);
            const status = u.status === 'restored' ? 'changed' : 'failed';
            emit({ kind: 'host.end', host, status, msg: u.msg });
            return { host, status, msg: u.msg };
          } finally {
            journal.releaseHostLock(rbRun, host);
            await transport.close(conn);
          }
        },
      });
      const code = r.aborted ? EXIT.ABORTED : reporter.exitCode();
      emit({ kind: 'run.end', exitCode: code, aborted: r.aborted });
      journal.finishRun(rbRun, r.aborted ? 'aborted' : code === EXIT.OK ? 'succeeded' : 'partial');
      if (code === EXIT.OK && !opts.limit) journal.finishRun(run.id, 'rolled_back');
      io.out(reporter.finish());
      return code;
    } finally {
      await transport.closeAll();
    }
  } finally {
    journal.close();
  }
}
