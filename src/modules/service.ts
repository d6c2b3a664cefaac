// service: reload (graceful: same master, libraries reloaded — and a leaky libgomp leaks a key),
// restart (a full stop/start: a new master PID, the pthread key count back to its baseline),
// start and stop of Apache, with and without systemd, then a check that Apache serves again.
//
// Staggered restarts: `stagger: 10m` delays each host's restart by a splay in [0, 10m) derived
// from its name (stable across runs, spread across a batch). `pre_restart` / `post_restart`
// run around a full restart (drain and undrain at the load balancer).
import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Schema } from '../source/schema-types.js';
import { parseDuration } from '../source/schema.js';
import { shQuote } from '../transport/quote.js';
import {
  actionScript, controlProbeScript, CTL_PRELUDE, localBaseUrl, parseControlProbe, records, waitGoneScript, waitMasterScript, withConfdir,
  type ApacheControl, type ApacheName,
} from './apache-ctl.js';
import { describeFailure, unreachableOutcome } from './outcome.js';
import type { HostContext, Module, Outcome, Planned } from './types.js';

export interface ServiceArgs {
  name: ApacheName | 'auto';
  state: 'reloaded' | 'restarted' | 'started' | 'stopped';
  /** Must answer 2xx/3xx after the action. */
  health_url?: string;
  /** mod_status `?auto` URL: generation counter; default derived from the first plain-HTTP Listen. */
  status_url?: string;
  /** Milliseconds: the upper bound of the per-host splay before a full restart. */
  stagger?: number;
  pre_restart?: string;
  post_restart?: string;
  /** Milliseconds to wait for Apache to stop, come back and answer (default 60 s). */
  timeout: number;
  /** APACHE_CONFDIR of a Debian multi-instance Apache (/etc/apache2-NAME). */
  confdir?: string;
}

export interface ServiceState {
  ctl: ApacheControl;
  statusUrl: string | null;
  generation: number | null;
}

type Act = 'reload' | 'restart' | 'start' | 'stop';

export interface ServiceData {
  act: Act;
  pid: number | null;
  generation: number | null;
  statusUrl: string | null;
  /** Where "serves again" is checked, and whether any HTTP status counts. */
  healthUrl: string | null;
  healthAny: boolean;
  ctl: ApacheControl;
}

export const serviceSchema: Schema = {
  type: 'object',
  name: 'service arguments',
  fields: {
    name: { schema: { type: 'string', enum: ['apache2', 'httpd', 'auto'] }, default: 'auto' },
    state: { schema: { type: 'string', enum: ['reloaded', 'restarted', 'started', 'stopped'] }, required: true },
    health_url: { schema: { type: 'string', nonEmpty: true }, doc: 'must answer 2xx/3xx after the action' },
    status_url: { schema: { type: 'string', nonEmpty: true }, doc: 'server-status?auto URL (default: from the first plain-HTTP Listen)' },
    stagger: { schema: { type: 'duration' }, doc: 'spread full restarts: a per-host delay in [0, stagger)' },
    pre_restart: { schema: { type: 'string', nonEmpty: true }, doc: 'shell run before a full restart (drain)' },
    post_restart: { schema: { type: 'string', nonEmpty: true }, doc: 'shell run after a full restart that serves again (undrain)' },
    timeout: { schema: { type: 'duration' }, default: 60_000 },
    confdir: { schema: { type: 'string', nonEmpty: true }, doc: "APACHE_CONFDIR of a Debian multi-instance Apache; its apache2ctl acts on it" },
  },
};

/** A validated duration is milliseconds; a raw string ("10m") is parsed here too. */
export function durationMs(v: unknown, what: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  const ms = typeof v === 'number' ? v : parseDuration(String(v));
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) throw new Error(`${what} must be a duration like 30s, 5m or 1h, found ${JSON.stringify(v)}`);
  return ms;
}

function url(v: unknown, what: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  const s = String(v);
  if (!/^https?:\/\/\S+$/.test(s)) throw new Error(`${what} must be an http(s) URL, found ${JSON.stringify(s)}`);
  return s;
}

export function confdirArg(v: unknown, module: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  const s = String(v);
  if (!s.startsWith('/')) throw new Error(`${module}: confdir must be an absolute path, found ${JSON.stringify(s)}`);
  return s;
}

export function normalizeServiceArgs(raw: Record<string, unknown>): ServiceArgs {
  const name = (raw.name ?? 'auto') as ServiceArgs['name'];
  if (!['apache2', 'httpd', 'auto'].includes(name)) throw new Error(`service: name must be apache2, httpd or auto, found ${JSON.stringify(raw.name)}`);
  const state = raw.state as ServiceArgs['state'];
  if (!['reloaded', 'restarted', 'started', 'stopped'].includes(state)) throw new Error(`service: state must be reloaded, restarted, started or stopped, found ${JSON.stringify(raw.state)}`);
  return {
    name,
    state,
    health_url: url(raw.health_url, 'service: health_url'),
    status_url: url(raw.status_url, 'service: status_url'),
    stagger: durationMs(raw.stagger, 'service: stagger'),
    pre_restart: raw.pre_restart === undefined ? undefined : String(raw.pre_restart),
    post_restart: raw.post_restart === undefined ? undefined : String(raw.post_restart),
    timeout: durationMs(raw.timeout, 'service: timeout') ?? 60_000,
    confdir: confdirArg(raw.confdir, 'service'),
  };
}

/** The status URL to use: given, else derived from the first plain-HTTP Listen. */
export function effectiveStatusUrl(given: string | undefined, ctl: ApacheControl): string | null {
  if (given) return given;
  const base = localBaseUrl(ctl.listens);
  return base ? `${base}/server-status?auto` : null;
}

/** Read-only state: control commands, master, config test, generation (at most two round trips). */
export async function probeApache(ctx: HostContext, o: { name: ApacheName | 'auto'; statusUrl?: string; configTest: boolean; errorLog?: string | 'auto' }): Promise<ServiceState> {
  const run = async (statusUrl?: string) => {
    const r = await ctx.exec({ cmd: { script: controlProbeScript({ name: o.name, statusUrl, configTest: o.configTest, errorLog: o.errorLog }) }, timeoutMs: 60_000 });
    if (r.kind === 'unreachable') throw Object.assign(new Error(r.reason), { unreachable: true });
    if (r.exitCode !== 0) throw new Error(describeFailure('reading Apache control state', r));
    return parseControlProbe(r.stdout);
  };
  let ctl = await run(o.statusUrl);
  const statusUrl = effectiveStatusUrl(o.statusUrl, ctl);
  // The status URL comes from the config: ask it in a second, tiny round trip.
  if (!o.statusUrl && statusUrl && ctl.pid !== null) {
    const r = await ctx.exec({ cmd: { script: `${CTL_PRELUDE}\nrec generation "$(gen_of ${shQuote(statusUrl)})"` }, timeoutMs: 30_000 });
    if (r.kind === 'unreachable') throw Object.assign(new Error(r.reason), { unreachable: true });
    const g = records(r.stdout, 'generation')[0];
    ctl = { ...ctl, generation: g && /^\d+$/.test(g) ? Number(g) : null };
  }
  return { ctl, statusUrl, generation: ctl.generation };
}

export function planService(args: ServiceArgs, st: ServiceState): Planned {
  const c = st.ctl;
  const running = c.pid !== null;
  const plain = (status: Planned['status'], summary: string, reason?: string): Planned => ({ status, summary, reason, class: 'stateless' });
  if (args.state === 'started' && running) return plain('ok', `${c.name} is running (master ${c.pid})`);
  if (args.state === 'stopped' && !running) return plain('ok', `${c.name} is not running`);
  const act: Act = !running ? 'start' : args.state === 'reloaded' ? 'reload' : args.state === 'restarted' ? 'restart' : args.state === 'stopped' ? 'stop' : 'start';
  const needed = act === 'restart' ? (['stop', 'start'] as const) : ([act] as const);
  for (const a of needed) if (!actionScript(c, a)) return plain('fail', `cannot ${a} ${c.name}: no systemctl, apache2ctl/apachectl, service or invoke-rc.d`);
  if (act !== 'stop' && c.configTest && !c.configTest.ok) {
    const err = c.configTest.output.split('\n').filter((l) => !/AH00558|Syntax OK/.test(l)).slice(-3).join(' | ');
    return plain('fail', `${c.name} config test fails: a ${act} would not bring it back`, `${c.ctl ?? 'apachectl'} -t: ${err}`);
  }
  const healthUrl = args.health_url ?? st.statusUrl;
  const how = c.systemd ? 'systemd' : c.ctl ? c.ctl.replace(/.*\//, '') : c.service ? 'service' : 'invoke-rc.d';
  const summary =
    act === 'restart' ? `full restart of ${c.name} (master ${c.pid} → new master) via ${how}${args.stagger ? `, staggered within ${Math.round(args.stagger / 1000)} s` : ''}`
    : act === 'reload' ? `graceful reload of ${c.name} (master ${c.pid} keeps its PID${st.generation !== null ? `; generation ${st.generation} → ${st.generation + 1}` : ''}) via ${how}`
    : act === 'stop' ? `stop ${c.name} (master ${c.pid}) via ${how}`
    : `start ${c.name}${args.state === 'started' ? '' : ` (not running; ${args.state === 'reloaded' ? 'a reload' : 'a restart'} starts it)`} via ${how}`;
  const data: ServiceData = { act, pid: c.pid, generation: st.generation, statusUrl: st.statusUrl, healthUrl, healthAny: !args.health_url, ctl: c };
  // A staggered restart waits up to `stagger`; a batch lasts about that long.
  const estimateMs = (act === 'restart' ? (args.stagger ?? 0) + 3000 : 1500);
  return { status: 'change', summary, class: 'stateless', data, estimateMs };
}

/** Stable per-host splay in [0, max): the first 32 bits of sha256(name). */
export function splayMs(hostName: string, max: number): number {
  if (!max) return 0;
  const h = createHash('sha256').update(hostName).digest().readUInt32BE(0);
  return Math.floor((h / 2 ** 32) * max);
}

/** One script: the action, the wait for its effect, the health check. Records rc, gone, pid, generation, health. */
export function actionRunScript(d: ServiceData, timeoutMs: number): string {
  const secs = Math.max(1, Math.round(timeoutMs / 1000));
  const c = d.ctl;
  const lines = [CTL_PRELUDE, `OLD=${d.pid ?? ''}`];
  // Output captured whole (not piped: a pipeline's status is the last command's under dash).
  const run = (a: 'reload' | 'start' | 'stop') => `__o=$(${actionScript(c, a)} 2>&1 </dev/null); rec rc "$?"; printf '%s\\n' "$__o" | sed '/^$/d; s/^/out|/'`;
  if (d.act === 'reload') {
    lines.push(run('reload'));
    if (d.statusUrl && d.generation !== null) {
      // SIGUSR1 returns at once; the new generation shows once the master has re-read its config.
      lines.push(`__w=0; G=; while [ $__w -lt ${secs * 10} ]; do G=$(gen_of ${shQuote(d.statusUrl)}); [ -n "$G" ] && [ "$G" -gt ${d.generation} ] && break; alive "$OLD" || break; sleep 0.1; __w=$((__w + 1)); done; rec generation "$G"`);
    }
  } else if (d.act === 'restart') {
    lines.push(run('stop'), waitGoneScript('OLD', secs), 'alive "$OLD" && exit 0');
    lines.push(run('start'), waitMasterScript(secs));
  } else if (d.act === 'start') {
    lines.push(run('start'), waitMasterScript(secs));
  } else {
    lines.push(run('stop'), waitGoneScript('OLD', secs));
  }
  if (d.act !== 'stop' && d.healthUrl) lines.push(`if wait_health ${shQuote(d.healthUrl)} ${secs * 5} ${d.healthAny ? 1 : 0}; then rec healthy 1; else rec healthy 0; fi; rec health "$H"`);
  lines.push('master_pid; rec pid-now "$P"', 'exit 0');
  return lines.join('\n');
}

export interface ActionReport {
  ok: boolean;
  msg: string;
  pidBefore: number | null;
  pidAfter: number | null;
  generation: number | null;
  health: string | null;
}

/** Pure: judge what the action script printed. */
export function judgeAction(d: ServiceData, stdout: string, name: string): ActionReport {
  const r = (t: string) => records(stdout, t)[0];
  const pidAfter = r('pid-now') && /^\d+$/.test(r('pid-now')!) ? Number(r('pid-now')) : null;
  const gen = r('generation') && /^\d+$/.test(r('generation')!) ? Number(r('generation')) : null;
  const health = r('health') ?? null;
  const out = records(stdout, 'out').join(' | ').slice(-300);
  const base = { pidBefore: d.pid, pidAfter, generation: gen, health };
  const fail = (msg: string): ActionReport => ({ ok: false, msg: out ? `${msg} (${out})` : msg, ...base });
  const rcs = records(stdout, 'rc');
  const badRc = rcs.find((x) => x !== '0');
  if (d.act === 'restart' && r('gone') === '0') return fail(`${name} master ${d.pid} did not stop`);
  if (badRc !== undefined && d.act !== 'stop') return fail(`${describeAct(d)} exited ${badRc}`);
  if (d.act === 'stop') return r('gone') === '0' || pidAfter !== null ? fail(`${name} is still running (master ${pidAfter ?? d.pid})`) : { ok: true, msg: `${name} stopped`, ...base };
  if (pidAfter === null) return fail(`${name} is not running after the ${d.act}`);
  if (d.act === 'restart' && pidAfter === d.pid) return fail(`${name} master is still ${d.pid}: not a full restart`);
  if (d.act === 'reload' && pidAfter !== d.pid) return fail(`${name} master changed ${d.pid} → ${pidAfter} during a graceful reload (it died and was restarted?)`);
  if (d.act === 'reload' && d.generation !== null && d.statusUrl && (gen === null || gen <= d.generation)) return fail(`${name} generation did not advance past ${d.generation} (now ${gen ?? 'unknown'}): the reload did not take effect`);
  if (d.healthUrl && r('healthy') !== '1') return fail(`${name} does not serve ${d.healthUrl} after the ${d.act} (last HTTP status ${health ?? 'none'})`);
  const what = d.act === 'restart' ? `full restart: master ${d.pid} → ${pidAfter}` : d.act === 'reload' ? `graceful reload: master ${pidAfter}${gen !== null ? `, generation ${gen}` : ''}` : `started: master ${pidAfter}`;
  return { ok: true, msg: `${what}${d.healthUrl ? `; ${d.healthUrl} answers ${health}` : ''}`, ...base };
}

function describeAct(d: ServiceData): string {
  return d.act === 'restart' ? `${actionScript(d.ctl, 'stop')} / ${actionScript(d.ctl, 'start')}` : actionScript(d.ctl, d.act) ?? d.act;
}

async function runShell(ctx: HostContext, script: string, what: string, timeoutMs: number): Promise<Outcome | null> {
  const r = await ctx.exec({ cmd: { script }, timeoutMs });
  const un = unreachableOutcome(r);
  if (un) return un;
  if (r.kind === 'exit' && (r.exitCode !== 0 || r.timedOut)) return { status: 'failed', msg: describeFailure(what, r) };
  return null;
}

export interface ServiceDeps {
  sleep(ms: number): Promise<void>;
}

export function createServiceModule(deps: ServiceDeps = { sleep: (ms) => delay(ms) }): Module<ServiceArgs> {
  return {
    name: 'service',
    schema: serviceSchema,
    normalize: normalizeServiceArgs,
    probe: (ctx, args) => probeApache(withConfdir(ctx, args.confdir), { name: args.name, statusUrl: args.status_url, configTest: args.state !== 'stopped' }),
    plan: (args, state) => planService(args, state as ServiceState),
    async apply(hostCtx, args, planned) {
      const ctx = withConfdir(hostCtx, args.confdir);
      const d = planned.data as ServiceData;
      if (d.act === 'restart') {
        const wait = splayMs(ctx.host.name, args.stagger ?? 0);
        if (wait) await deps.sleep(wait);
        if (args.pre_restart) {
          const f = await runShell(ctx, args.pre_restart, 'pre_restart', args.timeout);
          if (f) return { ...f, msg: `${f.msg}; ${d.ctl.name} not restarted` };
        }
      }
      const r = await ctx.exec({ cmd: { script: actionRunScript(d, args.timeout) }, timeoutMs: args.timeout * 3 + 30_000 });
      const un = unreachableOutcome(r);
      if (un) return un;
      if (r.kind === 'exit' && (r.exitCode !== 0 || r.timedOut)) return { status: 'failed', msg: describeFailure(`${d.act} ${d.ctl.name}`, r) };
      const rep = judgeAction(d, r.kind === 'exit' ? r.stdout : '', d.ctl.name);
      const result = { pid_before: rep.pidBefore, pid_after: rep.pidAfter, generation: rep.generation, health: rep.health };
      if (!rep.ok) return { status: 'failed', msg: rep.msg, result };
      if (d.act === 'restart' && args.post_restart) {
        const f = await runShell(ctx, args.post_restart, 'post_restart', args.timeout);
        if (f) return { ...f, msg: `${rep.msg}; but ${f.msg}`, result };
      }
      return { status: 'changed', msg: rep.msg, result };
    },
    async verify(hostCtx, args, planned) {
      const ctx = withConfdir(hostCtx, args.confdir);
      const d = planned.data as ServiceData;
      const st = await probeApache(ctx, { name: args.name, statusUrl: args.status_url, configTest: false });
      const pid = st.ctl.pid;
      if (d.act === 'stop') return pid === null ? { status: 'ok' } : { status: 'failed', msg: `verify: ${d.ctl.name} runs again (master ${pid})` };
      if (pid === null) return { status: 'failed', msg: `verify: ${d.ctl.name} is not running` };
      if (d.act === 'restart' && pid === d.pid) return { status: 'failed', msg: `verify: master is still ${pid}` };
      if (d.act === 'reload' && pid !== d.pid) return { status: 'failed', msg: `verify: master changed ${d.pid} → ${pid}` };
      return { status: 'ok' };
    },
  };
}

export const serviceModule = createServiceModule();
