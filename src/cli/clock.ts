// The real clock, handed down to everything that waits or timestamps.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../executor/types.js';

export function realClock(): Clock {
  return {
    now: () => Date.now(),
    sleep: (ms, signal) => sleep(ms, undefined, { signal }).catch(() => undefined),
  };
}
