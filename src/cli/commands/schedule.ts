// schedule --cron EXPR PLAYBOOK -i …: run `check` on a schedule as a long-lived daemon (logs
// one line per event to stdout for journald), alerting a webhook when the set of non-compliant
// or at-risk hosts changes; or, with --print-systemd, print the equivalent service + timer pair
// and exit, scheduling nothing.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EXIT } from '../../report/exit-codes.js';
import { parseDuration } from '../../source/schema.js';
import { cronProblem, cronToOnCalendar, renderSystemdUnits, startSchedule } from '../../check/schedule.js';
import { alertChange, alertSetOf, alertText, createNotifier, type AlertPayload, type Notifier } from '../../check/notify.js';
import { hostResult, type HostResult } from '../../check/history.js';
import { defaultJournalPath } from '../../journal/index.js';
import type { Io } from '../io.js';
import { openCliJournal } from '../journal.js';
import { packageRoot } from '../setup.js';
import { playbookCommand, type PlaybookCommandOptions } from './playbook.js';
import { KEEP_CHECK_RUNS } from './runs.js';

const DEFAULT_KEEP_CHECKS_MS = 90 * 86_400_000;

export interface ScheduleCommandOptions extends PlaybookCommandOptions {
  cron: string;
  /** Random delay before each run: seconds or a duration ("90", "5m"). */
  jitter?: string;
  timezone?: string;
  notifyWebhook?: string;
  /** Read the webhook URL from this environment variable (keeps a token out of argv). */
  notifyWebhookEnv?: string;
  printSystemd?: boolean;
  unitName?: string;
  /** Passed on to each check run. */
  report?: string[];
  waivers?: string;
  /** Also print each check's own output. */
  verbose?: boolean;
  /** Check runs older than this are pruned from the journal after each run ('forever': never). */
  keepChecks?: string;
}

export interface ScheduleDeps {
  /** One check run (default: `remediate check` in-process with the same options). */
  runCheck?(io: Io): Promise<number>;
  /** The remediate executable for ExecStart= (default: this node and dist/src/cli/main.js). */
  selfCommand?: string[];
  fetch?: typeof fetch;
  /** Webhook retry timing (tests shorten it). */
  notify?: { retries?: number; backoffMs?: number; maxBackoffMs?: number; timeoutMs?: number };
}

/** The `check` arguments equivalent to these options (for ExecStart=). */
export function checkArgv(playbook: string, opts: ScheduleCommandOptions, journal: string): string[] {
  const a = ['check', playbook];
  for (const i of opts.inventory ?? []) a.push('-i', i);
  if (opts.limit) a.push('-l', opts.limit);
  for (const e of opts.extraVars ?? []) a.push('-e', e);
  if (opts.forks) a.push('-f', String(opts.forks));
  if (opts.knownHosts) a.push('--known-hosts', opts.knownHosts);
  if (opts.hostKeyPolicy) a.push('--host-key-policy', opts.hostKeyPolicy);
  if (opts.becomePasswordEnv) a.push('--become-password-env', opts.becomePasswordEnv);
  if (opts.connectTimeout) a.push('--connect-timeout', String(opts.connectTimeout));
  a.push('--journal', journal);
  for (const r of opts.report ?? []) a.push('--report', r);
  if (opts.waivers) a.push('--waivers', opts.waivers);
  return a;
}

function unitNameFor(playbook: string): string {
  const base = path.basename(playbook).replace(/\.ya?ml$/i, '').replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '');
  return `remediate-check-${base || 'playbook'}`;
}

export async function scheduleCommand(playbook: string, opts: ScheduleCommandOptions, io: Io, deps: ScheduleDeps = {}): Promise<number> {
  const bad = (msg: string) => { io.err(`remediate: ${msg}\n`); return EXIT.BAD_INPUT; };
  const cronBad = cronProblem(opts.cron, opts.timezone);
  if (cronBad) return bad(`--cron: ${cronBad}`);
  const jitterMs = opts.jitter === undefined ? 0 : parseDuration(opts.jitter);
  if (jitterMs === undefined) return bad(`--jitter: expected seconds or a duration like 30s, 5m, 1h; found '${opts.jitter}'`);
  if (opts.askBecomePass) return bad('-K/--ask-become-pass cannot be answered by a schedule; use --become-password-env NAME');
  // A schedule adds a check run every period (a 3000-host check is ~13 MB of journal): keep 90
  // days of them unless told otherwise.
  const keepMs = opts.keepChecks === undefined ? DEFAULT_KEEP_CHECKS_MS : opts.keepChecks === 'forever' ? undefined : parseDuration(opts.keepChecks);
  if (opts.keepChecks !== undefined && opts.keepChecks !== 'forever' && !keepMs) return bad(`--keep-checks: expected a duration like 90d or 'forever'; found '${opts.keepChecks}'`);
  try {
    readFileSync(path.resolve(io.cwd, playbook));
  } catch (e) {
    return bad(`cannot read playbook ${playbook}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const journalPath = path.resolve(io.cwd, opts.journal ?? defaultJournalPath(io.env, io.home));

  if (opts.printSystemd) {
    const cal = cronToOnCalendar(opts.cron, opts.timezone);
    if (!cal.ok) return bad(`--print-systemd: ${cal.error}`);
    const name = opts.unitName ?? unitNameFor(playbook);
    const self = deps.selfCommand ?? [process.execPath, path.join(packageRoot(), 'dist', 'src', 'cli', 'main.js')];
    try {
      const u = renderSystemdUnits({
        name,
        description: `remediate compliance check of ${playbook}`,
        execStart: [...self, ...checkArgv(playbook, opts, journalPath)],
        workingDirectory: io.cwd,
        onCalendar: cal.value,
        randomizedDelaySec: jitterMs ? Math.ceil(jitterMs / 1000) : undefined,
        environmentFile: opts.becomePasswordEnv ? `/etc/remediate/${name}.env` : undefined,
        execStopPost: keepMs !== undefined ? [...self, 'prune', '--checks-older-than', opts.keepChecks ?? '90d', '--journal', journalPath] : undefined,
      });
      io.out(`# ---- ${u.serviceName}\n${u.service}\n# ---- ${u.timerName}\n${u.timer}`);
      io.err(`Save them as /etc/systemd/system/${u.serviceName} and /etc/systemd/system/${u.timerName}, then: systemctl daemon-reload && systemctl enable --now ${u.timerName}\n`
        + (opts.becomePasswordEnv ? `Put ${opts.becomePasswordEnv}=… in /etc/remediate/${name}.env (mode 0600).\n` : ''));
      return EXIT.OK;
    } catch (e) {
      return bad(`--print-systemd: ${(e as Error).message}`);
    }
  }

  const url = opts.notifyWebhookEnv ? io.env[opts.notifyWebhookEnv] : opts.notifyWebhook;
  if (opts.notifyWebhookEnv && !url) return bad(`--notify-webhook-env: environment variable ${opts.notifyWebhookEnv} is not set`);
  if (url && !/^https?:\/\//i.test(url)) return bad('--notify-webhook: expected an http:// or https:// URL');
  const log = (line: string) => io.out(`${new Date().toISOString()} remediate schedule: ${line}\n`);
  const notifier: Notifier | undefined = url ? createNotifier({ url, log, fetch: deps.fetch, ...deps.notify }) : undefined;
  const runCheck = deps.runCheck ?? ((runIo: Io) => playbookCommand('check', playbook, { ...opts, journal: journalPath }, runIo));
  let lastSeen: string | undefined;

  /** The newest check run in the journal: log its counts and alert on a changed set. */
  const afterRun = () => {
    const j = openCliJournal(io, journalPath);
    if ('error' in j) { log(`cannot read the journal: ${j.error}`); return; }
    try {
      if (keepMs !== undefined) {
        const pruned = j.journal.pruneCheckRuns({ before: Date.now() - keepMs, keep: KEEP_CHECK_RUNS });
        if (pruned.runs) log(`pruned ${pruned.runs} check run(s) older than ${opts.keepChecks ?? '90d'} from the journal`);
      }
      const [curr, prev] = j.journal.checkRuns({ limit: 2 });
      if (!curr || curr.id === lastSeen) { log(`no new check results in ${journalPath}: nothing to compare or alert on`); return; }
      lastSeen = curr.id;
      const now = j.journal.hostCheckResults({ runId: curr.id }).map(hostResult);
      const before = prev ? j.journal.hostCheckResults({ runId: prev.id }).map(hostResult) : null;
      const counts: Record<string, number> = {};
      for (const r of now) counts[r.status] = (counts[r.status] ?? 0) + 1;
      const risky = now.filter((r) => r.risk === 'at-risk' || r.risk === 'critical').length;
      log(`run ${curr.id}: ${now.length} hosts: ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ') || 'none'}; ${risky} at risk`);
      if (!notifier) return;
      const change = alertChange(before ? alertSetOf(before) : null, alertSetOf(now));
      if (!change) { log('alert sets unchanged: no webhook'); return; }
      const added = new Set(change.at_risk.added);
      const payload: AlertPayload = {
        event: 'remediate.check.changed', run_id: curr.id, previous_run_id: prev?.id ?? null, at: new Date(curr.started).toISOString(),
        playbook: curr.playbook ?? null, text: alertText(change, curr.id), summary: counts, non_compliant: change.non_compliant, at_risk: change.at_risk, could_not_check: change.could_not_check,
        forecasts: now.filter((r: HostResult) => added.has(r.host)).map((r) => ({ host: r.host, risk: r.risk, forecast_death: r.forecast_death, keys_in_use: r.keys_in_use, reloads_left: r.reloads_left })),
      };
      notifier.send(payload, `alert for ${curr.id}`);
    } finally {
      j.journal.close();
    }
  };

  const schedule = startSchedule({
    cron: opts.cron,
    timezone: opts.timezone,
    jitterMs,
    log,
    signal: io.signal,
    run: (_n, signal) => runCheck({ ...io, out: opts.verbose ? io.out : () => undefined, status: undefined, ask: undefined, askSecret: undefined, isTTY: false, signal }),
    after: () => afterRun(),
  });
  await schedule.done;
  if (notifier) {
    // A pending alert gets a bounded chance to go out; the daemon does not hang on a dead receiver.
    await Promise.race([notifier.idle(), new Promise((r) => setTimeout(r, 10_000).unref())]);
  }
  return EXIT.OK;
}
