// canary_reload: the proof of a remedy. Reload Apache gracefully N times (what logrotate does
// daily) and require, after each: the same master PID alive, the generation counter advanced,
// HTTP answering, no `libgomp: could not create thread pool destructor` in the error log since
// the start; and at the end a pthread key growth of at most `max_key_growth` (0). Without root
// the keys cannot be read: then the verdict rests on generations + master alive, and says so.
// A failure states the measured leak rate and the projected death at the host's reload rate.
import { setTimeout as delay } from 'node:timers/promises';
import type { Schema } from '../source/schema-types.js';
import { shQuote } from '../transport/quote.js';
import { actionScript, CTL_PRELUDE, records, withConfdir, type ApacheName } from './apache-ctl.js';
import { createFactsKeysMeter, type KeysMeter, type KeysReading } from './keys.js';
import { describeFailure, unreachableOutcome } from './outcome.js';
import { confdirArg, durationMs, probeApache, type ServiceState } from './service.js';
import type { HostContext, Module, Outcome, Planned } from './types.js';

export const PTHREAD_KEYS_MAX = 1024;
export const EXHAUSTION_TEXT = 'could not create thread pool destructor';

export interface CanaryArgs {
  name: ApacheName | 'auto';
  reloads: number;
  health_url?: string;
  status_url?: string;
  /** Error log to watch; 'auto': the instance's (Debian envvars) or the distro default. */
  error_log: string;
  max_key_growth: number;
  /** auto: measure when possible, else generations; measure: keys are required; generation: do not read keys. */
  keys: 'auto' | 'measure' | 'generation';
  /** For the forecast of a failure (logrotate daily = 1). */
  reloads_per_day: number;
  /** Milliseconds one reload may take to show its effect (default 30 s). */
  reload_timeout: number;
  /** Milliseconds to wait between reloads (default 0). */
  interval: number;
  confdir?: string;
}

export interface CanaryState {
  apache: ServiceState;
  keys: KeysReading | null;
}

export interface CanaryData {
  pid: number;
  generation: number | null;
  statusUrl: string | null;
  healthUrl: string | null;
  healthAny: boolean;
  errorLog: string | null;
  logOffset: number;
  keysBefore: number | null;
  keysWhy: string | null;
  reloadCmd: string;
  clock: number | null;
}

/** What one reload showed. */
export interface ReloadObservation {
  index: number;
  rc: number | null;
  alive: boolean;
  pidNow: number | null;
  generation: number | null;
  healthy: boolean | null;
  health: string | null;
  exhaustion: string[];
  out: string;
}

export const canaryReloadSchema: Schema = {
  type: 'object',
  name: 'canary_reload arguments',
  fields: {
    name: { schema: { type: 'string', enum: ['apache2', 'httpd', 'auto'] }, default: 'auto' },
    reloads: { schema: { type: 'int', min: 1, max: 5000 }, default: 50, doc: '1100 reproduces the incident on a leaky host' },
    health_url: { schema: { type: 'string', nonEmpty: true }, doc: 'must answer 2xx/3xx after every reload' },
    status_url: { schema: { type: 'string', nonEmpty: true }, doc: 'server-status?auto URL (default: from the first plain-HTTP Listen)' },
    error_log: { schema: { type: 'string', nonEmpty: true }, default: 'auto' },
    max_key_growth: { schema: { type: 'int', min: 0 }, default: 0 },
    keys: { schema: { type: 'string', enum: ['auto', 'measure', 'generation'] }, default: 'auto', doc: 'measure: fail unless keys can be read (needs become)' },
    reloads_per_day: { schema: { type: 'number', min: 0 }, default: 1, doc: 'for the forecast: logrotate daily = 1' },
    reload_timeout: { schema: { type: 'duration' }, default: 30_000 },
    interval: { schema: { type: 'duration' }, default: 0 },
    confdir: { schema: { type: 'string', nonEmpty: true }, doc: 'APACHE_CONFDIR of a Debian multi-instance Apache' },
  },
};

function intIn(v: unknown, what: string, min: number, max: number, dflt: number): number {
  if (v === undefined || v === null) return dflt;
  const n = typeof v === 'number' ? v : Number(String(v));
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`canary_reload: ${what} must be an integer from ${min} to ${max}, found ${JSON.stringify(v)}`);
  return n;
}

export function normalizeCanaryArgs(raw: Record<string, unknown>): CanaryArgs {
  const name = (raw.name ?? 'auto') as CanaryArgs['name'];
  if (!['apache2', 'httpd', 'auto'].includes(name)) throw new Error(`canary_reload: name must be apache2, httpd or auto, found ${JSON.stringify(raw.name)}`);
  const keys = (raw.keys ?? 'auto') as CanaryArgs['keys'];
  if (!['auto', 'measure', 'generation'].includes(keys)) throw new Error(`canary_reload: keys must be auto, measure or generation, found ${JSON.stringify(raw.keys)}`);
  const perDay = raw.reloads_per_day === undefined ? 1 : Number(raw.reloads_per_day);
  if (!Number.isFinite(perDay) || perDay < 0) throw new Error(`canary_reload: reloads_per_day must be a number ≥ 0, found ${JSON.stringify(raw.reloads_per_day)}`);
  for (const k of ['health_url', 'status_url'] as const) {
    if (raw[k] !== undefined && !/^https?:\/\/\S+$/.test(String(raw[k]))) throw new Error(`canary_reload: ${k} must be an http(s) URL, found ${JSON.stringify(raw[k])}`);
  }
  const log = raw.error_log === undefined ? 'auto' : String(raw.error_log);
  if (log !== 'auto' && !log.startsWith('/')) throw new Error(`canary_reload: error_log must be an absolute path or auto, found ${JSON.stringify(log)}`);
  return {
    name,
    reloads: intIn(raw.reloads, 'reloads', 1, 5000, 50),
    health_url: raw.health_url === undefined ? undefined : String(raw.health_url),
    status_url: raw.status_url === undefined ? undefined : String(raw.status_url),
    error_log: log,
    max_key_growth: intIn(raw.max_key_growth, 'max_key_growth', 0, PTHREAD_KEYS_MAX, 0),
    keys,
    reloads_per_day: perDay,
    reload_timeout: durationMs(raw.reload_timeout, 'canary_reload: reload_timeout') ?? 30_000,
    interval: durationMs(raw.interval, 'canary_reload: interval') ?? 0,
    confdir: confdirArg(raw.confdir, 'canary_reload'),
  };
}

export function planCanary(args: CanaryArgs, st: CanaryState): Planned {
  const c = st.apache.ctl;
  const fail = (summary: string, reason = summary): Planned => ({ status: 'fail', summary, reason, class: 'stateless' });
  if (c.pid === null) return fail(`${c.name} is not running: nothing to prove a remedy on`);
  const reloadCmd = actionScript(c, 'reload');
  if (!reloadCmd) return fail(`cannot reload ${c.name}: no systemctl, apache2ctl/apachectl, service or invoke-rc.d`);
  if (c.configTest && !c.configTest.ok) return fail(`${c.name} config test fails: a reload would be refused`, c.configTest.output.split('\n').slice(-3).join(' | '));
  const k = st.keys;
  const measured = k && 'keys' in k ? k.keys : null;
  const why = k && 'unknown' in k ? k.unknown : args.keys === 'generation' ? 'not requested (keys: generation)' : null;
  if (args.keys === 'measure' && measured === null) return fail(`keys in use cannot be measured: ${why ?? 'unknown'}`);
  if (measured !== null && args.reloads >= PTHREAD_KEYS_MAX - measured) {
    return fail(
      `a canary of ${args.reloads} reloads could exhaust master ${c.pid}'s pthread keys (${measured} of ${PTHREAD_KEYS_MAX} in use)`,
      `${measured} keys in use leave ${PTHREAD_KEYS_MAX - measured} reloads if it leaks one per reload; run a full restart (service: restarted) first`,
    );
  }
  const statusUrl = st.apache.statusUrl;
  const healthUrl = args.health_url ?? statusUrl;
  const evidence = measured !== null ? `${measured} keys in use; passes when they grow by at most ${args.max_key_growth}` : `keys not measured (${why}); judged by generation counters and the master staying alive`;
  const gen = st.apache.generation !== null ? `, generation ${st.apache.generation}` : '';
  const data: CanaryData = {
    pid: c.pid, generation: st.apache.generation, statusUrl, healthUrl, healthAny: !args.health_url,
    errorLog: c.errorLog, logOffset: c.errorLogSize ?? 0, keysBefore: measured, keysWhy: why, reloadCmd, clock: c.clock,
  };
  return { status: 'change', summary: `canary: ${args.reloads} graceful reloads of ${c.name} (master ${c.pid}${gen}); ${evidence}`, class: 'stateless', data, estimateMs: args.reloads * (args.interval + RELOAD_ESTIMATE_MS) };
}

/** A graceful reload plus its observation, for the plan's estimate (a real Apache: ~0.5 s). */
const RELOAD_ESTIMATE_MS = 500;

/** One reload and its observation, in one round trip. */
export function reloadOnceScript(d: CanaryData, index: number, prevGeneration: number | null, timeoutMs: number): string {
  const tenths = Math.max(10, Math.round(timeoutMs / 100));
  const log = d.errorLog ? shQuote(d.errorLog) : "''";
  const since = `tail -c +${d.logOffset + 1} "$LOG" 2>/dev/null`;
  const waitFor = d.statusUrl && prevGeneration !== null
    ? `G=$(gen_of ${shQuote(d.statusUrl)}); [ -n "$G" ] && [ "$G" -gt ${prevGeneration} ] && break`
    : d.errorLog
      ? `[ "$(${since} | grep -c 'AH00163')" -ge ${index} ] && break`
      : 'sleep 1; break';
  return [
    CTL_PRELUDE,
    `OLD=${d.pid}; LOG=${log}; G=`,
    `__o=$(${d.reloadCmd} 2>&1 </dev/null); rec rc "$?"; printf '%s\\n' "$__o" | sed '/^$/d; s/^/out|/'`,
    `__w=0; while [ $__w -lt ${tenths} ]; do ${waitFor}; alive "$OLD" || break; sleep 0.1; __w=$((__w + 1)); done`,
    d.statusUrl ? `[ -z "$G" ] && G=$(gen_of ${shQuote(d.statusUrl)}); rec generation "$G"` : '',
    'if alive "$OLD"; then rec alive 1; else rec alive 0; fi',
    'master_pid; rec pid-now "$P"',
    d.healthUrl ? `if alive "$OLD" && wait_health ${shQuote(d.healthUrl)} 25 ${d.healthAny ? 1 : 0}; then rec healthy 1; else rec healthy 0; fi; rec health "$H"` : '',
    d.errorLog ? `${since} | grep -F ${shQuote(EXHAUSTION_TEXT)} | head -n 3 | sed 's/^/exhaustion|/'` : '',
    'exit 0',
  ].filter(Boolean).join('\n');
}

export function parseReload(index: number, stdout: string): ReloadObservation {
  const one = (t: string) => records(stdout, t)[0];
  const int = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : null);
  return {
    index,
    rc: int(one('rc')),
    alive: one('alive') === '1',
    pidNow: int(one('pid-now')),
    generation: int(one('generation')),
    healthy: one('healthy') === undefined ? null : one('healthy') === '1',
    health: one('health') ?? null,
    exhaustion: records(stdout, 'exhaustion'),
    out: records(stdout, 'out').join(' | ').slice(-300),
  };
}

export interface CanaryVerdict {
  ok: boolean;
  msg: string;
  result: Record<string, unknown>;
}

/** "2.8 years", "40 days", "5 hours". */
export function humanDuration(days: number): string {
  if (days >= 365.25) return `${(days / 365.25).toFixed(1)} years`;
  if (days >= 1) return `${Math.floor(days)} day${Math.floor(days) === 1 ? '' : 's'}`;
  return `${Math.max(1, Math.round(days * 24))} hours`;
}

/** Reloads left and the death forecast for a leak rate (keys per reload). */
export function forecast(keysNow: number, rate: number, perDay: number, clock: number | null): { reloadsLeft: number; days: number | null; date: string | null; text: string } {
  const reloadsLeft = Math.max(0, Math.floor((PTHREAD_KEYS_MAX - keysNow) / rate));
  if (!(perDay > 0)) return { reloadsLeft, days: null, date: null, text: `${reloadsLeft} reloads left` };
  const days = reloadsLeft / perDay;
  const date = clock !== null ? new Date((clock + days * 86400) * 1000).toISOString().slice(0, 10) : null;
  const rateText = perDay === 1 ? '1 reload/day' : `${+perDay.toFixed(2)} reloads/day`;
  return { reloadsLeft, days, date, text: `${reloadsLeft} reloads left → dies in ${humanDuration(days)} at ${rateText}${date ? ` (${date})` : ''}` };
}

/** Pure: the verdict from the observations and the keys measured after. */
export function judgeCanary(args: CanaryArgs, d: CanaryData, obs: readonly ReloadObservation[], keysAfter: KeysReading | null): CanaryVerdict {
  const last = obs[obs.length - 1];
  const done = obs.length;
  const after = keysAfter && 'keys' in keysAfter ? keysAfter.keys : null;
  const growth = d.keysBefore !== null && after !== null ? after - d.keysBefore : null;
  const rate = growth !== null && done > 0 ? growth / done : null;
  const genAfter = [...obs].reverse().find((o) => o.generation !== null)?.generation ?? null;
  const result: Record<string, unknown> = {
    reloads_requested: args.reloads,
    reloads_done: done,
    master_pid: d.pid,
    generation_before: d.generation,
    generation_after: genAfter,
    keys_before: d.keysBefore,
    keys_after: after,
    key_growth: growth,
    keys_per_reload: rate,
    evidence: d.keysBefore !== null ? 'pthread_keys' : 'generation',
  };
  const leakText = (): string => {
    if (rate === null || growth === null || growth <= 0) return '';
    const f = forecast(after!, rate, args.reloads_per_day, d.clock);
    result.reloads_left = f.reloadsLeft;
    result.forecast_death = f.date;
    return `leaks ${rate.toFixed(2)} key${rate === 1 ? '' : 's'} per reload (keys ${d.keysBefore} → ${after} over ${done} reload${done === 1 ? '' : 's'}); ${f.text}`;
  };
  const failAt = (what: string): CanaryVerdict => {
    const leak = leakText();
    return { ok: false, msg: `canary failed on reload #${last.index} of ${args.reloads}: ${what}${leak ? `; ${leak}` : ''}`, result: { ...result, failed_reload: last.index } };
  };
  if (last) {
    if (last.exhaustion.length) return failAt(`pthread keys exhausted (${last.exhaustion[0].trim()})${last.alive ? '' : `; master ${d.pid} died`}`);
    if (!last.alive) return failAt(`master ${d.pid} died${last.pidNow ? ` (now ${last.pidNow})` : ''}${last.out ? ` (${last.out})` : ''}`);
    if (last.rc !== 0) return failAt(`\`${d.reloadCmd}\` exited ${last.rc ?? 'abnormally'}${last.out ? ` (${last.out})` : ''}`);
    if (last.pidNow !== null && last.pidNow !== d.pid) return failAt(`the master is now ${last.pidNow}, not ${d.pid}`);
    const prev = last.index === 1 ? d.generation : obs[obs.length - 2]?.generation ?? null;
    if (d.statusUrl && prev !== null && (last.generation === null || last.generation <= prev)) return failAt(`the generation did not advance past ${prev} within ${Math.round(args.reload_timeout / 1000)} s`);
    if (last.healthy === false) return failAt(`${d.healthUrl} does not answer (last HTTP status ${last.health ?? 'none'})`);
  }
  if (done < args.reloads) return failAt('stopped early');
  if (growth !== null && growth > args.max_key_growth) {
    return { ok: false, msg: `canary failed: ${leakText()} (allowed growth ${args.max_key_growth})`, result };
  }
  const gens = d.generation !== null && genAfter !== null ? `, generation ${d.generation} → ${genAfter}` : '';
  const keys = growth !== null
    ? `keys ${d.keysBefore} → ${after} (${growth >= 0 ? '+' : ''}${growth})`
    : `keys not measured (${d.keysWhy ?? (keysAfter && 'unknown' in keysAfter ? keysAfter.unknown : 'unknown')}): judged by generations and the master staying alive`;
  return { ok: true, msg: `canary passed: ${done} graceful reloads, master ${d.pid} alive${gens}; ${keys}`, result };
}

export interface CanaryDeps {
  /** The TODO seam of the brief, wired: keys of one master (default: the pthread_keys fact). */
  measureKeys: KeysMeter;
  sleep(ms: number): Promise<void>;
}

export function createCanaryReloadModule(deps: Partial<CanaryDeps> = {}): Module<CanaryArgs> {
  const measure = deps.measureKeys ?? createFactsKeysMeter();
  const sleep = deps.sleep ?? ((ms: number) => delay(ms));
  return {
    name: 'canary_reload',
    schema: canaryReloadSchema,
    normalize: normalizeCanaryArgs,
    async probe(hostCtx, args): Promise<CanaryState> {
      const ctx = withConfdir(hostCtx, args.confdir);
      const apache = await probeApache(ctx, { name: args.name, statusUrl: args.status_url, configTest: true, errorLog: args.error_log });
      const keys = apache.ctl.pid !== null && args.keys !== 'generation' ? await measure(ctx, apache.ctl.pid) : null;
      return { apache, keys };
    },
    plan: (args, state) => planCanary(args, state as CanaryState),
    async apply(hostCtx, args, planned): Promise<Outcome> {
      const ctx: HostContext = withConfdir(hostCtx, args.confdir);
      const d = planned.data as CanaryData;
      const obs: ReloadObservation[] = [];
      let prevGen = d.generation;
      for (let i = 1; i <= args.reloads; i++) {
        if (i > 1 && args.interval) await sleep(args.interval);
        const r = await ctx.exec({ cmd: { script: reloadOnceScript(d, i, prevGen, args.reload_timeout) }, timeoutMs: args.reload_timeout + 60_000 });
        const un = unreachableOutcome(r);
        if (un) return { ...un, msg: `${un.msg} (during reload #${i} of the canary)` };
        if (r.kind === 'exit' && (r.exitCode !== 0 || r.timedOut)) return { status: 'failed', msg: describeFailure(`canary reload #${i}`, r) };
        const o = parseReload(i, r.kind === 'exit' ? r.stdout : '');
        obs.push(o);
        const v = judgeCanary({ ...args, reloads: i }, d, obs, null);
        if (!v.ok) break;
        prevGen = o.generation ?? prevGen;
      }
      const last = obs[obs.length - 1];
      const keysAfter = d.keysBefore !== null && last?.alive ? await measure(ctx, d.pid) : null;
      const v = judgeCanary(args, d, obs, keysAfter);
      return { status: v.ok ? 'changed' : 'failed', msg: v.msg, result: v.result };
    },
  };
}

export const canaryReloadModule = createCanaryReloadModule();
