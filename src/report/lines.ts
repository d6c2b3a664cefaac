// Line renderers for a stream that is not a TTY: `--json` (one object per event per line) and
// plain human lines, Ansible's wording ("changed: [web01] …"). Pure: one event in, text out.
import type { Event } from './events.js';

/** The event as one line of JSON (no trailing newline; the caller adds it). */
export function jsonLine(e: Event): string {
  return JSON.stringify(e, (_k, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Map) return Object.fromEntries(v);
    if (v instanceof Set) return [...v];
    if (v instanceof Error) return { name: v.name, message: v.message };
    return v;
  });
}

const PLAN_WORD: Record<string, string> = { ok: 'ok', change: 'will change', skip: 'skip', unknown: 'unknown', fail: 'failed' };

/** First few hosts of a batch, so a 3000-host batch stays one readable line. */
function hostList(hosts: readonly string[], max = 5): string {
  return hosts.length <= max ? hosts.join(', ') : `${hosts.slice(0, max).join(', ')}, … (+${hosts.length - max})`;
}

function pct(x: number): string {
  return `${Math.round(x * 100) / 100}%`;
}

function output(stdout?: string, stderr?: string): string {
  const parts = [stdout, stderr].filter((s): s is string => s !== undefined && s.trimEnd() !== '').map((s) => s.trimEnd());
  return parts.length > 0 ? `\n${parts.join('\n')}` : '';
}

/** A human line for the event, or undefined for events that are not worth a line on their own. */
export function plainLine(e: Event): string | undefined {
  switch (e.kind) {
    case 'run.start': {
      const what = e.playbook ? `${e.command} ${e.playbook}` : e.command;
      const sched = e.batches.length > 1 ? ` in ${e.batches.length} batches (${e.batches.join(', ')})` : '';
      return e.hosts > 0 ? `${what}: ${e.hosts} hosts${sched} [run ${e.runId}]` : `${what} [run ${e.runId}]`;
    }
    case 'play.start':
      return `PLAY [${e.play}] (${e.hosts} hosts)`;
    case 'batch.start':
      return e.canary ? `CANARY [${hostList(e.hosts)}]` : `BATCH ${e.index} [${e.hosts.length} hosts: ${hostList(e.hosts)}]`;
    case 'host.step': {
      const word = e.status === 'failed' ? (e.rescued ? 'failed (rescued)' : e.ignored ? 'failed (ignored)' : 'failed') : e.status;
      const rc = e.exitCode !== undefined && e.exitCode !== null ? ` (rc=${e.exitCode})` : '';
      const msg = e.msg && (e.status === 'failed' || e.status === 'unreachable') ? `: ${e.msg}` : '';
      return `${word}: [${e.host}] ${e.task}${rc}${msg}${output(e.stdout, e.stderr)}`;
    }
    case 'host.plan': {
      const why = e.reason && e.status !== 'ok' && e.status !== 'change' ? ` (${e.reason})` : '';
      const diff = e.diff ? `\n${e.diff.trimEnd()}` : '';
      return `${PLAN_WORD[e.status] ?? e.status}: [${e.host}] ${e.task}${why}${diff}`;
    }
    case 'host.end':
      // Successful hosts already showed their steps; a failed/unreachable end says why, and so
      // does a host check could not judge (only check ends a host as skipped, and says why).
      if (e.status === 'skipped' && e.msg) return `could not check: [${e.host}] ${e.msg}`;
      if (e.interrupted) return `interrupted: [${e.host}] ${e.msg ?? 'aborted before the next task'} (resume finishes it)`;
      return e.status === 'failed' || e.status === 'unreachable' ? `${e.status}: [${e.host}]${e.msg ? ` ${e.msg}` : ''}` : undefined;
    case 'host.check': {
      const word = e.status === 'pass' ? 'compliant' : e.status === 'fail' ? 'NON-COMPLIANT' : 'could not check';
      const detail = e.status === 'pass' ? '' : [e.expected ? `expected ${e.expected}` : '', e.observed !== undefined ? `observed ${JSON.stringify(e.observed)}` : '', e.msg ?? ''].filter(Boolean).join('; ');
      return `${word}: [${e.host}] ${e.id}${detail ? ` (${detail})` : ''}`;
    }
    case 'host.rollback':
      return e.status === 'restored' ? `rolled back: [${e.host}]` : `rollback FAILED: [${e.host}]${e.msg ? ` ${e.msg}` : ''}`;
    case 'batch.end': {
      const name = e.index === 0 ? 'canary' : `batch ${e.index}`;
      const line = `${name} done: ${e.failed} failed, ${e.unreachable} unreachable of ${e.hosts} (${pct(e.failedPct)})`;
      return e.aborted ? `${line}\nrollout stopped: ${e.reason ?? 'aborted'}` : line;
    }
    case 'pause':
      return [e.seconds !== undefined ? `pausing ${e.seconds}s before the next batch` : '', e.prompt !== undefined ? `waiting for confirmation: ${e.prompt}` : ''].filter(Boolean).join('; ') || undefined;
    case 'warning':
      return `[WARNING]: ${e.host ? `[${e.host}] ` : ''}${e.msg}`;
    case 'run.end':
      return e.aborted ? 'run aborted: no new host was started; see `remediate resume` or `remediate rollback`' : undefined;
    case 'host.start':
    case 'host.fact':
      return undefined;
    default:
      return undefined;
  }
}
