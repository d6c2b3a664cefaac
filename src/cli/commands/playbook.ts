// apply / plan / check PLAYBOOK: load and validate everything first (bad input changes nothing),
// then detect → plan → (confirm) → roll out, reporting from the one event stream.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadPlaybook } from '../../playbook/load.js';
import { defaultRegistry } from '../../modules/registry.js';
import { runPlaybook } from '../../executor/run-playbook.js';
import { InputError, renderProblems } from '../../source/errors.js';
import { EXIT } from '../../report/exit-codes.js';
import type { Io } from '../io.js';
import { becomePassword, loadInventoryView, parseExtraVars, type HostOptions } from '../setup.js';
import { createReporter } from '../reporter.js';
import { createTransport } from '../transport.js';
import { realClock } from '../clock.js';
import { gatherFactsWith } from '../facts.js';

export interface PlaybookCommandOptions extends HostOptions {
  yes?: boolean;
  seed?: number;
}

export function newRunId(now: Date): string {
  return `${now.toISOString().replace(/[:.]/g, '-').slice(0, 19)}Z-${randomBytes(2).toString('hex')}`;
}

export async function playbookCommand(command: 'apply' | 'plan' | 'check', playbookPath: string, opts: PlaybookCommandOptions, io: Io): Promise<number> {
  const modules = defaultRegistry();
  let loaded;
  try {
    const file = path.resolve(io.cwd, playbookPath);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      io.err(`remediate: cannot read playbook ${playbookPath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
      return EXIT.BAD_INPUT;
    }
    const playbook = loadPlaybook(path.relative(io.cwd, file) || file, text, modules);
    const { view, limit } = await loadInventoryView(opts, io);
    const extraVars = parseExtraVars(opts.extraVars, io.cwd);
    loaded = { playbook, view, limit, extraVars };
  } catch (e) {
    if (e instanceof InputError) {
      io.err(renderProblems(e.problems) + `\n\n${e.problems.length} problem(s); nothing was changed on any host.\n`);
      return EXIT.BAD_INPUT;
    }
    throw e;
  }
  if (command === 'apply' && !opts.yes && !io.ask) {
    io.err('remediate: apply changes hosts and needs confirmation, but there is no TTY to ask on: pass --yes (see `remediate plan` for what would change).\n');
    return EXIT.REFUSED;
  }
  let secret: string | undefined;
  try {
    secret = await becomePassword(opts, io);
  } catch (e) {
    if (e instanceof InputError) { io.err(renderProblems(e.problems) + '\n'); return EXIT.BAD_INPUT; }
    throw e;
  }
  const transport = createTransport(io, { knownHostsFile: opts.knownHosts, hostKeyPolicy: opts.hostKeyPolicy, connectTimeoutMs: opts.connectTimeout ? opts.connectTimeout * 1000 : undefined });
  const clock = realClock();
  const runId = newRunId(new Date(clock.now()));
  const base = {
    runId,
    playbook: loaded.playbook,
    inventory: loaded.view,
    limit: loaded.limit,
    extraVars: loaded.extraVars,
    forks: opts.forks,
    transport,
    modules,
    clock,
    signal: io.signal,
    gatherFacts: gatherFactsWith(),
    becomePassword: secret,
    seed: opts.seed,
  };
  const confirm = async (q: string) => {
    if (opts.yes) return true;
    if (!io.ask) return false;
    const a = await io.ask(`${q} [y/N] `);
    return /^y(es)?$/i.test(a.trim());
  };
  try {
    if (command === 'apply' && !opts.yes) {
      // Show the plan first, then ask once (a TTY is guaranteed here).
      const preview = createReporter(io, { json: opts.json, command: 'plan' });
      await runPlaybook({ ...base, command: 'plan', emit: preview.emit, confirm });
      io.out(preview.finish());
      if (preview.exitCode() & (EXIT.FAILED | EXIT.UNREACHABLE)) io.err('Some hosts could not be planned (see above); they will fail again in apply.\n');
      if (!(await confirm('Apply these changes?'))) {
        io.err('Nothing was changed.\n');
        return EXIT.OK;
      }
    }
    const reporter = createReporter(io, { json: opts.json, command });
    reporter.emit({ kind: 'run.start', runId, command, playbook: loaded.playbook.file, hosts: 0, batches: [], at: new Date(clock.now()).toISOString() });
    const outcomes = await runPlaybook({ ...base, command, emit: reporter.emit, confirm });
    const aborted = outcomes.some((o) => o.aborted);
    for (const o of outcomes) if (o.stopReason) io.err(`Rollout of '${o.play}' stopped: ${o.stopReason}\n`);
    const code = aborted ? EXIT.ABORTED : reporter.exitCode();
    reporter.emit({ kind: 'run.end', exitCode: code, aborted });
    io.out(reporter.finish());
    return code;
  } finally {
    await transport.closeAll();
  }
}
