// The plan's rollout schedule, in words: the canary stage, the batches, limits, and an
// estimated duration. Pure: it renders what the planner computed.

export interface ScheduleView {
  play: string;
  hosts: number;
  canary: { hosts: string[]; per?: string; count?: number | string };
  batches: number[];
  serial: (number | string)[];
  forks: number;
  maxFailPercentage?: number;
  rollback: string;
  pauseSeconds?: number;
  /** measuredRuns: earlier apply runs whose step times went into it */
  estimate: { totalMs: number; stages: { label: string; hosts: number; ms: number }[]; measuredRuns?: number };
}

export function renderSchedule(s: ScheduleView, human: (ms: number) => string): string {
  const out: string[] = [];
  const c = s.canary;
  const canary = c.hosts.length
    ? `canary ${c.hosts.length} host(s)${c.per ? ` (one per ${c.per}${c.count !== undefined ? `, ${c.count} each` : ''})` : ''}: ${c.hosts.slice(0, 8).join(', ')}${c.hosts.length > 8 ? ', …' : ''}`
    : 'no canary stage';
  out.push(`Schedule for '${s.play}' (${s.hosts.toLocaleString('en-US')} hosts): ${canary}`);
  const sizes = s.batches.map((b) => b.toLocaleString('en-US')).join(', ');
  out.push(`  then ${s.batches.length} batch(es) of ${sizes}${s.serial.length ? ` (serial ${JSON.stringify(s.serial)})` : ''}, at most ${s.forks} host(s) in flight`);
  out.push(`  stops when ${s.maxFailPercentage === undefined ? 'every host of a batch fails' : `more than ${s.maxFailPercentage}% of a batch fails`}; rollback: ${s.rollback}${s.pauseSeconds ? `; pause ${s.pauseSeconds} s between batches` : ''}`);
  const parts = s.estimate.stages.slice(0, 6).map((st) => `${st.label} ${human(st.ms)}`).join(', ');
  const basis = s.estimate.measuredRuns ? `; step times as measured in ${s.estimate.measuredRuns} earlier run(s)` : '';
  out.push(`  estimated duration: ~${human(s.estimate.totalMs)} (${parts}${s.estimate.stages.length > 6 ? ', …' : ''}${basis})`);
  return out.join('\n');
}
