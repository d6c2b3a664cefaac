// Hosts with identical plans grouped, so a 3000-host plan stays readable:
// "2,874 hosts: 2 step(s) to act on" with each step and its diff shown once.
// Steps skipped because their condition is false, and steps already in place, are left out of
// the groups (they change nothing); a skip with a reason (no candidate version, …) stays in.
// Hosts group by what will happen (task, status, class, diff), not by the per-host wording of
// the reason (PIDs, generation counters), which is shown from the group's first host.
import type { Event } from './events.js';
import { causeOf } from './cause.js';

interface Line { task: string; status: string; reason?: string; diff?: string; class?: string }

const QUIET = (l: Line) => l.status === 'ok' || (l.status === 'skip' && l.reason === 'condition false');

export class PlanSummary {
  private readonly byHost = new Map<string, Line[]>();
  private readonly unreachable = new Map<string, string>();
  /** hosts that failed; those without a planned step failed before planning (facts, a lock) */
  private readonly failed = new Map<string, string>();

  add(e: Event): void {
    if (e.kind === 'host.end' && e.status === 'unreachable') this.unreachable.set(e.host, e.msg ?? '');
    if (e.kind === 'host.end' && e.status === 'failed') this.failed.set(e.host, e.msg ?? '');
    if (e.kind !== 'host.plan') return;
    let lines = this.byHost.get(e.host);
    if (!lines) this.byHost.set(e.host, (lines = []));
    lines.push({ task: e.task, status: e.status, reason: e.reason, diff: e.diff, class: e.class });
  }

  /** Groups, largest first; hosts whose diffs differ (e.g. host-specific content) are separate groups. */
  groups(): { hosts: string[]; lines: Line[]; varies: boolean[] }[] {
    const groups = new Map<string, { hosts: string[]; lines: Line[]; varies: boolean[] }>();
    for (const [host, all] of this.byHost) {
      const lines = all.filter((l) => !QUIET(l));
      const key = JSON.stringify(lines.map((l) => [l.task, l.status, l.class, l.diff, l.status === 'change' ? '' : l.reason]));
      const g = groups.get(key);
      if (!g) groups.set(key, { hosts: [host], lines, varies: lines.map(() => false) });
      else {
        g.hosts.push(host);
        lines.forEach((l, i) => { if (l.reason !== g.lines[i].reason) g.varies[i] = true; });
      }
    }
    return [...groups.values()].sort((a, b) => b.hosts.length - a.hosts.length);
  }

  render(): string {
    const WORD: Record<string, string> = { ok: 'ok', change: 'will change', skip: 'skip', unknown: 'unknown', fail: 'will FAIL' };
    const out: string[] = [];
    const groups = this.groups();
    const acting = groups.filter((g) => g.lines.some((l) => l.status !== 'skip')).reduce((n, g) => n + g.hosts.length, 0);
    const early = new Map([...this.failed].filter(([h]) => !this.byHost.has(h)));
    const total = this.byHost.size + new Set([...this.unreachable.keys(), ...early.keys()].filter((h) => !this.byHost.has(h))).size;
    out.push(`${n(total)} host(s): ${n(acting)} with steps to act on, ${n(this.byHost.size - acting)} with nothing to change${this.unreachable.size ? `, ${n(this.unreachable.size)} unreachable` : ''}${early.size ? `, ${n(early.size)} failed before planning` : ''}`);
    for (const g of groups) {
      const who = g.hosts.length === 1 ? g.hosts[0] : `${n(g.hosts.length)} hosts (${g.hosts.slice(0, 5).join(', ')}${g.hosts.length > 5 ? ', …' : ''})`;
      const act = g.lines.filter((l) => l.status === 'change' || l.status === 'fail' || l.status === 'unknown').length;
      if (g.lines.length === 0) {
        out.push(`${who}: nothing to change`);
        continue;
      }
      out.push(`${who}: ${act === 0 ? 'nothing to change' : `${act} step(s) to act on`}`);
      g.lines.forEach((l, i) => {
        const cls = l.status === 'change' && l.class && l.class !== 'reversible' ? ` [${l.class}]` : '';
        out.push(`  ${WORD[l.status] ?? l.status}: ${l.task}${cls}${l.reason ? ` — ${l.reason}${g.varies[i] ? ` (e.g. ${g.hosts[0]}; varies per host)` : ''}` : ''}`);
        if (l.diff) out.push(l.diff.trimEnd().split('\n').map((d) => `      ${d}`).join('\n'));
      });
    }
    // Hosts not planned, a line per cause (largest first): one host's own words, or the cause
    // without what names a host when several share it.
    for (const [word, why] of [['unreachable', this.unreachable], ['failed', early]] as const) {
      const byCause = new Map<string, [string, string][]>();
      for (const [h, msg] of why) {
        const c = causeOf(msg, h);
        let hs = byCause.get(c);
        if (!hs) byCause.set(c, (hs = []));
        hs.push([h, msg]);
      }
      for (const [cause, hs] of [...byCause].sort((a, b) => b[1].length - a[1].length)) {
        const names = hs.map(([h]) => h);
        out.push(`${n(hs.length)} ${word} (${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}): not planned — ${hs.length === 1 ? hs[0][1] : cause}`);
      }
    }
    return out.join('\n');
  }
}

const n = (x: number) => x.toLocaleString('en-US');
