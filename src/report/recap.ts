// The final recap: a fold over events into per-host counters, Ansible's rules:
// - every successful task counts `ok`; a changed one also counts `changed` (changed ⊂ ok);
// - a failed task counts `failed`, unless it was rescued (`rescued`) or ignored (`ok`+`ignored`);
// - unreachable and skipped tasks count as such;
// - a host that ends failed/unreachable without such a step (facts, gates, internal error)
//   still counts one, so no failed host shows a clean row;
// - remediate adds `rolled_back` (and `rollback_failed`), plan's `unknown`, check results.
import type { Event, HostStatus } from './events.js';
import { paint, type Color } from './color.js';

export interface Counters {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  skipped: number;
  rescued: number;
  ignored: number;
  rolled_back: number;
  rollback_failed: number;
  /** plan: steps whose outcome depends on an earlier planned change */
  unknown: number;
  /** check: assertions passed / failed / that could not be evaluated */
  checks_passed: number;
  checks_failed: number;
  checks_error: number;
}

export interface HostRecap extends Counters {
  host: string;
  /** the host's final status (host.end), when it ended */
  status?: HostStatus;
  msg?: string;
}

export interface Recap {
  /** sorted by host name, like Ansible's PLAY RECAP */
  hosts: HostRecap[];
  totals: Counters;
  aborted: boolean;
  /** why rollouts stopped early (batch.end reasons) */
  stopped: string[];
}

const zero = (): Counters => ({
  ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0,
  rolled_back: 0, rollback_failed: 0, unknown: 0, checks_passed: 0, checks_failed: 0, checks_error: 0,
});

/**
 * Incremental recap for long runs: the CLI feeds each event as it comes instead of keeping
 * them all; memory is one row per host.
 */
export class RecapBuilder {
  private readonly rows = new Map<string, HostRecap>();
  private aborted = false;
  private readonly stopped: string[] = [];

  private row(host: string): HostRecap {
    let r = this.rows.get(host);
    if (!r) this.rows.set(host, (r = { host, ...zero() }));
    return r;
  }

  add(e: Event): this {
    switch (e.kind) {
      case 'host.start':
      case 'host.fact':
        this.row(e.host);
        break;
      case 'host.step': {
        const r = this.row(e.host);
        if (e.status === 'ok') r.ok++;
        else if (e.status === 'changed') (r.ok++, r.changed++);
        else if (e.status === 'skipped') r.skipped++;
        else if (e.status === 'unreachable') r.unreachable++;
        else if (e.rescued) r.rescued++;
        else if (e.ignored) (r.ok++, r.ignored++);
        else r.failed++;
        break;
      }
      case 'host.plan': {
        const r = this.row(e.host);
        if (e.status === 'ok') r.ok++;
        else if (e.status === 'change') (r.ok++, r.changed++);
        else if (e.status === 'skip') r.skipped++;
        else if (e.status === 'unknown') r.unknown++;
        else r.failed++;
        break;
      }
      case 'host.check': {
        const r = this.row(e.host);
        if (e.status === 'pass') r.checks_passed++;
        else if (e.status === 'fail') r.checks_failed++;
        else r.checks_error++;
        break;
      }
      case 'host.end': {
        const r = this.row(e.host);
        r.status = e.status;
        if (e.msg !== undefined) r.msg = e.msg;
        // stopped by the operator between tasks: unfinished (resume finishes it), not failed
        if (e.status === 'failed' && !e.interrupted && r.failed === 0) r.failed++;
        if (e.status === 'unreachable' && r.unreachable === 0) r.unreachable++;
        break;
      }
      case 'host.rollback': {
        const r = this.row(e.host);
        if (e.status === 'restored') r.rolled_back++;
        else r.rollback_failed++;
        break;
      }
      case 'batch.end':
        if (e.reason) this.stopped.push(e.reason);
        break;
      case 'run.end':
        if (e.aborted) this.aborted = true;
        break;
      default:
        break;
    }
    return this;
  }

  result(): Recap {
    const hosts = [...this.rows.values()].sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0)).map((r) => ({ ...r }));
    const totals = zero();
    for (const r of hosts) for (const k of Object.keys(totals) as (keyof Counters)[]) totals[k] += r[k];
    return { hosts, totals, aborted: this.aborted, stopped: [...this.stopped] };
  }
}

/** The recap of a whole event sequence. Pure. */
export function recap(events: Iterable<Event>): Recap {
  const b = new RecapBuilder();
  for (const e of events) b.add(e);
  return b.result();
}

// Ansible's columns, then remediate's; the optional ones appear only when some host has them.
const COLUMNS: Array<{ key: keyof Counters; label: string; color: Color; always: boolean }> = [
  { key: 'ok', label: 'ok', color: 'green', always: true },
  { key: 'changed', label: 'changed', color: 'yellow', always: true },
  { key: 'unreachable', label: 'unreachable', color: 'bright red', always: true },
  { key: 'failed', label: 'failed', color: 'red', always: true },
  { key: 'skipped', label: 'skipped', color: 'cyan', always: true },
  { key: 'rescued', label: 'rescued', color: 'green', always: true },
  { key: 'ignored', label: 'ignored', color: 'bright purple', always: true },
  { key: 'rolled_back', label: 'rolled_back', color: 'purple', always: true },
  { key: 'rollback_failed', label: 'rollback_failed', color: 'bright red', always: false },
  { key: 'unknown', label: 'unknown', color: 'yellow', always: false },
  { key: 'checks_passed', label: 'compliant', color: 'green', always: false },
  { key: 'checks_failed', label: 'noncompliant', color: 'red', always: false },
  { key: 'checks_error', label: 'unchecked', color: 'bright red', always: false },
];

const CHECK_KEYS = new Set<keyof Counters>(['checks_passed', 'checks_failed', 'checks_error']);

function hostColor(c: Counters): Color {
  if (c.failed || c.unreachable || c.rollback_failed || c.checks_failed || c.checks_error) return 'red';
  if (c.changed || c.rolled_back) return 'yellow';
  return 'green';
}

/** Ansible's banner: the title, a space, stars to the terminal's width (at least 3). */
export function banner(title: string, width = 80): string {
  const columns = Math.max(79, width - 1);
  return `${title} ${'*'.repeat(Math.max(3, columns - title.length))}`;
}

/** Ansible-style PLAY RECAP, one row per host (sorted), then the totals. */
export function renderRecap(r: Recap, o: { color: boolean; width?: number; /** list at most this many hosts, those with problems first (a 3000-host plan stays readable) */ maxHosts?: number }): string {
  const anyChecks = r.totals.checks_passed + r.totals.checks_failed + r.totals.checks_error > 0;
  const cols = COLUMNS.filter((c) => c.always || (CHECK_KEYS.has(c.key) ? anyChecks : r.totals[c.key] > 0));
  const row = (name: string, c: Counters, color: Color | undefined) => {
    // Ansible: "%-26s : " then each "lead=%-4s", coloured when non-zero.
    const head = paint(name, color, o.color) + ' '.repeat(Math.max(0, 26 - name.length));
    const cells = cols.map((col) => paint(`${col.label}=${String(c[col.key]).padEnd(4)}`, c[col.key] !== 0 ? col.color : undefined, o.color));
    return `${head} : ${cells.join(' ')}`.trimEnd();
  };
  const lines = [banner('PLAY RECAP', o.width)];
  const listed = o.maxHosts !== undefined && r.hosts.length > o.maxHosts
    ? r.hosts.filter((h) => h.failed || h.unreachable || h.unknown || h.rollback_failed).slice(0, o.maxHosts)
    : r.hosts;
  for (const h of listed) lines.push(row(h.host, h, hostColor(h)));
  if (listed.length < r.hosts.length) {
    lines.push(listed.length
      ? `… ${r.hosts.length - listed.length} more host(s) not listed (only hosts with failed, unreachable or unknown steps are); --json gives every host`
      : `${r.hosts.length} host(s), none with failed, unreachable or unknown steps: not listed one by one (--json gives every host)`);
  }
  if (r.hosts.length > 1) {
    lines.push('');
    lines.push(row(`total (${r.hosts.length} hosts)`, r.totals, undefined));
  }
  if (r.aborted) lines.push('', paint('Run aborted: hosts in flight finished, no new host was started.', 'bright red', o.color));
  return `${lines.join('\n')}\n`;
}
