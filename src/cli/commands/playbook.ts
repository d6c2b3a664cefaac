// apply / plan / check PLAYBOOK: load and validate everything first (bad input changes nothing),
// then detect → plan → (confirm) → roll out, reporting from the one event stream and
// journalling every change before it is made.
import { existsSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { loadPlaybook } from '../../playbook/load.js';
import type { Playbook } from '../../playbook/types.js';
import { defaultRegistry } from '../../modules/registry.js';
import { runPlaybook, type InventoryView, type ProvenCanaries, type RunPlaybookInput } from '../../executor/run-playbook.js';
import { factsFingerprint } from '../../executor/fingerprint.js';
import { undoHost } from '../../executor/undo.js';
import { handlersToRerun, rerunHandlers } from '../../executor/rollback-handlers.js';
import { InputError, renderProblems } from '../../source/errors.js';
import { EXIT } from '../../report/exit-codes.js';
import type { Event } from '../../report/events.js';
import { defaultJournalPath, newRunId as journalRunId, redactArgv, stepTimingKey, type Journal } from '../../journal/index.js';
import { journalSink } from '../../journal/event-sink.js';
import { journalRecorder } from '../../journal/recorder.js';
import type { HostConn } from '../../transport/types.js';
import type { Io } from '../io.js';
import { becomePassword, inventorySources, loadInventoryView, parseExtraVars, type HostOptions } from '../setup.js';
import { createReporter } from '../reporter.js';
import { createTransport } from '../transport.js';
import { realClock } from '../clock.js';
import { gatherFactsWith, knownFacts } from '../facts.js';
import { lockOwner, openCliJournal } from '../journal.js';
import { attachCheckReports } from './check-extras.js';
import { planPass, type PlanPassResult } from '../../plan/plan-pass.js';
import { scheduleViews } from '../../plan/schedule.js';
import { readSavedPlan, toSavedPlan, type SavedPlan } from '../../plan/saved-plan.js';
import { hostDrift } from '../../plan/drift.js';
import { humanMs, type MeasuredStep } from '../../plan/estimate.js';
import { renderSchedule } from '../../report/plan-schedule.js';

export interface PlaybookCommandOptions extends HostOptions {
  yes?: boolean;
  seed?: number;
  journal?: string;
  allowIrreversible?: boolean;
  /** check: --report KIND:FILE (repeatable), --waivers FILE */
  report?: string[];
  waivers?: string;
  /** plan: write the plan here (JSON) for `apply --plan` */
  out?: string;
  /** apply: execute exactly this saved plan, refusing hosts that drifted since */
  plan?: string;
  /** Set by `resume`: continue this run on these hosts, skipping finished tasks. */
  resume?: { runId: string; hosts: ReadonlySet<string>; done: ReadonlyMap<string, ReadonlySet<number>>; touched?: ReadonlyMap<string, ReadonlySet<number>>; proven?: ProvenCanaries };
}

export function newRunId(now: Date): string {
  return journalRunId(now.getTime());
}

interface Loaded {
  playbook: Playbook;
  view: InventoryView;
  limit?: Set<string>;
  extraVars: Record<string, unknown>;
}

function load(playbookPath: string, opts: PlaybookCommandOptions, io: Io, modules: ReturnType<typeof defaultRegistry>): Promise<Loaded | number> {
  return (async () => {
    const file = path.resolve(io.cwd, playbookPath);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      io.err(`remediate: cannot read playbook ${playbookPath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
      return EXIT.BAD_INPUT;
    }
    try {
      const playbook = loadPlaybook(path.relative(io.cwd, file) || file, text, modules);
      const known = new Set(knownFacts());
      const problems = playbook.plays.flatMap((p) => p.facts.filter((f) => !known.has(f)).map((f) => ({ pos: p.pos, message: `unknown fact '${f}' in play '${p.name}'`, expected: `one of ${[...known].join(', ')}`, found: `'${f}'` })));
      if (problems.length) throw new InputError(problems);
      const { view, limit } = await loadInventoryView(opts, io);
      // Every play's host pattern is checked now, before any host is touched.
      const patternProblems = playbook.plays.flatMap((p) => {
        try { view.select(p.hosts); return []; } catch (e) {
          if (e instanceof InputError) return e.problems.map((q) => ({ ...q, pos: p.pos, message: `play '${p.name}': hosts: ${q.message}` }));
          throw e;
        }
      });
      if (patternProblems.length) throw new InputError(patternProblems);
      const extraVars = parseExtraVars(opts.extraVars, io.cwd);
      return { playbook, view, limit, extraVars };
    } catch (e) {
      if (e instanceof InputError) {
        io.err(renderProblems(e.problems) + `\n\n${e.problems.length} problem(s); nothing was changed on any host.\n`);
        return EXIT.BAD_INPUT;
      }
      throw e;
    }
  })();
}

/** Every host any play of the run will touch (after --limit), with how to reach it. */
function runHosts(l: Loaded): Record<string, HostConn> {
  const out: Record<string, HostConn> = {};
  for (const play of l.playbook.plays) {
    for (const h of l.view.select(play.hosts)) {
      if (l.limit && !l.limit.has(h)) continue;
      if (!out[h]) {
        try { out[h] = l.view.conn(h, l.view.hostVars(h)); } catch { /* reported per host later */ }
      }
    }
  }
  return out;
}

function sha256File(p: string): string | undefined {
  try { return createHash('sha256').update(readFileSync(p)).digest('hex'); } catch { return undefined; }
}

/** The inventory sources a run was given, resolved, with each file's hash (recorded in the journal). */
export function inventoryRecord(opts: HostOptions, io: Io): { sources: string[]; sha256: string[] } {
  const sources = inventorySources(opts, io).map((s) => (s.includes(',') ? s : path.resolve(io.cwd, s)));
  return { sources, sha256: sources.map((s) => (s.includes(',') ? '' : sha256File(s) ?? '')) };
}

/** `apply --plan FILE`: the plan, with the playbook, inventory and variables it fixes. */
function openSavedPlan(file: string, playbookArg: string | undefined, opts: PlaybookCommandOptions, io: Io): { plan: SavedPlan; playbookPath: string; opts: PlaybookCommandOptions } | number {
  let text: string;
  try { text = readFileSync(path.resolve(io.cwd, file), 'utf8'); } catch (e) {
    io.err(`remediate: cannot read plan ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
    return EXIT.BAD_INPUT;
  }
  let plan: SavedPlan;
  try { plan = readSavedPlan(file, text); } catch (e) {
    if (e instanceof InputError) { io.err(renderProblems(e.problems) + '\n\nnothing was changed on any host.\n'); return EXIT.BAD_INPUT; }
    throw e;
  }
  if (opts.extraVars?.length) { io.err('remediate: -e cannot be combined with --plan: the plan fixes its variables (make a new plan with them).\n'); return EXIT.BAD_INPUT; }
  if (playbookArg && path.resolve(io.cwd, playbookArg) !== plan.playbook.path) {
    io.err(`remediate: the plan was made from ${plan.playbook.path}, not ${path.resolve(io.cwd, playbookArg)}: give only --plan.\n`);
    return EXIT.BAD_INPUT;
  }
  return { plan, playbookPath: plan.playbook.path, opts: { ...opts, inventory: opts.inventory?.length ? opts.inventory : plan.inventory.sources, seed: plan.seed, forks: opts.forks ?? plan.forks } };
}

/** What no longer matches the saved plan: a refusal message per drifted host. */
function refusalsFor(saved: SavedPlan, pass: PlanPassResult): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [host, planned] of Object.entries(saved.hosts)) {
    const now = pass.hosts.get(host);
    if (!now) continue;
    const d = hostDrift(planned, now);
    if (d.length) out.set(host, d);
  }
  return out;
}

function writePlanFile(file: string, plan: SavedPlan): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(plan, null, 1) + '\n', { mode: 0o600 });
  renameSync(tmp, file);
}

export async function playbookCommand(command: 'apply' | 'plan' | 'check', playbookArg: string | undefined, opts: PlaybookCommandOptions, io: Io): Promise<number> {
  const modules = defaultRegistry();
  let saved: SavedPlan | undefined;
  let playbookPath = playbookArg;
  if (command === 'apply' && opts.plan) {
    const s = openSavedPlan(opts.plan, playbookArg, opts, io);
    if (typeof s === 'number') return s;
    ({ plan: saved, playbookPath, opts } = s);
  }
  if (!playbookPath) { io.err(`remediate: ${command} needs a PLAYBOOK${command === 'apply' ? ' (or --plan FILE)' : ''}\n`); return EXIT.BAD_INPUT; }
  const loaded = await load(playbookPath, opts, io, modules);
  if (typeof loaded === 'number') return loaded;
  if (saved) {
    const inv = inventoryRecord(opts, io);
    const stale = [
      loaded.playbook.sha256 !== saved.playbook.sha256 ? `the playbook ${saved.playbook.path} changed since the plan (sha256 ${saved.playbook.sha256.slice(0, 12)}… → ${loaded.playbook.sha256.slice(0, 12)}…)` : '',
      JSON.stringify(inv) !== JSON.stringify(saved.inventory) ? `the inventory changed since the plan (${saved.inventory.sources.join(', ')})` : '',
    ].filter(Boolean);
    if (stale.length) { io.err(`remediate: refusing to apply ${opts.plan}: ${stale.join('; ')}. Make a new plan.\n`); return EXIT.REFUSED; }
    loaded.extraVars = saved.extraVars;
    const planned = new Set(Object.keys(saved.hosts));
    loaded.limit = new Set([...(loaded.limit ?? planned)].filter((h) => planned.has(h)));
  }
  // One seed for the whole command: the preview's canaries and batches are the apply's.
  const seed = opts.seed ?? (realClock().now() >>> 0);
  if (opts.resume) {
    const keep = opts.resume.hosts;
    loaded.limit = new Set([...(loaded.limit ?? keep)].filter((h) => keep.has(h)));
  }
  // A saved plan was reviewed when it was made: applying it is the approval (like terraform).
  if (command === 'apply' && !opts.yes && !io.ask && !saved) {
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
  let journal: Journal | undefined;
  if (command !== 'plan') {
    const j = openCliJournal(io, opts.journal);
    if ('error' in j) { io.err(`remediate: ${j.error}\n`); return EXIT.BAD_INPUT; }
    journal = j.journal;
    if (secret) journal.addSecrets(secret);
  }
  const checks = command === 'check' ? attachCheckReports({ reports: opts.report ?? [], waivers: opts.waivers, journal, cwd: io.cwd, color: io.color, hostname: io.hostname }) : undefined;
  if (checks && 'error' in checks) { io.err(`remediate: ${checks.error}\n`); journal?.close(); return EXIT.BAD_INPUT; }
  const transport = createTransport(io, { knownHostsFile: opts.knownHosts, hostKeyPolicy: opts.hostKeyPolicy, connectTimeoutMs: opts.connectTimeout ? opts.connectTimeout * 1000 : undefined });
  const clock = realClock();
  const confirm = async (q: string) => {
    if (opts.yes) return true;
    if (!io.ask) return false;
    const a = await io.ask(`${q} [y/N] `);
    return /^y(es)?$/i.test(a.trim());
  };
  const base: Omit<RunPlaybookInput, 'command' | 'emit' | 'runId'> = {
    playbook: loaded.playbook,
    inventory: loaded.view,
    limit: loaded.limit,
    extraVars: loaded.extraVars,
    forks: opts.forks,
    transport,
    modules,
    clock,
    confirm,
    signal: io.signal,
    gatherFacts: gatherFactsWith(),
    becomePassword: secret,
    seed,
    allowIrreversible: opts.allowIrreversible,
    provenCanaries: opts.resume?.proven,
  };
  const measured = command === 'check' ? undefined : measuredSteps(journal, command, path.resolve(io.cwd, playbookPath), opts, io);
  const plansFor = async (emit: (e: Event) => void) => {
    const pass = await planPass({ ...base, seed, doneTasks: opts.resume ? (h) => opts.resume!.done.get(h) ?? new Set() : undefined }, emit);
    return { pass, schedules: scheduleViews(pass, loaded.playbook, opts.forks, measured) };
  };
  // Facts seen by apply's preview: what canary `per:` keys (one host per distro, …) are read from.
  const previewFacts = new Map<string, Record<string, unknown>>();
  // Hosts apply's preview reached and read: canaries come from them, the others go last.
  let previewReached: ((host: string) => boolean) | undefined;
  // Hosts it found something to change on: only they make canaries (they prove this run's changes).
  let previewActsOn: ((host: string) => boolean) | undefined;
  let refused = new Map<string, string[]>();
  let fingerprintOf: ((host: string) => string | undefined) | undefined;
  try {
    if (command === 'plan') {
      const reporter = createReporter(io, { json: opts.json, command });
      const runId = newRunId(new Date(clock.now()));
      reporter.emit({ kind: 'run.start', runId, command, playbook: loaded.playbook.file, hosts: Object.keys(runHosts(loaded)).length, batches: [], at: new Date(clock.now()).toISOString() });
      const { pass, schedules } = await plansFor((e) => reporter.emit(e));
      const code = pass.aborted ? EXIT.ABORTED : reporter.exitCode();
      reporter.emit({ kind: 'run.end', exitCode: code, aborted: pass.aborted });
      io.out(reporter.finish());
      if (!opts.json) io.out('\n' + schedules.map((s) => renderSchedule(s, humanMs)).join('\n') + '\n');
      if (opts.out && !pass.aborted) {
        const plan = toSavedPlan({
          createdAt: new Date(clock.now()).toISOString(),
          createdBy: { user: io.user, host: io.hostname },
          playbook: { path: path.resolve(io.cwd, playbookPath), sha256: loaded.playbook.sha256 },
          inventory: inventoryRecord(opts, io),
          limit: opts.limit,
          extraVars: loaded.extraVars,
          seed,
          forks: opts.forks,
          schedule: schedules,
        }, pass.hosts.values());
        try { writePlanFile(path.resolve(io.cwd, opts.out), plan); } catch (e) {
          io.err(`remediate: cannot write the plan to ${opts.out}: ${(e as Error).message}\n`);
          return EXIT.BAD_INPUT;
        }
        io.err(`plan: ${opts.out} (${pass.hosts.size} hosts); apply exactly this plan with: remediate apply --plan ${opts.out}\n`);
      }
      return code;
    }
    if (command === 'apply') {
      // The plan first (read-only, same road): shown on a TTY, and irreversible steps refused
      // before any host is touched.
      const preview = createReporter(io, { json: true, command: 'plan', quiet: true });
      const irreversible: string[] = [];
      const collect = (e: Event) => {
        preview.emit(e);
        if (e.kind === 'host.plan' && e.status === 'change' && e.class === 'irreversible') irreversible.push(`${e.host}: ${e.task} (${e.reason ?? ''})`);
      };
      const { pass, schedules } = await plansFor(collect);
      for (const [h, f] of pass.facts) previewFacts.set(h, f);
      previewReached = pass.reached;
      previewActsOn = pass.actsOn;
      if (io.signal.aborted) return EXIT.ABORTED;
      // A saved plan was read when it was made: show its schedule, not the whole plan again.
      if (!opts.json) io.out((saved ? `Applying the saved plan ${opts.plan} (${Object.keys(saved.hosts).length} hosts, made ${saved.createdAt} by ${saved.createdBy.user}@${saved.createdBy.host})\n` : preview.planText() + '\n\n') + schedules.map((s) => renderSchedule(s, humanMs)).join('\n') + '\n');
      if (saved) {
        refused = refusalsFor(saved, pass);
        fingerprintOf = (h) => saved!.hosts[h]?.fingerprint;
        if (refused.size) {
          io.err(`Drift since the plan: ${refused.size} host(s) refused, nothing changed on them:\n${[...refused].slice(0, 20).map(([h, d]) => `  ${h}: ${d.join('; ')}`).join('\n')}${refused.size > 20 ? `\n  … and ${refused.size - 20} more` : ''}\n`);
          loaded.limit = new Set([...loaded.limit!].filter((h) => !refused.has(h)));
        }
      }
      if (irreversible.length && !opts.allowIrreversible) {
        io.err(`remediate: refusing to apply: ${irreversible.length} step(s) cannot be undone:\n  ${irreversible.slice(0, 10).join('\n  ')}${irreversible.length > 10 ? `\n  … and ${irreversible.length - 10} more` : ''}\nGive them an \`undo:\`, mark them \`stateless: true\` if they change nothing durable, or pass --allow-irreversible.\n`);
        return EXIT.REFUSED;
      }
      if (!opts.yes && !saved && !(await confirm('Apply these changes?'))) {
        io.err('Nothing was changed.\n');
        return EXIT.OK;
      }
    }
    const reporter = createReporter(io, { json: opts.json, command });
    const hosts = runHosts(loaded);
    // Hosts a saved plan refused are part of the run too (recorded as failed, untouched).
    for (const h of refused.keys()) { try { hosts[h] ??= loaded.view.conn(h, loaded.view.hostVars(h)); } catch { /* reported per host */ } }
    const inv = inventoryRecord(opts, io);
    const runId = opts.resume
      ? opts.resume.runId
      : journal
      ? journal.startRun({
          command,
          user: io.user,
          controllerHost: io.hostname,
          pid: io.pid,
          argv: redactArgv(io.argv),
          playbookPath: path.resolve(io.cwd, playbookPath),
          playbookSha256: loaded.playbook.sha256,
          inventoryPaths: inv.sources,
          inventorySha256: inv.sha256.join(','),
          connection: { hosts, becomeUser: loaded.playbook.plays.find((p) => p.become)?.becomeUser ?? (loaded.playbook.plays.some((p) => p.become) ? 'root' : undefined), settings: { knownHostsFile: opts.knownHosts, hostKeyPolicy: opts.hostKeyPolicy, limit: opts.limit, extraVars: opts.extraVars ? '(given)' : undefined } },
        })
      : newRunId(new Date(clock.now()));
    const toJournal = journal ? journalSink(journal, runId, { readOnly: command === 'check' }) : undefined;
    const emit = (e: Event) => { toJournal?.(e); checks?.emit(e); reporter.emit(e); };
    const fingerprints = new Map<string, string>();
    const owner = lockOwner(io);
    const become = loaded.playbook.plays.some((p) => p.become);
    emit({ kind: 'run.start', runId, command, playbook: loaded.playbook.file, hosts: Object.keys(hosts).length, batches: [], at: new Date(clock.now()).toISOString() });
    if (refused.size) journal?.recordHosts(runId, [...refused.keys()].map((host) => ({ host, batch: 0, canary: false })));
    for (const [h, d] of refused) emit({ kind: 'host.end', host: h, status: 'failed', msg: `refused: drifted since the plan: ${d.join('; ')}` });
    const outcomes = await runPlaybook({
      ...base,
      limit: loaded.limit,
      command,
      runId,
      emit,
      doneTasks: opts.resume ? (h) => opts.resume!.done.get(h) ?? new Set() : undefined,
      touchedTasks: opts.resume?.touched ? (h) => opts.resume!.touched!.get(h) ?? new Set() : undefined,
      factsFor: (h) => previewFacts.get(h),
      reached: previewReached,
      actsOn: previewActsOn,
      // A saved plan holds between the preview and each host's turn: drift then refuses it too.
      admit: fingerprintOf
        ? (h, facts) => {
            const want = fingerprintOf!(h);
            const got = factsFingerprint(facts);
            return want && want !== got ? `refused: drifted since the plan (facts fingerprint ${want} → ${got}); nothing was changed` : undefined;
          }
        : undefined,
      recorder: journal ? journalRecorder(journal, runId, (h) => fingerprints.get(h) ?? factsFingerprint({})) : undefined,
      onFacts: journal
        ? (h, facts) => {
            const fp = factsFingerprint(facts);
            fingerprints.set(h, fp);
            journal!.recordFacts(runId, h, facts, fp);
          }
        : undefined,
      // Only apply changes hosts, so only apply takes their locks. A scheduled check that held
      // them would make an operator's apply fail on every host it happened to be reading (and
      // cost two journal writes per host).
      lockHost: journal && command === 'apply'
        ? (h) => {
            const r = journal!.acquireHostLock(runId, h, owner);
            if (r.ok) {
              if (r.stale) emit({ kind: 'warning', host: h, msg: `took over a stale lock of run ${r.stale.runId} (pid ${r.stale.pid} on ${r.stale.controllerHost} is gone)` });
              return { ok: true };
            }
            return { ok: false, msg: `locked by run ${r.heldBy.runId} (pid ${r.heldBy.pid} on ${r.heldBy.controllerHost} since ${new Date(r.heldBy.since).toISOString()})` };
          }
        : undefined,
      unlockHost: journal && command === 'apply' ? (h) => void journal!.releaseHostLock(runId, h) : undefined,
      rollbackHost: journal
        ? async (h) => {
            const conn = loaded.view.conn(h, loaded.view.hostVars(h));
            const ctx = { host: conn, exec: (spec: Parameters<typeof transport.exec>[1]) => transport.exec(conn, { ...spec, become: spec.become ?? (become ? { password: secret } : undefined) }) };
            const steps = journal!.stepsToUndo(runId, h);
            const r = await undoHost(steps, ctx, modules, { rollback: (id, s) => journal!.recordRollback(id, s) });
            const which = r.status === 'restored' ? handlersToRerun(loaded.playbook, steps) : undefined;
            if (which) {
              const hr = await rerunHandlers(h, conn, loaded.playbook, which, { transport, modules, emit, clock, becomePassword: secret, inventoryVars: loaded.view.hostVars(h), extraVars: loaded.extraVars, recorder: journalRecorder(journal!, runId, (x) => fingerprints.get(x) ?? factsFingerprint({})) });
              if (!hr.ok) { emit({ kind: 'warning', host: h, msg: hr.msg! }); return 'failed'; }
            }
            return r.status;
          }
        : undefined,
    });
    const aborted = outcomes.some((o) => o.aborted);
    // plan and check run every host as one batch: "stopped" means nothing there.
    if (command === 'apply') for (const o of outcomes) if (o.stopReason) io.err(`Rollout of '${o.play}' stopped: ${o.stopReason}\n`);
    const code = aborted ? EXIT.ABORTED : checks ? checks.exitCode() : reporter.exitCode();
    emit({ kind: 'run.end', exitCode: code, aborted });
    if (journal) {
      journal.releaseRunLocks(runId);
      journal.finishRun(runId, aborted ? 'aborted' : code === EXIT.OK ? 'succeeded' : outcomes.some((o) => o.stopReason) ? 'failed' : 'partial');
    }
    io.out(reporter.finish());
    if (checks) { const c = await checks.finish(); if (!opts.json) io.out(c.text); for (const f of c.written) io.err(`report: ${f}\n`); }
    if (journal && command === 'apply' && (aborted || code !== EXIT.OK)) io.err(`Run ${runId}: \`remediate show ${runId}\` for details; \`remediate ${aborted ? 'resume' : 'rollback'} ${runId}\` to ${aborted ? 'finish it' : 'undo it'}.\n`);
    return code;
  } finally {
    await transport.closeAll();
    journal?.close();
  }
}

/**
 * Step times of earlier apply runs of this playbook, for the estimate: from apply's journal, or
 * for `plan` (which writes no journal) from the journal file when there is one.
 */
function measuredSteps(journal: Journal | undefined, command: string, playbookFile: string, opts: PlaybookCommandOptions, io: Io): { step: MeasuredStep; runs: number } | undefined {
  let j = journal;
  let opened: Journal | undefined;
  if (!j && command === 'plan') {
    const file = opts.journal ?? defaultJournalPath(io.env, io.home);
    if (!existsSync(file)) return undefined;
    const o = openCliJournal(io, file);
    if ('error' in o) return undefined;
    j = opened = o.journal;
  }
  if (!j) return undefined;
  try {
    const { timings, runs } = j.stepTimings({ playbookPath: playbookFile });
    return runs ? { step: (module, task) => timings.get(stepTimingKey(module, task)), runs } : undefined;
  } finally {
    opened?.close();
  }
}
