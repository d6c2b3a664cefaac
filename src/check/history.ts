// Check history in the journal: each check run stores one host-level row per host (status,
// keys in use, reloads left, and the forecast and evidence as JSON) plus one row per assertion.
// From those: drift since the previous run (hosts that became non-compliant, at risk, or
// uncheckable) and the trend of keys in use per host (a host whose keys grow is leaking even
// when its versions look fine). Reading is pure over the records; only store/load touch SQLite.
import type { Journal } from '../journal/journal.js';
import type { CheckRecord, CheckResult, CheckStatus, RunSummary } from '../journal/types.js';
import type { CheckReport, Evidence, HostCheckRow, HostCheckStatus } from '../report/check-report.js';
import type { Risk } from '../facts/index.js';

/** What a host-level row carries in `observed` (JSON). */
interface HostPayload {
  reason: string;
  risk: Risk | null;
  risk_reason: string | null;
  keys_kind: HostCheckRow['keys_kind'];
  reloads_per_day: number | null;
  days_left: number | null;
  forecast_death: string | null;
  /** the host's clock when checked (ISO), absent in rows recorded before it was kept */
  host_clock?: string | null;
  evidence: Evidence;
}

const ASSERTION_STATUS: Record<string, CheckStatus> = { pass: 'compliant', fail: 'non-compliant', waived: 'waived', error: 'error' };

/** The journal rows of one check report (the run must have been started in the journal). */
export function checkRecords(report: CheckReport, at: number): CheckResult[] {
  const out: CheckResult[] = [];
  for (const h of report.hosts) {
    const payload: HostPayload = {
      reason: h.reason, risk: h.risk, risk_reason: h.risk_reason, keys_kind: h.keys_kind, reloads_per_day: h.reloads_per_day,
      days_left: h.days_left, forecast_death: h.forecast_death, host_clock: h.host_clock, evidence: h.evidence,
    };
    out.push({ runId: report.run_id, host: h.host, status: h.status, observed: payload, keysInUse: h.keys_in_use ?? undefined, reloadsLeft: h.reloads_left ?? undefined, at });
    for (const a of h.assertions) {
      out.push({
        runId: report.run_id, host: h.host, assertion: a.id, status: ASSERTION_STATUS[a.status], at,
        observed: { expected: a.expected, observed: a.observed, msg: a.msg, waiver: a.waiver },
      });
    }
  }
  return out;
}

export function recordCheckReport(journal: Journal, report: CheckReport, at: number): number {
  return journal.recordChecks(checkRecords(report, at)).length;
}

/** One host's result in one run, as read back from the journal. */
export interface HostResult {
  runId: string;
  host: string;
  at: number;
  status: HostCheckStatus;
  reason: string;
  risk: Risk | null;
  risk_reason: string | null;
  keys_in_use: number | null;
  keys_kind: HostCheckRow['keys_kind'];
  reloads_left: number | null;
  reloads_per_day: number | null;
  days_left: number | null;
  forecast_death: string | null;
  host_clock: string | null;
  evidence: Evidence;
}

export function hostResult(r: CheckRecord): HostResult {
  const p = (r.observed ?? {}) as Partial<HostPayload>;
  return {
    runId: r.runId, host: r.host, at: r.at, status: r.status, reason: p.reason ?? r.status, risk: p.risk ?? null, risk_reason: p.risk_reason ?? null,
    keys_in_use: r.keysInUse ?? null, keys_kind: p.keys_kind ?? null, reloads_left: r.reloadsLeft ?? null, reloads_per_day: p.reloads_per_day ?? null,
    days_left: p.days_left ?? null, forecast_death: p.forecast_death ?? null, host_clock: p.host_clock ?? null, evidence: p.evidence ?? {},
  };
}

/** A result as a point of its host's keys trend (on the host's clock where it was recorded). */
export function trendPoint(r: HostResult): TrendInput {
  const hostClock = r.host_clock ? Date.parse(r.host_clock) : NaN;
  return { runId: r.runId, at: r.at, keys_in_use: r.keys_in_use, keys_kind: r.keys_kind, reloads_left: r.reloads_left, hostClock: Number.isFinite(hostClock) ? hostClock : null };
}

// ---------------------------------------------------------------------------------- drift

export interface HostChange {
  host: string;
  was: HostCheckStatus | null;
  now: HostCheckStatus;
  reason: string;
}

export interface RiskChange {
  host: string;
  was: Risk | null;
  now: Risk;
  forecast_death: string | null;
}

export interface Drift {
  from: { runId: string; at: string } | null;
  to: { runId: string; at: string } | null;
  became_non_compliant: HostChange[];
  became_compliant: HostChange[];
  could_not_check: HostChange[];
  became_at_risk: RiskChange[];
  new_hosts: string[];
  gone_hosts: string[];
}

const BAD: ReadonlySet<HostCheckStatus> = new Set(['non-compliant']);
const OK: ReadonlySet<HostCheckStatus> = new Set(['compliant', 'waived']);
const UNCHECKED: ReadonlySet<HostCheckStatus> = new Set(['unreachable', 'error']);
const RISK_RANK: Record<Risk, number> = { safe: 0, unknown: 1, 'at-risk': 2, critical: 3 };

/** What changed between two runs' host results (prev may be empty: the first run). */
export function drift(prev: readonly HostResult[], curr: readonly HostResult[]): Drift {
  const before = new Map(prev.map((r) => [r.host, r]));
  const after = new Map(curr.map((r) => [r.host, r]));
  const d: Drift = {
    from: prev.length ? { runId: prev[0].runId, at: new Date(prev[0].at).toISOString() } : null,
    to: curr.length ? { runId: curr[0].runId, at: new Date(curr[0].at).toISOString() } : null,
    became_non_compliant: [], became_compliant: [], could_not_check: [], became_at_risk: [], new_hosts: [], gone_hosts: [],
  };
  for (const r of [...curr].sort((a, b) => (a.host < b.host ? -1 : 1))) {
    const p = before.get(r.host);
    if (!p) d.new_hosts.push(r.host);
    const was = p?.status ?? null;
    // A host that could not be checked last time is compared with nothing: it "became" whatever it is now.
    if (BAD.has(r.status) && (was === null || !BAD.has(was))) d.became_non_compliant.push({ host: r.host, was, now: r.status, reason: r.reason });
    if (OK.has(r.status) && was !== null && BAD.has(was)) d.became_compliant.push({ host: r.host, was, now: r.status, reason: r.reason });
    if (UNCHECKED.has(r.status) && (was === null || !UNCHECKED.has(was))) d.could_not_check.push({ host: r.host, was, now: r.status, reason: r.reason });
    if ((r.risk === 'at-risk' || r.risk === 'critical') && RISK_RANK[r.risk] > (p?.risk ? RISK_RANK[p.risk] : -1)) {
      d.became_at_risk.push({ host: r.host, was: p?.risk ?? null, now: r.risk, forecast_death: r.forecast_death });
    }
  }
  for (const h of [...before.keys()].sort()) if (!after.has(h)) d.gone_hosts.push(h);
  return d;
}

// ---------------------------------------------------------------------------------- trend

export interface KeysTrend {
  host: string;
  /** Oldest first. */
  points: { at: string; runId: string; keys_in_use: number | null; kind: HostCheckRow['keys_kind']; reloads_left: number | null }[];
  /** Keys gained since the master last (re)started: the latest run of non-decreasing points. */
  delta: number | null;
  per_day: number | null;
  /** Keys went down at some point: a full restart reset the master (the leak starts over). */
  restarted: boolean;
  growing: boolean;
  latest: number | null;
}

type TrendInput = Pick<HostResult, 'runId' | 'at' | 'keys_in_use' | 'keys_kind' | 'reloads_left'> & { hostClock?: number | null };

/**
 * The keys-in-use trend of one host's results (any order). Keys per day run on the host's own
 * clock when every point has it: the controller's time is not the host's (a lab advanced by 30
 * days between two checks 13 s apart had shown +30 keys as 201398.6/day).
 */
export function keysTrend(host: string, results: readonly TrendInput[]): KeysTrend {
  const sorted = [...results].sort((a, b) => a.at - b.at);
  const hostTime = sorted.every((r) => typeof r.hostClock === 'number');
  const pts = sorted.map((r) => ({ at: new Date(r.at).toISOString(), runId: r.runId, keys_in_use: r.keys_in_use, kind: r.keys_kind, reloads_left: r.reloads_left, t: hostTime ? r.hostClock! : r.at }));
  const known = pts.filter((p) => p.keys_in_use !== null);
  let start = 0;
  let restarted = false;
  for (let i = 1; i < known.length; i++) {
    if (known[i].keys_in_use! < known[i - 1].keys_in_use!) { start = i; restarted = true; }
  }
  const seg = known.slice(start);
  const delta = seg.length >= 2 ? seg[seg.length - 1].keys_in_use! - seg[0].keys_in_use! : null;
  const days = seg.length >= 2 ? (seg[seg.length - 1].t - seg[0].t) / 86_400_000 : 0;
  return {
    host,
    points: pts.map(({ t: _t, ...p }) => p),
    delta,
    per_day: delta !== null && days > 0 ? Math.round((delta / days) * 100) / 100 : null,
    restarted,
    growing: delta !== null && delta > 0,
    latest: known.length ? known[known.length - 1].keys_in_use : null,
  };
}

// ---------------------------------------------------------------------------------- journal

export interface History {
  runs: RunSummary[];
  drift: Drift;
  /** Growing hosts first, then by host name. */
  trends: KeysTrend[];
}

/**
 * The last `runs` check runs: drift between the newest two, and each host's keys trend over
 * all of them (or one host's).
 */
export function loadHistory(journal: Journal, opts: { host?: string; runs?: number } = {}): History {
  const runs = journal.checkRuns({ limit: opts.runs ?? 30 });
  const results = (runId: string) => journal.hostCheckResults({ runId, host: opts.host }).map(hostResult);
  const curr = runs[0] ? results(runs[0].id) : [];
  const prev = runs[1] ? results(runs[1].id) : [];
  // Trends read the lean series (no evidence JSON): thousands of hosts × many runs stay cheap.
  const byHost = new Map<string, TrendInput[]>();
  for (const x of journal.hostCheckSeries({ host: opts.host, runs: opts.runs ?? 30 })) {
    const r: TrendInput = { runId: x.runId, at: x.at, keys_in_use: x.keysInUse ?? null, keys_kind: (x.keysKind as HostResult['keys_kind']) ?? null, reloads_left: x.reloadsLeft ?? null, hostClock: x.hostClock ?? null };
    const xs = byHost.get(x.host);
    if (xs) xs.push(r);
    else byHost.set(x.host, [r]);
  }
  const trends = [...byHost.entries()].map(([h, rs]) => keysTrend(h, rs)).sort((a, b) => Number(b.growing) - Number(a.growing) || (a.host < b.host ? -1 : 1));
  return { runs, drift: drift(prev, curr), trends };
}

export function renderHistory(h: History, o: { maxHosts?: number } = {}): string {
  if (h.runs.length === 0) return 'no check runs recorded (run `remediate check PLAYBOOK -i INV` first)\n';
  const out: string[] = [];
  const d = h.drift;
  out.push(d.from ? `drift from ${d.from.runId} (${d.from.at}) to ${d.to!.runId} (${d.to!.at}):` : `first check run ${d.to?.runId ?? h.runs[0].id}: nothing to compare with yet`);
  const list = (title: string, xs: string[]) => {
    if (!xs.length) return;
    out.push(`  ${title} (${xs.length}):`);
    for (const x of xs.slice(0, o.maxHosts ?? 50)) out.push(`    ${x}`);
    if (xs.length > (o.maxHosts ?? 50)) out.push(`    … and ${xs.length - (o.maxHosts ?? 50)} more`);
  };
  if (d.from) {
    list('became non-compliant', d.became_non_compliant.map((c) => `${c.host}: ${c.was ?? 'new'} → ${c.now}: ${c.reason}`));
    list('became at risk', d.became_at_risk.map((c) => `${c.host}: ${c.was ?? 'unknown'} → ${c.now}${c.forecast_death ? `, dies around ${c.forecast_death}` : ''}`));
    list('could not be checked', d.could_not_check.map((c) => `${c.host}: ${c.was ?? 'new'} → ${c.now}: ${c.reason}`));
    list('became compliant', d.became_compliant.map((c) => `${c.host}: ${c.was} → ${c.now}`));
    list('new hosts', d.new_hosts);
    list('hosts no longer checked', d.gone_hosts);
    if (!d.became_non_compliant.length && !d.became_at_risk.length && !d.could_not_check.length && !d.became_compliant.length && !d.new_hosts.length && !d.gone_hosts.length) out.push('  no change');
  }
  out.push('', `keys in use per host over the last ${h.runs.length} check run(s):`);
  const growing = h.trends.filter((t) => t.growing);
  if (growing.length) out.push(`  ${growing.length} host(s) with growing keys: leaking, whatever their versions say`);
  for (const t of h.trends.slice(0, o.maxHosts ?? 50)) {
    const series = t.points.map((p) => (p.keys_in_use === null ? '?' : String(p.keys_in_use))).join(' → ');
    const tag = t.growing ? `GROWING +${t.delta}${t.per_day !== null ? ` (${t.per_day}/day)` : ''}` : t.delta === null ? 'not enough data' : 'steady';
    out.push(`  ${t.host.padEnd(24)} ${tag.padEnd(24)} ${series}${t.restarted ? '  (restarted)' : ''}`);
  }
  if (h.trends.length > (o.maxHosts ?? 50)) out.push(`  … and ${h.trends.length - (o.maxHosts ?? 50)} more (--json for all)`);
  return out.join('\n') + '\n';
}
