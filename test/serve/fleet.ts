// A journal with two recorded check runs of a small fleet whose forecast dates of death fall in
// known weeks, for the dashboard tests. The expected chart is worked out by hand below.
import { CLOCK, type HostSpec } from '../report/check-fixtures.js';
import { seedJournal, type Seeded } from '../check/seed-journal.js';

/** The dashboard's "now": 2026-11-27 12:00 UTC (host clocks read 06:00 the same day). */
export const SERVER_NOW = new Date(Date.UTC(2026, 10, 27, 12, 0));

// Debian 12 masters reloading daily: reloads left = 1024 − keys = days left.
export const FLEET: HostSpec[] = [
  { host: 'd1', clock: CLOCK, keys: 1020, reloads: 1012 }, // 4 days: 2026-12-01
  { host: 'd2', clock: CLOCK, keys: 1017, reloads: 1009 }, // 7 days: 2026-12-04
  { host: 'd3', clock: CLOCK, keys: 1016, reloads: 1008 }, // 8 days: 2026-12-05
  { host: 'd4', clock: CLOCK, keys: 1000, reloads: 992 }, // 24 days: 2026-12-21
  { host: 'd5', clock: CLOCK, keys: 900, reloads: 892 }, // 124 days
  { host: 'st0', clock: CLOCK, keys: 508, reloads: 500, singleThread: '0' }, // 516 days, non-compliant
  { host: 'dead1', clock: CLOCK, deadAt: CLOCK - 7200 }, // died this morning
  { host: 'safe1', clock: CLOCK, keys: 8, reloads: 20 },
  { host: 'safe2', clock: CLOCK, keys: 9, reloads: 30 },
  { host: 'gone', unreachable: 'connect ETIMEDOUT 10.0.0.9:22' },
];

/** Buckets by hand: days ≤ 0 dead; 1–7 this week (week 0); 8–14 week 1; 22–28 week 3; > 84 later. */
export const EXPECTED_BUCKETS: Record<string, number> = { dead: 1, 'week 0': 2, 'week 1': 1, 'week 3': 1, later: 2 };

export function seededFleet(): Seeded {
  const s = seedJournal();
  // A week earlier: st0 was compliant then, d1 not yet checked.
  s.run(SERVER_NOW.getTime() - 7 * 86_400_000, FLEET.filter((h) => h.host !== 'd1').map((h) => (h.host === 'st0' ? { ...h, singleThread: '1' } : h)), 'check-1');
  s.run(SERVER_NOW.getTime() - 3_600_000, FLEET, 'check-2');
  return s;
}
