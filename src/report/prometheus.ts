// Prometheus text exposition format (0.0.4) for node_exporter's textfile collector: one gauge
// family per fact an alert rule wants, one sample per host. No timestamps (the collector
// rejects them); the file's age says how fresh the check is, and
// remediate_check_last_run_timestamp_seconds says it explicitly.
import type { CheckReport, HostCheckStatus } from './check-report.js';
import type { Risk } from '../facts/index.js';

/** Label values escape backslash, double quote and newline (the exposition format's rule). */
export function labelValue(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labels(l: Record<string, string>): string {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${labelValue(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

/** Go's strconv-style floats as the format expects (+Inf, -Inf, NaN spelled its way). */
function num(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

class Family {
  readonly lines: string[] = [];
  constructor(readonly name: string, readonly help: string) {}
  add(l: Record<string, string>, v: number): void {
    this.lines.push(`${this.name}${labels(l)} ${num(v)}`);
  }
  render(): string {
    // HELP text escapes backslash and newline only.
    return [`# HELP ${this.name} ${this.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${this.name} gauge`, ...this.lines].join('\n');
  }
}

const STATUSES: readonly HostCheckStatus[] = ['compliant', 'non-compliant', 'waived', 'unreachable', 'error'];
const RISKS: readonly Risk[] = ['safe', 'at-risk', 'critical', 'unknown'];

export function renderPrometheus(r: CheckReport): string {
  const compliant = new Family('remediate_host_compliant', '1 if the host passes every compliance assertion (waived failures count as passing), 0 if not; absent when it could not be checked.');
  const status = new Family('remediate_host_check_status', 'The host\'s check result: 1 for its status, 0 for the others.');
  const assertion = new Family('remediate_host_assertion_passed', '1 if the assertion holds on the host (or is waived), 0 if it fails; absent when it could not be evaluated.');
  const risk = new Family('remediate_host_risk', 'The host\'s forecast risk of Apache master death by pthread key exhaustion: 1 for its risk, 0 for the others.');
  const keys = new Family('remediate_pthread_keys_in_use', 'pthread keys in use in the Apache master (of 1024), measured or estimated (label kind).');
  const reloads = new Family('remediate_reloads_left', 'Graceful reloads the Apache master survives before key exhaustion kills it.');
  const death = new Family('remediate_forecast_death_timestamp_seconds', 'Forecast time of the reload that kills the Apache master (start of that day, UTC).');
  const hosts = new Family('remediate_check_hosts', 'Hosts by check status in the last run.');
  const last = new Family('remediate_check_last_run_timestamp_seconds', 'When the last check run finished, Unix time.');
  const exit = new Family('remediate_check_exit_code', 'The last check run\'s exit code (0 all compliant; bit 8 non-compliant; bit 16 could not check).');

  for (const h of r.hosts) {
    if (h.compliant !== null) compliant.add({ host: h.host }, h.compliant ? 1 : 0);
    for (const s of STATUSES) status.add({ host: h.host, status: s }, h.status === s ? 1 : 0);
    for (const a of h.assertions) if (a.status !== 'error') assertion.add({ host: h.host, assertion: a.id }, a.status === 'fail' ? 0 : 1);
    if (h.risk) for (const k of RISKS) risk.add({ host: h.host, risk: k }, h.risk === k ? 1 : 0);
    if (h.keys_in_use !== null) keys.add({ host: h.host, kind: h.keys_kind ?? 'unknown' }, h.keys_in_use);
    if (h.reloads_left !== null) reloads.add({ host: h.host }, h.reloads_left);
    if (h.forecast_death) death.add({ host: h.host }, Date.parse(`${h.forecast_death}T00:00:00Z`) / 1000);
  }
  const s = r.summary;
  const counts: Record<HostCheckStatus, number> = { compliant: s.compliant, 'non-compliant': s.non_compliant, waived: s.waived, unreachable: s.unreachable, error: s.error };
  for (const k of STATUSES) hosts.add({ status: k }, counts[k]);
  last.add({}, Math.floor(Date.parse(r.generated_at) / 1000));
  exit.add({}, r.exit_code);
  const families = [compliant, status, assertion, risk, keys, reloads, death, hosts, last, exit];
  return families.filter((f) => f.lines.length > 0).map((f) => f.render()).join('\n') + '\n';
}
