// run PATTERN -- COMMAND: one raw shell string on every matching host (like `ansible -m raw`),
// per-host output and exit code; non-zero exit = failed; then the recap. Never prompts.
import { InputError, renderProblems } from '../../source/errors.js';
import { EXIT } from '../../report/exit-codes.js';
import type { Io } from '../io.js';
import { becomePassword, loadInventoryView, type HostOptions } from '../setup.js';
import { createReporter } from '../reporter.js';
import { createTransport } from '../transport.js';
import { realClock } from '../clock.js';
import { runRollout } from '../../executor/rollout.js';
import { newRunId } from './playbook.js';
import type { HostResult } from '../../executor/types.js';

export async function adHocCommand(pattern: string, command: string, opts: HostOptions & { become?: boolean }, io: Io): Promise<number> {
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
  const transport = createTransport(io, { knownHostsFile: opts.knownHosts, hostKeyPolicy: opts.hostKeyPolicy, connectTimeoutMs: opts.connectTimeout ? opts.connectTimeout * 1000 : undefined });
  const clock = realClock();
  const reporter = createReporter(io, { json: opts.json, command: 'run', showOutput: true });
  const runId = newRunId(new Date(clock.now()));
  reporter.emit({ kind: 'run.start', runId, command: 'run', hosts: hosts.length, batches: [hosts.length], at: new Date(clock.now()).toISOString() });
  const view = loaded.view;
  try {
    const r = await runRollout({
      hosts,
      rollout: { serial: [], concurrency: 50, order: 'inventory', unreachableCountsAsFailed: true },
      forks: opts.forks,
      groupsOf: (h) => view.groupsOf(h),
      rollbackPolicy: 'none',
      emit: reporter.emit,
      clock,
      confirm: async () => true,
      signal: io.signal,
      async runHost(host): Promise<HostResult> {
        reporter.emit({ kind: 'host.start', host });
        let conn;
        try {
          conn = view.conn(host, view.hostVars(host));
        } catch (e) {
          reporter.emit({ kind: 'host.end', host, status: 'failed', msg: (e as Error).message });
          return { host, status: 'failed', msg: (e as Error).message };
        }
        const t0 = clock.now();
        try {
          const res = await transport.exec(conn, { cmd: { script: command }, become: secret !== undefined ? { password: secret } : undefined, secrets: secret ? [secret] : [] });
          if (res.kind === 'unreachable') {
            reporter.emit({ kind: 'host.step', host, task: 'raw', status: 'unreachable', ms: clock.now() - t0, msg: res.reason });
            reporter.emit({ kind: 'host.end', host, status: 'unreachable', msg: res.reason });
            return { host, status: 'unreachable', msg: res.reason };
          }
          const status = res.exitCode === 0 && !res.timedOut ? 'changed' : 'failed';
          const msg = res.timedOut ? 'timed out' : res.exitCode === null ? `killed by ${res.signal}` : `rc=${res.exitCode}`;
          reporter.emit({ kind: 'host.step', host, task: 'raw', status, ms: clock.now() - t0, msg, stdout: res.stdout, stderr: res.stderr, exitCode: res.exitCode });
          reporter.emit({ kind: 'host.end', host, status, msg });
          return { host, status, msg };
        } finally {
          await transport.close(conn);
        }
      },
    });
    const code = r.aborted ? EXIT.ABORTED : reporter.exitCode();
    reporter.emit({ kind: 'run.end', exitCode: code, aborted: r.aborted });
    io.out(reporter.finish());
    return code;
  } finally {
    await transport.closeAll();
  }
}
