// Hosts with identical plans grouped, so a 3000-host plan stays readable:
// "2,874 hosts: will change: set imagick.set_single_thread=1 …" with the diff shown once.
import type { Event } from './events.js';

interface Line { task: string; status: string; reason?: string; diff?: string }

export class PlanSummary {
  private readonly byHost = new Map<string, Line[]>();

  add(e: Event): void {
    if (e.kind !== 'host.plan') return;
    let lines = this.byHost.get(e.host);
    if (!lines) this.byHost.set(e.host, (lines = []));
    lines.push({ task: e.task, status: e.status, reason: e.reason, diff: e.diff });
  }

  /** Groups, largest first; hosts whose diffs differ (e.g. host-specific content) are separate groups. */
  groups(): { hosts: string[]; lines: Line[] }[] {
    const groups = new Map<string, { hosts: string[]; lines: Line[] }>();
    for (const [host, lines] of this.byHost) {
      const key = JSON.stringify(lines.map((l) => [l.task, l.status, l.reason, l.diff]));
      const g = groups.get(key);
      if (g) g.hosts.push(host);
      else groups.set(key, { hosts: [host], lines });
    }
    return [...groups.values()].sort((a, b) => b.hosts.length - a.hosts.length);
  }

  render(): string {
    const WORD: Record<string, string> = { ok: 'ok', change: 'will change', skip: 'skip', unknown: 'unknown', fail: 'will FAIL' };
    const out: string[] = [];
    for (const g of this.groups()) {
      const who = g.hosts.length === 1 ? g.hosts[0] : `${g.hosts.length.toLocaleString('en-US')} hosts (${g.hosts.slice(0, 5).join(', ')}${g.hosts.length > 5 ? ', …' : ''})`;
      const changes = g.lines.filter((l) => l.status === 'change' || l.status === 'fail' || l.status === 'unknown').length;
      out.push(`${who}: ${changes === 0 ? 'nothing to change' : `${changes} step(s) to act on`}`);
      for (const l of g.lines) {
        out.push(`  ${WORD[l.status] ?? l.status}: ${l.task}${l.reason ? ` — ${l.reason}` : ''}`);
        if (l.diff) out.push(l.diff.trimEnd().split('\n').map((d) => `      ${d}`).join('\n'));
      }
    }
    return out.join('\n');
  }
}
