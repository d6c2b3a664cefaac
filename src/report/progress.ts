// The live one-line progress bar a TTY redraws: a fold over events, and a renderer.
import type { Event } from './events.js';

export interface ProgressState {
  hostsTotal: number;
  /** stages announced by run.start (canary stage included when there is one) */
  stages: number;
  /** current stage index (batch.start index: 0 = canary, serial batches from 1) */
  stage: number;
  canary: boolean;
  sawCanary: boolean;
  inFlight: number;
  done: number;
  ok: number;
  changed: number;
  failed: number;
  unreachable: number;
  skipped: number;
  rolledBack: number;
  /** hosts announced by plays (run.start may not know them yet) */
  playHosts: number;
}

export const initialProgress: ProgressState = {
  hostsTotal: 0, stages: 0, stage: 0, canary: false, sawCanary: false, inFlight: 0, done: 0,
  ok: 0, changed: 0, failed: 0, unreachable: 0, skipped: 0, rolledBack: 0, playHosts: 0,
};

/** Next state after one event. Pure: returns a new state (or the same one when nothing changes). */
export function progress(s: ProgressState, e: Event): ProgressState {
  switch (e.kind) {
    case 'run.start':
      return { ...initialProgress, hostsTotal: e.hosts, stages: e.batches.length };
    case 'play.start':
      return { ...s, playHosts: s.playHosts + e.hosts, hostsTotal: Math.max(s.hostsTotal, s.playHosts + e.hosts) };
    case 'batch.start':
      return { ...s, stage: e.index, canary: e.canary, sawCanary: s.sawCanary || e.canary };
    case 'host.start':
      return { ...s, inFlight: s.inFlight + 1 };
    case 'host.end': {
      const n = { ...s, inFlight: Math.max(0, s.inFlight - 1), done: s.done + 1 };
      n[e.status] = s[e.status] + 1;
      return n;
    }
    case 'host.rollback':
      return e.status === 'restored' ? { ...s, rolledBack: s.rolledBack + 1 } : s;
    default:
      return s;
  }
}

/** One line of at most `width` columns: bar, hosts done, batch, counts. */
export function renderProgress(s: ProgressState, width: number): string {
  const serialStages = s.stages - (s.sawCanary ? 1 : 0);
  const where = s.canary ? 'canary' : s.stage > 0 ? (serialStages > 0 ? `batch ${s.stage}/${serialStages}` : `batch ${s.stage}`) : '';
  const total = s.hostsTotal > 0 ? `/${s.hostsTotal}` : '';
  const counts = [`ok ${s.ok}`, `changed ${s.changed}`, `failed ${s.failed}`, `unreachable ${s.unreachable}`];
  if (s.rolledBack > 0) counts.push(`rolled back ${s.rolledBack}`);
  const text = [where, `${s.done}${total} hosts`, s.inFlight > 0 ? `${s.inFlight} running` : '', counts.join(' ')].filter(Boolean).join(' | ');
  const barWidth = Math.min(40, width - text.length - 3);
  if (barWidth < 10 || s.hostsTotal === 0) return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
  const filled = Math.min(barWidth, Math.round((s.done / s.hostsTotal) * barWidth));
  return `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ${text}`;
}
