// Scheduled checks: a long-lived loop on a cron expression (croner), for operators who run
// remediate as a daemon, and the same schedule rendered as a systemd service + timer pair for
// those who prefer systemd timers. The loop never runs two checks at once (a tick that finds
// the previous run still going is skipped and logged), waits a random jitter before each run
// (so a fleet of controllers does not hit the inventory at the same second), and survives a
// failing or throwing run. Every line it logs is one event, for journald.
import { Cron, CronPattern } from 'croner';

export interface ScheduleOptions {
  cron: string;
  /** IANA zone the cron expression is read in (default: the controller's local time). */
  timezone?: string;
  /** Wait a random 0..jitterMs before each run. */
  jitterMs?: number;
  /** One check run; resolves to its exit code. A throw is logged and the schedule goes on. */
  run(n: number, signal: AbortSignal): Promise<number>;
  /** After each run (its exit code, or the error): alerts, summaries. Errors here are logged too. */
  after?(n: number, result: { code: number } | { error: Error }): Promise<void> | void;
  log(line: string): void;
  random?(): number;
  /** Stops the schedule (SIGTERM): no new run starts, the one in flight is awaited. */
  signal?: AbortSignal;
}

export interface Schedule {
  /** Resolves once stopped and no run is in flight. */
  done: Promise<void>;
  stop(): void;
  nextRun(): Date | null;
  readonly stats: { started: number; finished: number; failed: number; skipped: number };
}

const CRON_MODE = '5-or-6-parts' as const;

/** An error message for a bad expression, else undefined. */
export function cronProblem(expr: string, timezone?: string): string | undefined {
  try {
    const c = new Cron(expr, { paused: true, mode: CRON_MODE, timezone });
    const next = c.nextRun();
    c.stop();
    if (!next) return `cron expression '${expr}' never fires`;
    return undefined;
  } catch (e) {
    return `invalid cron expression '${expr}': ${(e as Error).message} (expected 5 fields "min hour day month weekday", or 6 with seconds first, e.g. "0 6 * * *")`;
  }
}

/** The next `n` times the expression fires after `from`. */
export function nextRuns(expr: string, n: number, from: Date, timezone?: string): Date[] {
  const c = new Cron(expr, { paused: true, mode: CRON_MODE, timezone });
  try {
    return c.nextRuns(n, from);
  } finally {
    c.stop();
  }
}

export function describeExit(code: number): string {
  if (code === 0) return 'all compliant';
  const known: Record<number, string> = { 64: 'bad input', 65: 'refused', 70: 'internal error', 130: 'interrupted' };
  if (known[code]) return known[code];
  const bits: string[] = [];
  if (code & 8) bits.push('non-compliant hosts');
  if (code & 16) bits.push('hosts that could not be checked');
  if (code & 2) bits.push('failed hosts');
  if (code & 4) bits.push('unreachable hosts');
  return bits.join(' and ') || `exit ${code}`;
}

export function startSchedule(o: ScheduleOptions): Schedule {
  const stats = { started: 0, finished: 0, failed: 0, skipped: 0 };
  const stopper = new AbortController();
  let inFlight: Promise<void> | undefined;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const random = o.random ?? Math.random;

  const tick = () => {
    if (stopper.signal.aborted) return;
    if (inFlight) {
      stats.skipped++;
      o.log(`tick at ${new Date().toISOString()} skipped: run ${stats.started} is still running (no overlapping runs)`);
      return;
    }
    const n = ++stats.started;
    inFlight = (async () => {
      const jitter = o.jitterMs ? Math.floor(random() * o.jitterMs) : 0;
      if (jitter > 0) {
        o.log(`run ${n}: waiting ${jitter} ms of jitter`);
        await abortableSleep(jitter, stopper.signal);
        if (stopper.signal.aborted) { o.log(`run ${n}: cancelled before it started (stopping)`); return; }
      }
      const t0 = Date.now();
      o.log(`run ${n}: started`);
      let result: { code: number } | { error: Error };
      try {
        const code = await o.run(n, stopper.signal);
        result = { code };
        stats.finished++;
        if (code !== 0 && code !== 8 && code !== 16 && code !== 24) stats.failed++;
        o.log(`run ${n}: finished in ${((Date.now() - t0) / 1000).toFixed(1)} s with exit ${code} (${describeExit(code)})`);
      } catch (e) {
        result = { error: e as Error };
        stats.failed++;
        o.log(`run ${n}: failed after ${((Date.now() - t0) / 1000).toFixed(1)} s: ${(e as Error).message}; the schedule goes on`);
      }
      try {
        await o.after?.(n, result);
      } catch (e) {
        o.log(`run ${n}: after-run step failed: ${(e as Error).message}`);
      }
      const next = job.nextRun();
      if (!stopper.signal.aborted) o.log(`next run at ${next ? next.toISOString() : 'never'}`);
    })().finally(() => {
      inFlight = undefined;
    });
  };

  const job = new Cron(o.cron, { mode: CRON_MODE, timezone: o.timezone, name: undefined }, tick);
  const first = job.nextRun();
  o.log(`schedule '${o.cron}'${o.timezone ? ` (${o.timezone})` : ''}${o.jitterMs ? ` with up to ${o.jitterMs} ms jitter` : ''}: first run at ${first ? first.toISOString() : 'never'}`);

  const stop = () => {
    if (stopper.signal.aborted) return;
    stopper.abort();
    job.stop();
    o.log(inFlight ? `stopping: waiting for run ${stats.started} to finish` : 'stopped');
    void (inFlight ?? Promise.resolve()).then(() => {
      if (stats.started) o.log(`stopped after ${stats.started} run(s)`);
      resolveDone();
    });
  };
  if (o.signal) {
    if (o.signal.aborted) stop();
    else o.signal.addEventListener('abort', stop, { once: true });
  }
  return { done, stop, nextRun: () => (stopper.signal.aborted ? null : job.nextRun()), stats };
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

// ------------------------------------------------------------------------- systemd timers

const DOW = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** Selected indexes, written as systemd lists with `a..b` ranges; `*` when all are selected. */
function calendarField(flags: readonly number[], offset: number, width: number, names?: readonly string[]): string {
  const on = flags.map((f, i) => (f ? i : -1)).filter((i) => i >= 0);
  if (on.length === flags.length) return '*';
  const fmt = (i: number) => (names ? names[i] : String(i + offset).padStart(width, '0'));
  const parts: string[] = [];
  for (let k = 0; k < on.length; ) {
    let j = k;
    while (j + 1 < on.length && on[j + 1] === on[j] + 1) j++;
    if (j - k >= 2) parts.push(`${fmt(on[k])}..${fmt(on[j])}`);
    else for (let x = k; x <= j; x++) parts.push(fmt(on[x]));
    k = j + 1;
  }
  return parts.join(',');
}

/**
 * A cron expression as systemd's OnCalendar= (systemd.time(7)), or an error for what OnCalendar
 * cannot say: cron's day-of-month OR day-of-week (systemd ANDs them), L, W and #.
 */
export function cronToOnCalendar(expr: string, timezone?: string): { ok: true; value: string } | { ok: false; error: string } {
  const bad = cronProblem(expr, timezone);
  if (bad) return { ok: false, error: bad };
  const p = new CronPattern(expr, timezone, { mode: CRON_MODE });
  if (p.lastDayOfMonth || p.lastWeekday || p.nearestWeekdays.some(Boolean)) {
    return { ok: false, error: `'${expr}' uses L or W, which OnCalendar= cannot express; run \`remediate schedule\` as a daemon instead` };
  }
  // croner keeps per weekday a bitmask of which occurrences match (#1..#5, L); a plain weekday has all of them.
  const ALL_OCCURRENCES = 0b111111;
  if (p.dayOfWeek.some((v) => v !== 0 && v !== ALL_OCCURRENCES)) {
    return { ok: false, error: `'${expr}' uses # or L on a weekday (nth or last weekday of the month), which OnCalendar= cannot express; run \`remediate schedule\` as a daemon instead` };
  }
  if (!p.starDOM && !p.starDOW) {
    return { ok: false, error: `'${expr}' restricts both day of month and day of week: cron runs when either matches, OnCalendar= only when both do; use one of them, or run \`remediate schedule\` as a daemon` };
  }
  const dow = [0, 1, 2, 3, 4, 5, 6].map((i) => (p.dayOfWeek[i] || (i === 0 && p.dayOfWeek[7]) ? 1 : 0));
  const weekdays = p.starDOW ? '' : `${calendarField([...dow.slice(1), dow[0]], 0, 0, [...DOW.slice(1), DOW[0]])} `;
  const date = `*-${calendarField(p.month, 1, 2)}-${calendarField(p.day, 1, 2)}`;
  const time = `${calendarField(p.hour, 0, 2)}:${calendarField(p.minute, 0, 2)}:${calendarField(p.second, 0, 2)}`;
  return { ok: true, value: `${weekdays}${date} ${time}${timezone ? ` ${timezone}` : ''}` };
}

/**
 * One argument of ExecStart= (systemd.service(5) "Command lines"): double-quoted when needed,
 * with `%` specifiers and `$` variable expansion escaped so the value reaches the program as is.
 */
export function systemdQuote(arg: string): string {
  const escaped = arg.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  if (/^[A-Za-z0-9_@+=:,./-]+$/.test(escaped) && escaped !== '') return escaped;
  return `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\t/g, '\\t')}"`;
}

/** A value for other unit settings (Description=, WorkingDirectory=): one line, specifiers escaped. */
function unitValue(s: string): string {
  return s.replace(/%/g, '%%').replace(/[\r\n]+/g, ' ');
}

export interface SystemdUnitOptions {
  /** Unit base name, e.g. remediate-check-imagick (→ .service and .timer). */
  name: string;
  description: string;
  /** Absolute executable and its arguments. */
  execStart: string[];
  workingDirectory: string;
  onCalendar: string;
  /** Seconds of RandomizedDelaySec= (the daemon's --jitter). */
  randomizedDelaySec?: number;
  /** Environment variables the check needs that may be named but not written here (a sudo password). */
  environmentFile?: string;
  /** Run after the check, whatever its exit (retention: `remediate prune …`). */
  execStopPost?: string[];
}

export function renderSystemdUnits(o: SystemdUnitOptions): { serviceName: string; timerName: string; service: string; timer: string } {
  if (!/^[A-Za-z0-9:_.\\-]+$/.test(o.name)) throw new Error(`invalid unit name '${o.name}' (letters, digits, ':', '_', '.', '-')`);
  if (!o.execStart[0]?.startsWith('/')) throw new Error(`ExecStart= needs an absolute executable, got '${o.execStart[0]}'`);
  const service = [
    '[Unit]',
    `Description=${unitValue(o.description)}`,
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    'Type=oneshot',
    `WorkingDirectory=${unitValue(o.workingDirectory)}`,
    ...(o.environmentFile ? [`EnvironmentFile=${unitValue(o.environmentFile)}`] : []),
    `ExecStart=${o.execStart.map(systemdQuote).join(' ')}`,
    ...(o.execStopPost ? [`ExecStopPost=${o.execStopPost.map(systemdQuote).join(' ')}`] : []),
    '# Exit 8 means some host is non-compliant: a result (in the journal and the reports), not a',
    '# failure of the service. Could-not-check (16, 24) and errors still fail the unit.',
    'SuccessExitStatus=8',
    'NoNewPrivileges=yes',
    '',
  ].join('\n');
  const timer = [
    '[Unit]',
    `Description=${unitValue(o.description)} (timer)`,
    '',
    '[Timer]',
    `OnCalendar=${o.onCalendar}`,
    ...(o.randomizedDelaySec ? [`RandomizedDelaySec=${o.randomizedDelaySec}`] : []),
    'Persistent=true',
    `Unit=${o.name}.service`,
    '',
    '[Install]',
    'WantedBy=timers.target',
    '',
  ].join('\n');
  return { serviceName: `${o.name}.service`, timerName: `${o.name}.timer`, service, timer };
}
