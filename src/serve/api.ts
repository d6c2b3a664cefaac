// The dashboard's read-only JSON API, computed from the journal's check results: the fleet's
// latest state per host, compliance over time, the hosts-per-week-until-death chart, the last
// runs, and one host's drill-down. Only check data leaves: never argv, connections or facts
// beyond the evidence the check report kept (already redacted by the journal).
import type { Journal } from '../journal/journal.js';
import { hostResult, keysTrend, trendPoint, type HostResult, type KeysTrend } from '../check/history.js';
import { deathWeeks, isDead, type DeathWeeks } from '../report/death-weeks.js';

/** How many check runs back the fleet view looks for each host's latest result. */
export const FLEET_RUNS = 30;

export interface FleetHost {
  host: string;
  status: HostResult['status'];
  reason: string;
  risk: HostResult['risk'];
  /** The master already died (its logs show the exhaustion); a live one at 1024 keys is not. */
  dead: boolean;
  keys_in_use: number | null;
  keys_kind: HostResult['keys_kind'];
  reloads_left: number | null;
  days_left: number | null;
  forecast_death: string | null;
  run_id: string;
  at: string;
}

export interface Summary {
  generated_at: string;
  today: string;
  hosts: number;
  status: Record<string, number>;
  risk: Record<string, number>;
  weeks: DeathWeeks;
  /** Oldest first. */
  compliance: { run_id: string; at: string; counts: Record<string, number> }[];
  runs: { id: string; status: string; started: string; finished: string | null; hosts: number; playbook: string | null }[];
}

export interface HostDetail {
  host: string;
  latest: HostResult;
  assertions: { id: string; status: string; expected?: unknown; observed?: unknown; msg?: unknown; waiver?: unknown }[];
  trend: KeysTrend;
  history: { run_id: string; at: string; status: string; risk: string | null; keys_in_use: number | null; reloads_left: number | null; forecast_death: string | null }[];
}

const RISK_ORDER: Record<string, number> = { critical: 0, 'at-risk': 1, unknown: 2, safe: 3 };

/** Each host's newest result within the last FLEET_RUNS check runs, most urgent first. */
export function fleet(journal: Journal): FleetHost[] {
  return journal.latestHostCheckResults({ runs: FLEET_RUNS }).map(hostResult)
    .map((r) => ({
      host: r.host, status: r.status, reason: r.reason, risk: r.risk, dead: isDead(r), keys_in_use: r.keys_in_use, keys_kind: r.keys_kind,
      reloads_left: r.reloads_left, days_left: r.days_left, forecast_death: r.forecast_death, run_id: r.runId, at: new Date(r.at).toISOString(),
    }))
    .sort((a, b) =>
      (RISK_ORDER[a.risk ?? ''] ?? 4) - (RISK_ORDER[b.risk ?? ''] ?? 4)
      || (a.forecast_death ?? '9999').localeCompare(b.forecast_death ?? '9999')
      || (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
}

export function summary(journal: Journal, now: Date): Summary {
  const hosts = fleet(journal);
  const status: Record<string, number> = {};
  const risk: Record<string, number> = {};
  for (const h of hosts) {
    status[h.status] = (status[h.status] ?? 0) + 1;
    if (h.risk) risk[h.risk] = (risk[h.risk] ?? 0) + 1;
  }
  const compliance = journal.checkStatusByRun({ limit: 60 }).reverse().map((r) => ({ run_id: r.runId, at: new Date(r.started).toISOString(), counts: r.counts }));
  return { generated_at: now.toISOString(), today: now.toISOString().slice(0, 10), hosts: hosts.length, status, risk, weeks: deathWeeks(hosts, now), compliance, runs: lastRuns(journal) };
}

/** The last check runs, newest first (id, status, times, host count, playbook; nothing else). */
export function lastRuns(journal: Journal, limit = 20): Summary['runs'] {
  return journal.checkRuns({ limit }).map((r) => ({
    id: r.id, status: r.status, started: new Date(r.started).toISOString(), finished: r.finished ? new Date(r.finished).toISOString() : null, hosts: r.hosts, playbook: r.playbook ?? null,
  }));
}

export function hostDetail(journal: Journal, host: string): HostDetail | undefined {
  const rows = journal.hostCheckResults({ host, limit: 200 }).map(hostResult);
  if (rows.length === 0) return undefined;
  const latest = rows[0];
  const assertions = journal
    .checkHistory(host, { runId: latest.runId })
    .filter((r) => r.assertion !== undefined)
    .reverse()
    .map((r) => {
      const o = (r.observed ?? {}) as Record<string, unknown>;
      return { id: r.assertion!, status: r.status, expected: o.expected, observed: o.observed, msg: o.msg, waiver: o.waiver };
    });
  return {
    host,
    latest,
    assertions,
    trend: keysTrend(host, rows.map(trendPoint)),
    history: rows.map((r) => ({ run_id: r.runId, at: new Date(r.at).toISOString(), status: r.status, risk: r.risk, keys_in_use: r.keys_in_use, reloads_left: r.reloads_left, forecast_death: r.forecast_death })),
  };
}
