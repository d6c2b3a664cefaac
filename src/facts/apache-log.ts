// Reading Apache's error log(s) for the master's history: reloads it survived (graceful and
// SIGHUP restarts keep the master, and each one leaks a key with a leaky libgomp), its start,
// and a death by pthread key exhaustion.
//
// Only lines with the exact prefix Apache writes for its own notices count:
//   [Thu Nov 26 11:30:54.663211 2026] [mpm_prefork:notice] [pid 23298:tid 23298] AH00171: …
// A client-supplied string (a request path in a 404 line) sits after "[client …]" and Apache
// escapes control characters, so it can neither start a line nor end up in that position.

export interface LogLine {
  file: string;
  text: string;
}

/** Restart requests that keep the master process (and so leak on each). */
export const RESTART_CODES: Readonly<Record<string, string>> = {
  AH00171: 'graceful restart (prefork)',
  AH00493: 'graceful restart, SIGUSR1 (event)',
  AH00297: 'graceful restart, SIGUSR1 (worker)',
  AH00173: 'restart, SIGHUP (prefork)',
  AH00494: 'restart, SIGHUP (event)',
  AH00298: 'restart, SIGHUP (worker)',
};
/** "Apache/… configured -- resuming normal operations": after a start or after each restart. */
const RESUMED = 'AH00163';
export const EXHAUSTION = 'libgomp: could not create thread pool destructor.';

const NOTICE = /^\[(\w{3}) (\w{3}) +(\d{1,2}) (\d\d):(\d\d):(\d\d)(?:\.\d+)? (\d{4})\] \[[\w-]+:\w+\] \[pid (\d+)(?::tid \d+)?\] (AH\d{5}): (.*)$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "+0100" → 3600. */
export function parseTzOffset(tz: string | undefined | null): number | null {
  const m = /^([+-])(\d\d)(\d\d)$/.exec(tz ?? '');
  if (!m) return null;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 3600 + Number(m[3]) * 60);
}

export type LogEventKind = 'restart' | 'resumed' | 'shutdown' | 'exhaustion';

export interface LogEvent {
  kind: LogEventKind;
  code: string | null;
  pid: number | null;
  /** Epoch seconds (the log is in the host's local time, converted with its UTC offset). */
  at: number | null;
  file: string;
}

export function parseLogLine(l: LogLine, tzOffsetSec: number): LogEvent | null {
  if (l.text.trim() === EXHAUSTION) return { kind: 'exhaustion', code: null, pid: null, at: null, file: l.file };
  const m = NOTICE.exec(l.text);
  if (!m) return null;
  const mon = MONTHS.indexOf(m[2]);
  const at = mon < 0 ? null
    : Date.UTC(Number(m[7]), mon, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) / 1000 - tzOffsetSec;
  const code = m[9];
  const msg = m[10];
  let kind: LogEventKind | null = null;
  if (code in RESTART_CODES) kind = 'restart';
  else if (code === RESUMED) kind = 'resumed';
  else if (/caught SIG(TERM|WINCH), shutting down/.test(msg)) kind = 'shutdown';
  if (!kind) return null;
  return { kind, code, pid: Number(m[8]), at, file: l.file };
}

export interface MasterHistory {
  pid: number;
  /** Restart requests since the start (or since the oldest line seen, when !complete). */
  reloads: number;
  /** The start line of this process is in the logs, so `reloads` is exact; else a lower bound. */
  complete: boolean;
  startedAt: number | null;
  reloadTimes: number[];
  /** A restart was requested and its "resuming normal operations" never came. */
  pending: boolean;
}

export interface Death {
  pid: number;
  /** Time of the fatal restart request. */
  at: number | null;
  /** Reloads survived before the fatal one (a lower bound when !complete). */
  reloadsSurvived: number;
  complete: boolean;
}

export interface LogAnalysis {
  files: string[];
  recognized: number;
  firstAt: number | null;
  lastAt: number | null;
  /** History of every master pid seen, by pid. */
  masters: Map<number, MasterHistory>;
  /** The last death by key exhaustion in the logs, if any. */
  death: Death | null;
}

/**
 * Walk the events oldest first. A "resuming normal operations" line that does not follow a
 * restart request of the same pid is a fresh start; it resets that pid's count. Events of the
 * current master's pid older than its start (a recycled pid) are skipped.
 */
export function analyzeErrorLog(lines: readonly LogLine[], opts: { tzOffsetSec: number; masterPid?: number | null; masterStart?: number | null }): LogAnalysis {
  const files: string[] = [];
  const masters = new Map<number, MasterHistory>();
  let recognized = 0;
  let firstAt: number | null = null;
  let lastAt: number | null = null;
  let lastPid: number | null = null;
  let death: Death | null = null;
  let seenEvent = false;
  const rotated = new Set(lines.map((l) => l.file)).size > 1;
  const slack = 120;
  // The log is in local time converted with today's UTC offset: allow a DST hour of error.
  const nearMasterStart = (pid: number, at: number | null) =>
    opts.masterPid === pid && opts.masterStart != null && at !== null &&
    [0, 3600, -3600].some((d) => Math.abs(at + d - (opts.masterStart as number)) <= slack);
  for (const l of lines) {
    if (!files.includes(l.file)) files.push(l.file);
    const e = parseLogLine(l, opts.tzOffsetSec);
    if (!e) continue;
    recognized++;
    const first = !seenEvent;
    seenEvent = true;
    if (e.kind === 'exhaustion') {
      const st = lastPid === null ? undefined : masters.get(lastPid);
      if (st && st.pending) {
        death = { pid: st.pid, at: st.reloadTimes[st.reloadTimes.length - 1] ?? null, reloadsSurvived: st.reloads - 1, complete: st.complete };
      }
      continue;
    }
    const pid = e.pid as number;
    // A recycled pid: lines of an older process that had the current master's pid.
    if (opts.masterPid === pid && opts.masterStart != null && e.at !== null && e.at < opts.masterStart - 3600 - slack) continue;
    if (e.at !== null) { firstAt ??= e.at; lastAt = e.at; }
    lastPid = pid;
    let st = masters.get(pid);
    const isNew = !st;
    if (!st) {
      st = { pid, reloads: 0, complete: false, startedAt: null, reloadTimes: [], pending: false };
      masters.set(pid, st);
    }
    if (e.kind === 'restart') {
      st.reloads++;
      st.pending = true;
      if (e.at !== null) st.reloadTimes.push(e.at);
    } else if (e.kind === 'resumed') {
      if (st.pending) { st.pending = false; continue; }
      // Not after a restart request: a fresh start, unless it may be the second half of a reload
      // whose request line was in a log already rotated away (the very head of the oldest file).
      const truncatedHead = rotated && first && isNew;
      if (!truncatedHead || nearMasterStart(pid, e.at)) {
        Object.assign(st, { reloads: 0, complete: true, startedAt: e.at, reloadTimes: [], pending: false });
      }
    } else if (e.kind === 'shutdown') {
      st.pending = false;
    }
  }
  return { files, recognized, firstAt, lastAt, masters, death };
}

/** Reloads per day seen in the logs (restart requests of any master over the span they cover). */
export function reloadRateFromLog(a: LogAnalysis): { perDay: number; reloads: number; spanDays: number } | null {
  const times = [...a.masters.values()].flatMap((m) => m.reloadTimes).sort((x, y) => x - y);
  if (times.length < 2) return null;
  const span = times[times.length - 1] - times[0];
  if (span < 86400) return null; // a burst within a day says nothing about the daily rate
  return { perDay: ((times.length - 1) * 86400) / span, reloads: times.length, spanDays: span / 86400 };
}
