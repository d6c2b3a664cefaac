// A self-contained HTML check report: one file, no scripts, no external resources (it is
// mailed, attached to tickets, opened offline). Summary, the hosts-per-week-until-death chart
// as inline SVG, hosts grouped by status, and each host's evidence in a <details>.
import type { CheckReport, HostCheckRow } from './check-report.js';
import { deathWeeks, isDead, type DeathWeeks } from './death-weeks.js';

export function htmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const e = (v: unknown) => htmlEscape(v === null || v === undefined ? '-' : typeof v === 'string' ? v : JSON.stringify(v));

/** The chart as an SVG: one bar per bucket, its count above it, the label below. */
export function deathWeeksSvg(w: DeathWeeks): string {
  const bw = 44, gap = 8, h = 160, top = 20, bottom = 36;
  const max = Math.max(1, ...w.buckets.map((b) => b.count));
  const width = w.buckets.length * (bw + gap) + gap;
  const bars = w.buckets.map((b, i) => {
    const x = gap + i * (bw + gap);
    const bh = Math.round((b.count / max) * (h - top - bottom));
    const y = h - bottom - bh;
    const fill = b.key === 'dead' ? '#7f1d1d' : b.key === 'week 0' || b.key === 'week 1' ? '#dc2626' : b.key === 'later' ? '#9ca3af' : '#f59e0b';
    return `<g class="bar" data-bucket="${htmlEscape(b.key)}" data-count="${b.count}"><title>${htmlEscape(`${b.label}${b.from ? ` (from ${b.from})` : ''}: ${b.count} host(s)${b.hosts.length ? `: ${b.hosts.slice(0, 20).join(', ')}${b.hosts.length > 20 ? ', …' : ''}` : ''}`)}</title>`
      + `<rect x="${x}" y="${y}" width="${bw}" height="${bh}" fill="${fill}"/>`
      + `<text x="${x + bw / 2}" y="${y - 4}" text-anchor="middle" font-size="12">${b.count}</text>`
      + `<text x="${x + bw / 2}" y="${h - bottom + 14}" text-anchor="middle" font-size="10">${htmlEscape(b.label)}</text>`
      + (b.from ? `<text x="${x + bw / 2}" y="${h - bottom + 26}" text-anchor="middle" font-size="9" fill="#6b7280">${b.from.slice(5)}</text>` : '')
      + '</g>';
  });
  return `<svg class="death-weeks" role="img" aria-label="hosts per week until death" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${h}" viewBox="0 0 ${width} ${h}">${bars.join('')}</svg>`;
}

function evidenceHtml(r: HostCheckRow): string {
  const rows: string[] = [];
  const add = (k: string, v: unknown) => rows.push(`<tr><th>${htmlEscape(k)}</th><td>${e(v)}</td></tr>`);
  const ev = r.evidence;
  if (ev.os !== undefined) add('os', ev.os);
  if (ev.apache) for (const [k, v] of Object.entries(ev.apache)) add(`apache ${k.replace(/_/g, ' ')}`, v);
  if (ev.php_extension) for (const [k, v] of Object.entries(ev.php_extension)) add(`php ${k.replace(/_/g, ' ')}`, v);
  if (ev.imagemagick) for (const [k, v] of Object.entries(ev.imagemagick)) add(`imagemagick ${k.replace(/_/g, ' ')}`, v);
  if (ev.pthread_keys) add('pthread keys', `${ev.pthread_keys.keys_in_use ?? '?'} (${ev.pthread_keys.kind}): ${ev.pthread_keys.detail}`);
  if (ev.leak) add('leak', `${ev.leak.leaking === null ? 'undecided' : ev.leak.leaking ? 'leaking' : 'no leak'}${ev.leak.evidence ? ` by ${ev.leak.evidence}` : ''}: ${ev.leak.detail}`);
  if (r.risk_reason) add('risk', r.risk_reason);
  const assertions = r.assertions.map((a) => `<tr class="a-${a.status}"><td>${htmlEscape(a.id)}</td><td>${htmlEscape(a.status)}</td><td><code>${e(a.expected)}</code></td><td><code>${e(a.observed)}</code></td><td>${e(a.waiver ? `until ${a.waiver.expires}: ${a.waiver.justification}` : a.msg)}</td></tr>`);
  return `<details><summary>evidence</summary>`
    + (assertions.length ? `<table class="assertions"><tr><th>assertion</th><th>result</th><th>expected</th><th>observed</th><th>note</th></tr>${assertions.join('')}</table>` : '')
    + (rows.length ? `<table class="evidence">${rows.join('')}</table>` : '')
    + `</details>`;
}

const CSS = `body{font:14px system-ui,sans-serif;margin:24px;color:#111}h1{font-size:20px}table{border-collapse:collapse}
td,th{padding:3px 8px;border-bottom:1px solid #e5e7eb;text-align:left;vertical-align:top}
.s-non-compliant td.status{color:#b91c1c;font-weight:600}.s-unreachable td.status,.s-error td.status{color:#7f1d1d}
.s-waived td.status{color:#0e7490}.s-compliant td.status{color:#15803d}.r-critical{color:#b91c1c;font-weight:600}.r-at-risk{color:#b45309}
details table{margin:6px 0 6px 12px;font-size:12px}code{font-size:12px}.expired{color:#b45309}`;

export function renderHtml(report: CheckReport, o: { now: Date; title?: string }): string {
  const s = report.summary;
  const weeks = deathWeeks(report.hosts.map((r) => ({ ...r, dead: isDead(r) })), o.now);
  const order = { 'non-compliant': 0, error: 1, unreachable: 2, waived: 3, compliant: 4 } as const;
  const hosts = [...report.hosts].sort((a, b) => order[a.status] - order[b.status] || (a.forecast_death ?? '9999').localeCompare(b.forecast_death ?? '9999') || a.host.localeCompare(b.host));
  const rows = hosts.map((r) => `<tr class="s-${r.status}" data-host="${htmlEscape(r.host)}"><td>${htmlEscape(r.host)}</td><td class="status">${htmlEscape(r.status)}</td>`
    + `<td class="r-${htmlEscape(r.risk ?? 'none')}">${e(r.risk)}</td><td>${e(r.keys_in_use)}${r.keys_kind === 'estimate' ? '~' : ''}</td><td>${e(r.reloads_left)}</td><td>${e(r.forecast_death)}</td>`
    + `<td>${htmlEscape(r.reason)}${evidenceHtml(r)}</td></tr>`);
  const expired = report.waivers.expired.map((w) => `<li class="expired">${htmlEscape(`${w.at}: ${w.hosts} / ${w.assertion} expired ${w.expires} (${w.justification})${w.hosts_matched.length ? `, no longer covers ${w.hosts_matched.join(', ')}` : ''}`)}</li>`);
  const title = o.title ?? `remediate check${report.playbook ? `: ${report.playbook}` : ''}`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${htmlEscape(title)}</title><style>${CSS}</style></head><body>
<h1>${htmlEscape(title)}</h1>
<p>Run <code>${htmlEscape(report.run_id)}</code>, ${htmlEscape(report.generated_at)}. Exit code ${report.exit_code}.</p>
<p class="summary">${s.hosts} hosts: <b>${s.compliant}</b> compliant, <b>${s.non_compliant}</b> non-compliant, ${s.waived} waived, ${s.unreachable} unreachable, ${s.error} error.
Risk: ${s.risk.critical} critical, ${s.risk.at_risk} at-risk, ${s.risk.safe} safe, ${s.risk.unknown} unknown.</p>
<h2>Hosts per week until death</h2>
${deathWeeksSvg(weeks)}
${weeks.noForecast.length ? `<p>At risk without a forecast date (reload rate unknown): ${htmlEscape(weeks.noForecast.join(', '))}</p>` : ''}
${expired.length ? `<h2>Expired waivers</h2><ul>${expired.join('')}</ul>` : ''}
<h2>Hosts</h2>
<table class="hosts"><tr><th>host</th><th>status</th><th>risk</th><th>keys</th><th>reloads left</th><th>dies</th><th>why</th></tr>
${rows.join('\n')}
</table>
</body></html>
`;
}
