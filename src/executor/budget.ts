// rollout.host_timeout: one time budget for a host's whole play or check. It caps every command
// at what is left of it, and says when it is spent, in the words the host's failure carries.
import type { Clock } from './types.js';

export interface HostBudget {
  /** A command's own time limit, capped at what is left (at least 1 ms); unchanged without a budget. */
  cap(timeoutMs: number | undefined): number | undefined;
  spent(): boolean;
  /** "host_timeout: the play took longer than 20m on this host; <where>" */
  message(what: 'play' | 'check', where: string): string;
}

/** Starts now; `ms` undefined = no budget (never spent, caps nothing). */
export function hostBudget(ms: number | undefined, clock: Clock): HostBudget {
  const deadline = ms === undefined ? undefined : clock.now() + ms;
  return {
    cap: (t) => (deadline === undefined ? t : Math.max(1, Math.min(t ?? Infinity, deadline - clock.now()))),
    spent: () => deadline !== undefined && clock.now() >= deadline,
    message: (what, where) => `host_timeout: the ${what} took longer than ${humanDuration(ms ?? 0)} on this host; ${where}`,
  };
}

function humanDuration(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000}m` : ms % 1000 === 0 ? `${ms / 1000}s` : `${ms} ms`;
}
