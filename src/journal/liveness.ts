// A run still marked 'running' may be live or may have lost its controller (kill -9, power loss).
import type { RunSummary } from './types.js';

export type RunLiveness = 'finished' | 'running' | 'interrupted' | 'unknown';

/**
 * 'interrupted' when the run's controller was on this machine and its pid is gone: `runs` shows
 * it as needing resume or rollback. 'unknown' when it ran elsewhere (or recorded no pid).
 */
export function runLiveness(
  run: Pick<RunSummary, 'status' | 'pid' | 'controllerHost'>,
  here: { controllerHost: string; isAlive(pid: number): boolean },
): RunLiveness {
  if (run.status !== 'running') return 'finished';
  if (run.pid === undefined || run.controllerHost !== here.controllerHost) return 'unknown';
  return here.isAlive(run.pid) ? 'running' : 'interrupted';
}
