// The plan pass's schedules as views the report renders and a saved plan keeps.
import type { Playbook } from '../playbook/types.js';
import type { ScheduleView } from '../report/plan-schedule.js';
import { estimateRollout, hostEstimateMs, type MeasuredStep } from './estimate.js';
import type { PlanPassResult } from './plan-pass.js';

/** `measured`: step times from earlier runs, and how many runs they come from. */
export function scheduleViews(pass: PlanPassResult, playbook: Playbook, forks?: number, measured?: { step: MeasuredStep; runs: number }): ScheduleView[] {
  return playbook.plays.map((play, i) => {
    const p = pass.plays[i];
    const f = forks ?? play.rollout.concurrency;
    const hostMs = (h: string) => {
      const hp = pass.hosts.get(h);
      return hp ? hostEstimateMs(hp, measured?.step) : 0;
    };
    return {
      play: play.name,
      hosts: p.hosts,
      canary: { hosts: p.schedule.canary, per: play.rollout.canary?.per?.source, count: play.rollout.canary?.count },
      batches: p.schedule.batches,
      serial: play.rollout.serial,
      forks: f,
      maxFailPercentage: play.rollout.maxFailPercentage,
      rollback: play.rollback,
      pauseSeconds: play.rollout.pause?.seconds,
      estimate: { ...estimateRollout(p.schedule, play.rollout, f, hostMs), ...(measured?.runs ? { measuredRuns: measured.runs } : {}) },
    };
  });
}
