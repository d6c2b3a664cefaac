// The check's terminal table, grouped by reason: hosts failing the same assertions together
// (with what was expected and what each host has), then could-not-check hosts by cause, waived
// hosts, and compliant hosts that are still at risk (a leaking master with fixed-looking
// versions). Safe compliant hosts are only counted. Long groups are cut; the reports have all.
import { paint, type Color } from './color.js';
import type { CheckReport, HostCheckRow } from './check-report.js';
import { causeOf } from './cause.js';

export interface TerminalOptions {
  color: boolean;
  /** Host rows shown per group before "… and N more" (default 20). */
  maxPerGroup?: number;
}

interface Group {
  title: string;
  color: Color;
  detail?: string;
  rows: HostCheckRow[];
  observed: boolean;
}

function failing(r: HostCheckRow): string[] {
  return r.assertions.filter((a) => a.status === 'fail').map((a) => a.id);
}

function groupsOf(report: CheckReport): Group[] {
  const groups = new Map<string, Group>();
  const put = (key: string, g: Omit<Group, 'rows'>, r: HostCheckRow) => {
    let x = groups.get(key);
    if (!x) groups.set(key, (x = { ...g, rows: [] }));
    x.rows.push(r);
  };
  for (const r of report.hosts) {
    if (r.status === 'non-compliant') {
      const ids = failing(r);
      const expected = r.assertions.filter((a) => a.status === 'fail').map((a) => `${a.id}: ${a.expected ?? '?'}`).join('; ');
      put(`1 ${ids.join(',')}`, { title: `NON-COMPLIANT: ${ids.join(', ')}`, color: 'red', detail: `expected ${expected}`, observed: true }, r);
    } else if (r.status === 'error' || r.status === 'unreachable') {
      // One cause, one group: the reason without what names this host (its address, name, key).
      const cause = causeOf(r.reason, r.host);
      put(`${r.status === 'error' ? 2 : 3} ${cause}`, { title: `COULD NOT CHECK: ${cause}`, color: 'bright red', detail: cause === r.reason ? undefined : `e.g. ${r.host}: ${r.reason}`, observed: false }, r);
    } else if (r.status === 'waived') put(`4 ${r.reason}`, { title: `WAIVED: ${r.reason.replace(/^waived: /, '')}`, color: 'cyan', observed: false }, r);
    else if (r.risk && r.risk !== 'safe') put(`5 ${r.risk}`, { title: `COMPLIANT BUT ${r.risk.toUpperCase()}`, color: r.risk === 'unknown' ? 'yellow' : 'bright purple', detail: r.risk === 'unknown' ? 'the forecast could not be made' : 'the master leaks a pthread key per reload', observed: false }, r);
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, g]) => g);
}

function observedText(r: HostCheckRow): string {
  const parts = r.assertions.filter((a) => a.status === 'fail' && a.observed !== undefined).map((a) => {
    const o = a.observed;
    if (o && typeof o === 'object' && !Array.isArray(o)) return Object.entries(o).map(([k, v]) => `${k.replace(/^facts\./, '')}=${JSON.stringify(v)}`).join(' ');
    return JSON.stringify(o);
  });
  const s = parts.join('; ');
  return s.length > 60 ? `${s.slice(0, 59)}…` : s;
}

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd());
}

export function renderCheckTable(report: CheckReport, o: TerminalOptions): string {
  const max = o.maxPerGroup ?? 20;
  const out: string[] = [];
  for (const g of groupsOf(report)) {
    out.push(`${paint(g.title, g.color, o.color)} (${g.rows.length} host${g.rows.length === 1 ? '' : 's'})`);
    if (g.detail) out.push(`  ${g.detail}`);
    const head = ['HOST', 'RISK', 'KEYS', 'RELOADS LEFT', 'DIES', ...(g.observed ? ['OBSERVED'] : [])];
    const body = g.rows.slice(0, max).map((r) => [
      r.host,
      r.risk ?? '-',
      r.keys_in_use === null ? '-' : `${r.keys_in_use}${r.keys_kind === 'estimate' ? '~' : ''}`,
      r.reloads_left === null ? '-' : String(r.reloads_left),
      r.forecast_death ?? '-',
      ...(g.observed ? [observedText(r) || '-'] : []),
    ]);
    for (const line of table([head, ...body])) out.push(`  ${line}`);
    if (g.rows.length > max) out.push(`  … and ${g.rows.length - max} more (see --report json:FILE)`);
    out.push('');
  }
  for (const w of report.waivers.expired) {
    out.push(paint(`EXPIRED WAIVER ${w.at}: ${w.hosts} / ${w.assertion} expired ${w.expires} (${w.justification})${w.hosts_matched.length ? `; no longer covers ${w.hosts_matched.join(', ')}` : ''}`, 'yellow', o.color));
  }
  if (report.waivers.expired.length) out.push('');
  const s = report.summary;
  const risk = s.risk.critical + s.risk.at_risk + s.risk.safe + s.risk.unknown > 0
    ? `; risk: ${s.risk.critical} critical, ${s.risk.at_risk} at-risk, ${s.risk.safe} safe, ${s.risk.unknown} unknown`
    : '';
  out.push(`${s.hosts} hosts: ${paint(`${s.compliant} compliant`, s.compliant ? 'green' : undefined, o.color)}, ${paint(`${s.non_compliant} non-compliant`, s.non_compliant ? 'red' : undefined, o.color)}, ${s.waived} waived, ${paint(`${s.unreachable + s.error} could not be checked`, s.unreachable + s.error ? 'bright red' : undefined, o.color)}${risk}`);
  return out.join('\n') + '\n';
}
