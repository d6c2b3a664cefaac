// The Apache master of a lab host: pthread keys in use, reloads, death by key exhaustion, the
// error log it writes, and its server-status page. Pure state + rules; host.ts wires it to files.

export const PTHREAD_KEYS_MAX = 1024;

export type LogKind = 'start' | 'graceful' | 'sighup' | 'stop' | 'death' | 'crash';

export interface LogEvent {
  t: number;      // epoch seconds
  kind: LogKind;
  pid: number;
}

export interface MasterState {
  alive: boolean;
  pid: number;
  start: number;
  /** Reloads (graceful or SIGHUP) this master survived. */
  reloads: number;
  keys: number;
  baseline: number;
  /** The libgomp loaded at the last (re)load leaks a key per load. */
  leakyLoaded: boolean;
  /** libgomp is resident (LD_PRELOAD at start): reloads do not re-run its constructors. */
  preloaded: boolean;
  /** The LD_PRELOAD value the master was started with (its /proc/PID/environ). */
  preload?: string;
  /** When it died (epoch), if it did. */
  diedAt: number | null;
  /** Why: out of pthread keys on a reload (the incident), or something else (the dieOnReload fault). */
  diedOf?: 'exhaustion' | 'other';
}

/** What happens to a master on one reload: +1 key when the (re)loaded libgomp leaks; death at key 1025. */
export function reload(m: MasterState, leakyNow: boolean, forcedDeath = false): 'ok' | 'died' {
  if (!m.alive) return 'died';
  const leaks = leakyNow && !m.preloaded;
  if (forcedDeath || (leaks && m.keys + 1 > PTHREAD_KEYS_MAX)) {
    m.alive = false;
    return 'died';
  }
  if (leaks) m.keys += 1;
  m.reloads += 1;
  m.leakyLoaded = leakyNow;
  return 'ok';
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function logStamp(t: number): string {
  const d = new Date(Math.floor(t * 1000));
  const us = String(Math.floor((t % 1) * 1e6)).padStart(6, '0');
  const p = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${us} ${d.getUTCFullYear()}`;
}

/** The error-log lines Apache writes for one event (prefork MPM), as the fixtures show them. */
export function logLines(e: LogEvent, version: string, binary: string, tid: boolean): string {
  const pid = tid ? `[pid ${e.pid}:tid ${e.pid}]` : `[pid ${e.pid}]`;
  const at = (dt: number) => `[${logStamp(e.t + dt)}]`;
  const resumed = `${at(0.022)} [mpm_prefork:notice] ${pid} AH00163: ${version} configured -- resuming normal operations\n${at(0.0221)} [core:notice] ${pid} AH00094: Command line: '${binary}'\n`;
  switch (e.kind) {
    case 'start': return resumed;
    case 'graceful': return `${at(0)} [mpm_prefork:notice] ${pid} AH00171: Graceful restart requested, doing restart\n${resumed}`;
    case 'sighup': return `${at(0)} [mpm_prefork:notice] ${pid} AH00173: SIGHUP received.  Attempting to restart\n${resumed}`;
    case 'stop': return `${at(0)} [mpm_prefork:notice] ${pid} AH00169: caught SIGTERM, shutting down\n`;
    case 'death': return `${at(0)} [mpm_prefork:notice] ${pid} AH00171: Graceful restart requested, doing restart\n\nlibgomp: could not create thread pool destructor.\n`;
    // a master that does not come back for another reason: the restart fails to configure
    case 'crash': return `${at(0)} [mpm_prefork:notice] ${pid} AH00171: Graceful restart requested, doing restart\n${at(0.02)} [core:emerg] ${pid} AH00020: Configuration Failed, exiting\n`;
  }
}

/** `/server-status?auto` of a live master. */
export function serverStatus(m: MasterState, now: number, version: string, mpm: string): string {
  const up = Math.max(0, Math.floor(now - m.start));
  const fmt = (t: number) => {
    const d = new Date(Math.floor(t) * 1000);
    const p = (n: number) => String(n).padStart(2, '0');
    const full = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'][d.getUTCDay()];
    return `${full}, ${p(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC`;
  };
  return [
    '127.0.0.1',
    `ServerVersion: ${version}`,
    `ServerMPM: ${mpm}`,
    'Server Built: 2025-04-02T18:34:29',
    `CurrentTime: ${fmt(now)}`,
    `RestartTime: ${fmt(m.start)}`,
    `ParentServerConfigGeneration: ${m.reloads + 1}`,
    `ParentServerMPMGeneration: ${m.reloads}`,
    `ServerUptimeSeconds: ${up}`,
    `ServerUptime: ${up} seconds`,
    'Load1: 0.09', 'Load5: 0.10', 'Load15: 0.08',
    'Total Accesses: 12', 'Total kBytes: 9', 'Total Duration: 10',
    'CPUUser: .05', 'CPUSystem: .03', 'CPUChildrenUser: 0', 'CPUChildrenSystem: 0', 'CPULoad: .0001',
    `Uptime: ${up}`, 'ReqPerSec: .0001', 'BytesPerSec: .1', 'BytesPerReq: 768', 'DurationPerReq: .833333',
    'BusyWorkers: 1', 'GracefulWorkers: 0', 'IdleWorkers: 4',
    'Scoreboard: W____' + '.'.repeat(145),
    '',
  ].join('\n');
}
