// The compliance check report: a pure fold over a check run's events into one row per host
// (status, the assertions with expected/observed, and the risk forecast computed from the
// host's facts), the shape every check reporter (JSON, JUnit, Prometheus, HTML, terminal) and
// the journal read. Waivers are applied afterwards (check/waivers.ts), before summarizing.
import type { Event } from './events.js';
import { assessRisk, type HostFacts, type LeakOptions, type Risk, type RiskAssessment } from '../facts/index.js';
import { isUnknown } from '../facts/types.js';
import { EXIT } from './exit-codes.js';

export type HostCheckStatus = 'compliant' | 'non-compliant' | 'waived' | 'unreachable' | 'error';
export type AssertionStatus = 'pass' | 'fail' | 'error' | 'waived';

export interface WaiverRef {
  /** Where the waiver is written (file:line). */
  at: string;
  hosts: string;
  assertion: string;
  justification: string;
  /** YYYY-MM-DD; the waiver counts up to and including this day. */
  expires: string;
}

export interface AssertionRow {
  id: string;
  status: AssertionStatus;
  /** The assertion's condition(s), as written in the playbook. */
  expected?: string;
  /** What the host has: the event's value, else the facts the condition reads. */
  observed?: unknown;
  msg?: string;
  waiver?: WaiverRef;
}

/** What the risk was decided from: the facts an operator checks first. */
export interface Evidence {
  os?: string | null;
  apache?: {
    version: string | null;
    mpm: string | null;
    running: boolean;
    master_pid: number | null;
    master_age_seconds: number | null;
    reloads: number | null;
    reloads_exact: boolean | null;
    reloads_source: string | null;
    reloads_per_day: number | null;
    dead_at: string | null;
    note?: string;
  };
  php_extension?: { name: string; loaded: boolean | null; version: string | null; set_single_thread: string | null; ini_files: string[]; note?: string };
  imagemagick?: { openmp: boolean | null; libgomp: string | null; libgomp_sha256: string | null; libgomp_deleted: boolean | null; libgomp_verdict: string | null; libgomp_package: string | null };
  pthread_keys?: { kind: 'measured' | 'estimate' | 'unknown'; keys_in_use: number | null; detail: string };
  leak?: { leaking: boolean | null; evidence: string | null; detail: string; rate_per_reload: number | null };
}

export interface HostCheckRow {
  host: string;
  status: HostCheckStatus;
  /** true: compliant or waived; false: non-compliant; null: could not be checked. */
  compliant: boolean | null;
  /** Why the host is in its status (the failing assertions, the unreachable reason…). */
  reason: string;
  assertions: AssertionRow[];
  /** null when the play gathered no facts to forecast from. */
  risk: Risk | null;
  risk_reason: string | null;
  keys_in_use: number | null;
  keys_kind: 'measured' | 'estimate' | null;
  reloads_left: number | null;
  reloads_per_day: number | null;
  days_left: number | null;
  /** YYYY-MM-DD of the reload that will kill the master (or that killed it). */
  forecast_death: string | null;
  /** The host's own clock when its facts were read (ISO): the time a keys trend runs on. */
  host_clock: string | null;
  evidence: Evidence;
}

export interface AppliedWaiver extends WaiverRef { hosts_matched: string[] }
export interface ExpiredWaiver extends WaiverRef { hosts_matched: string[] }

export interface CheckSummary {
  hosts: number;
  compliant: number;
  non_compliant: number;
  waived: number;
  unreachable: number;
  error: number;
  risk: { safe: number; at_risk: number; critical: number; unknown: number };
}

export interface CheckReport {
  format: 'remediate-check/1';
  run_id: string;
  playbook: string | null;
  /** ISO time the report was made. */
  generated_at: string;
  summary: CheckSummary;
  hosts: HostCheckRow[];
  waivers: { applied: AppliedWaiver[]; expired: ExpiredWaiver[] };
  exit_code: number;
}

export interface RowOptions {
  /** The controller's now (used when the host's clock is unknown). */
  now: Date;
  /** Dying within this many days is critical (default 30). */
  horizonDays?: number;
  leak?: LeakOptions;
}

interface HostAcc {
  host: string;
  facts: Record<string, unknown>;
  /** Worked out when the host ended (a builder with `settle` options); its facts are then dropped. */
  risk?: RiskPart;
  /** assertion ids of the host's play, for hosts that never got to them */
  play: string | undefined;
  checks: { id: string; status: 'pass' | 'fail' | 'error'; expected?: string; observed?: unknown; msg?: string; settled?: boolean }[];
  end?: { status: string; msg?: string };
}

/**
 * Incremental: one small record per host, fed event by event. With `settle` (the horizon and leak
 * options the rows will use), a host's risk and observed values are worked out when it ends and
 * its facts dropped: the builder then holds a few hundred bytes per host, not its facts (~50 KB
 * each; a 3000-host check held ~150 MB until the report).
 */
export class CheckReportBuilder {
  private readonly hosts = new Map<string, HostAcc>();
  private readonly playAssertions = new Map<string, string[]>();
  private play: string | undefined;
  runId = '';
  playbook: string | null = null;

  constructor(private readonly settle?: Omit<RowOptions, 'now'>) {}

  private acc(host: string): HostAcc {
    let a = this.hosts.get(host);
    if (!a) this.hosts.set(host, (a = { host, facts: {}, play: this.play, checks: [] }));
    return a;
  }

  add(e: Event): this {
    switch (e.kind) {
      case 'run.start':
        this.runId = e.runId;
        this.playbook = e.playbook ?? null;
        break;
      case 'play.start':
        this.play = e.play;
        break;
      case 'host.start':
        this.acc(e.host);
        break;
      case 'host.fact':
        // Every fact, not only the forecast's: a failed assertion's observed values may read any
        // (`facts.leak.leaking` had shown null beside evidence saying true). Settling drops them.
        this.acc(e.host).facts[e.fact] = e.value;
        break;
      case 'host.check': {
        const a = this.acc(e.host);
        a.checks.push({ id: e.id, status: e.status, expected: e.expected, observed: e.observed, msg: e.msg });
        if (a.play !== undefined) {
          const ids = this.playAssertions.get(a.play) ?? [];
          if (!ids.includes(e.id)) ids.push(e.id);
          this.playAssertions.set(a.play, ids);
        }
        break;
      }
      case 'host.end': {
        const a = this.acc(e.host);
        a.end = { status: e.status, msg: e.msg };
        if (this.settle) settleHost(a, this.settle);
        break;
      }
      default:
        break;
    }
    return this;
  }

  /** Assertion ids seen in the host's play (a host that could not be checked missed these). */
  assertionsOf(host: string): string[] {
    const p = this.hosts.get(host)?.play;
    return p === undefined ? [] : this.playAssertions.get(p) ?? [];
  }

  rows(opts: RowOptions): HostCheckRow[] {
    return [...this.hosts.values()].sort((a, b) => cmp(a.host, b.host)).map((a) => hostRow(a, this.assertionsOf(a.host), opts));
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Work out what needs the host's facts now, then drop them (not when the risk needs the controller's clock). */
function settleHost(a: HostAcc, opts: Omit<RowOptions, 'now'>): void {
  for (const c of a.checks) {
    if (c.settled) continue;
    if (c.observed === undefined && c.status !== 'pass') c.observed = detached(observedFromFacts(c.expected, a.facts));
    c.settled = true;
  }
  // A later play of the same host that gathered nothing keeps what the first one settled.
  if (a.risk && Object.keys(a.facts).length === 0) return;
  const f = a.facts as HostFacts;
  const needsNow = f.apache !== undefined && !isUnknown(f.apache) && hostClockOf(f) === null;
  if (needsNow) return;
  a.risk = detached(riskOf(a.facts, { ...opts, now: new Date(0) }));
  a.facts = {};
}

/**
 * A deep copy with strings of its own: a value parsed out of a probe's output is often a V8
 * slice of that whole output, and kept alone it would keep the output alive (~7 KB per host).
 */
function detached<T>(v: T): T {
  return structuredClone(v);
}

function hostRow(a: HostAcc, planned: readonly string[], opts: RowOptions): HostCheckRow {
  const checks = a.checks.length === 0 && a.end && a.end.status !== 'ok'
    // Never got to its assertions (unreachable, facts failed): each one could not be checked.
    ? planned.map((id) => ({ id, status: 'error' as const, msg: `not checked: ${a.end!.status === 'unreachable' ? 'unreachable: ' : ''}${a.end!.msg ?? a.end!.status}` }))
    : a.checks;
  const assertions: AssertionRow[] = checks.map((c: HostAcc['checks'][number]) => {
    const observed = c.settled || c.observed !== undefined ? c.observed : c.status === 'pass' ? undefined : observedFromFacts(c.expected, a.facts);
    return { id: c.id, status: c.status, ...(c.expected !== undefined && { expected: c.expected }), ...(observed !== undefined && { observed }), ...(c.msg !== undefined && { msg: c.msg }) };
  });
  const risk = a.risk ?? riskOf(a.facts, opts);
  const base = { host: a.host, assertions, ...risk };
  const end = a.end?.status;
  if (end === 'unreachable') return { ...base, status: 'unreachable', compliant: null, reason: `unreachable: ${a.end?.msg ?? 'no reason given'}` };
  const errors = assertions.filter((x) => x.status === 'error');
  if (a.checks.length === 0 && end !== undefined && end !== 'ok') return { ...base, status: 'error', compliant: null, reason: `not checked: ${a.end?.msg ?? end}` };
  if (errors.length) return { ...base, status: 'error', compliant: null, reason: `could not evaluate ${errors.map((x) => x.id).join(', ')}: ${errors[0].msg ?? ''}`.trim() };
  if (end === undefined && assertions.length === 0) return { ...base, status: 'error', compliant: null, reason: 'not checked: the run ended before this host did' };
  const failed = assertions.filter((x) => x.status === 'fail');
  if (failed.length) return { ...base, status: 'non-compliant', compliant: false, reason: `fails ${failed.map((x) => x.id).join(', ')}` };
  return { ...base, status: 'compliant', compliant: true, reason: 'compliant' };
}

/**
 * The values a condition reads (`facts.a.b …` paths), looked up in the host's facts: the
 * observed side of a failed assertion when the engine did not give one.
 */
export function observedFromFacts(expected: string | undefined, facts: Record<string, unknown>): Record<string, unknown> | undefined {
  if (!expected) return undefined;
  const out: Record<string, unknown> = {};
  for (const m of expected.matchAll(/\bfacts((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)) {
    const path = m[1].slice(1).split('.');
    let v: unknown = facts;
    for (const k of path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
    out[`facts.${path.join('.')}`] = v === undefined ? null : compact(v);
  }
  return Object.keys(out).length ? out : undefined;
}

/** Large structures (a whole fact) are summarized so a report row stays readable. */
function compact(v: unknown): unknown {
  const s = JSON.stringify(v);
  return s !== undefined && s.length > 400 ? `${s.slice(0, 400)}…` : v;
}

type RiskPart = Pick<HostCheckRow, 'risk' | 'risk_reason' | 'keys_in_use' | 'keys_kind' | 'reloads_left' | 'reloads_per_day' | 'days_left' | 'forecast_death' | 'host_clock' | 'evidence'>;

function riskOf(raw: Record<string, unknown>, opts: RowOptions): RiskPart {
  const facts = raw as HostFacts;
  const hostClock = hostClockOf(facts);
  const host_clock = hostClock === null ? null : new Date(hostClock * 1000).toISOString();
  const none: RiskPart = { risk: null, risk_reason: null, keys_in_use: null, keys_kind: null, reloads_left: null, reloads_per_day: null, days_left: null, forecast_death: null, host_clock, evidence: evidenceOf(facts, null) };
  // Without the apache fact there is nothing to forecast (a play that checks other things).
  if (!facts.apache || isUnknown(facts.apache)) return none;
  const nowEpoch = hostClock ?? Math.floor(opts.now.getTime() / 1000);
  try {
    // The engine's derived `risk` fact (the play's risk_horizon_days, the host's clock) when the
    // run has it and no other horizon was asked for; else the same assessment made here.
    const derived = raw.risk as Partial<RiskAssessment> | undefined;
    const usable = derived && !isUnknown(derived) && typeof derived.risk === 'string' && derived.leak !== undefined && opts.horizonDays === undefined && opts.leak === undefined;
    const r = usable ? (derived as RiskAssessment) : assessRisk(facts, { ...opts.leak, horizonDays: opts.horizonDays ?? 30, nowEpoch });
    return {
      risk: r.risk, risk_reason: r.reason, keys_in_use: r.keysInUse, keys_kind: r.keysKind, reloads_left: r.reloadsLeft,
      reloads_per_day: r.reloadsPerDay, days_left: r.daysLeft === null ? null : Math.round(r.daysLeft * 10) / 10, forecast_death: r.forecastDeath,
      host_clock, evidence: evidenceOf(facts, r.leak),
    };
  } catch (e) {
    // A fact shaped unexpectedly must not lose the host's compliance result.
    return { ...none, risk: 'unknown', risk_reason: `risk could not be assessed: ${(e as Error).message}` };
  }
}

/** The host's own clock from its facts (the forecast's "now"), else null. */
function hostClockOf(facts: HostFacts): number | null {
  const apache = facts.apache && !isUnknown(facts.apache) ? facts.apache : null;
  return numberOr(facts.os && !isUnknown(facts.os) ? facts.os.clockEpoch : null, numberOr(apache?.clockEpoch, null));
}

function numberOr(v: unknown, d: number | null): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : d;
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null;
}

function evidenceOf(f: HostFacts, leak: ReturnType<typeof assessRisk>['leak'] | null): Evidence {
  const ev: Evidence = {};
  if (f.os && !isUnknown(f.os)) ev.os = [f.os.id, f.os.versionId].filter(Boolean).join(' ') || null;
  const a = f.apache;
  if (a && !isUnknown(a)) {
    const m = a.master && !isUnknown(a.master) ? a.master : null;
    const r = a.reloads && !isUnknown(a.reloads) ? a.reloads : null;
    ev.apache = {
      version: str(a.version), mpm: str(a.mpm), running: Boolean(a.running), master_pid: m?.pid ?? null, master_age_seconds: m?.ageSeconds ?? null,
      reloads: r?.count ?? null, reloads_exact: r ? r.exact : null, reloads_source: r?.source ?? null,
      reloads_per_day: a.reloadFrequency?.perDay ?? null, dead_at: a.dead?.atIso ?? null,
      ...(a.reloads && isUnknown(a.reloads) && { note: `reloads unknown: ${a.reloads.reason}` }),
    };
  }
  const p = f.php_extension;
  if (p && !isUnknown(p)) {
    const ext = p.apache?.extension;
    const st = ext && !isUnknown(ext) ? ext : null;
    ev.php_extension = {
      name: p.name, loaded: st ? st.loaded : null, version: st?.version ?? null,
      set_single_thread: st && st.setSingleThread.present ? st.setSingleThread.value : null,
      ini_files: p.apache ? p.apache.loadedBy.map((x) => x.path) : [],
      ...(ext && isUnknown(ext) && { note: ext.reason }),
    };
  }
  const im = f.imagemagick;
  if (im && !isUnknown(im)) {
    const g = im.libgomp;
    const mapped = g && !isUnknown(g) ? g : null;
    ev.imagemagick = {
      openmp: im.openmp, libgomp: g === null ? 'none mapped' : isUnknown(g) ? `unknown: ${g.reason}` : g.path, libgomp_sha256: mapped?.sha256 ?? null,
      libgomp_deleted: mapped ? mapped.deleted : null, libgomp_verdict: mapped ? mapped.verdict.reason : null,
      libgomp_package: im.libgompPackage ? `${im.libgompPackage.name} ${im.libgompPackage.version}` : null,
    };
  }
  const k = f.pthread_keys;
  if (k) {
    if (isUnknown(k)) ev.pthread_keys = { kind: 'unknown', keys_in_use: null, detail: k.reason };
    else if (k.kind === 'measured') ev.pthread_keys = { kind: 'measured', keys_in_use: k.keysInUse, detail: `read from pid ${k.pid} at ${k.address} in ${k.lib}` };
    else ev.pthread_keys = { kind: 'estimate', keys_in_use: k.keysInUse, detail: k.assumption };
  }
  if (leak) ev.leak = { leaking: leak.leaking, evidence: leak.evidence, detail: leak.detail, rate_per_reload: leak.ratePerReload === null ? null : Math.round(leak.ratePerReload * 100) / 100 };
  return ev;
}

// ---------------------------------------------------------------------------------- summary

export function summarize(rows: readonly HostCheckRow[]): CheckSummary {
  const s: CheckSummary = { hosts: rows.length, compliant: 0, non_compliant: 0, waived: 0, unreachable: 0, error: 0, risk: { safe: 0, at_risk: 0, critical: 0, unknown: 0 } };
  for (const r of rows) {
    if (r.status === 'compliant') s.compliant++;
    else if (r.status === 'non-compliant') s.non_compliant++;
    else if (r.status === 'waived') s.waived++;
    else if (r.status === 'unreachable') s.unreachable++;
    else s.error++;
    if (r.risk === 'safe') s.risk.safe++;
    else if (r.risk === 'at-risk') s.risk.at_risk++;
    else if (r.risk === 'critical') s.risk.critical++;
    else if (r.risk === 'unknown') s.risk.unknown++;
  }
  return s;
}

/** README "Exit codes": bit 8 some host non-compliant, bit 16 some host could not be checked. */
export function checkExitCode(rows: readonly HostCheckRow[]): number {
  let code: number = EXIT.OK;
  for (const r of rows) {
    if (r.status === 'non-compliant') code |= EXIT.NON_COMPLIANT;
    if (r.status === 'unreachable' || r.status === 'error') code |= EXIT.COULD_NOT_CHECK;
  }
  return code;
}

export function buildReport(o: { runId: string; playbook: string | null; now: Date; rows: HostCheckRow[]; waivers?: CheckReport['waivers'] }): CheckReport {
  return {
    format: 'remediate-check/1',
    run_id: o.runId,
    playbook: o.playbook,
    generated_at: o.now.toISOString(),
    summary: summarize(o.rows),
    hosts: o.rows,
    waivers: o.waivers ?? { applied: [], expired: [] },
    exit_code: checkExitCode(o.rows),
  };
}

/** The whole fold at once (tests, replays of a `--json` event log). */
export function foldCheckReport(events: Iterable<Event>, opts: RowOptions): CheckReport {
  const b = new CheckReportBuilder();
  for (const e of events) b.add(e);
  return buildReport({ runId: b.runId, playbook: b.playbook, now: opts.now, rows: b.rows(opts) });
}

/** Hosts at risk of dying (at-risk or critical), the set alerts watch. */
export function isAtRisk(r: Pick<HostCheckRow, 'risk'>): boolean {
  return r.risk === 'at-risk' || r.risk === 'critical';
}
