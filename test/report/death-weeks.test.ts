// The hosts-per-week-until-death buckets: a master that already died is "dead"; a live one whose
// forecast is today (1024 keys in use: it dies on its next reload) is this week, never "dead".
import test from 'ava';
import { deathWeeks, isDead } from '../../src/report/death-weeks.js';

const NOW = new Date(Date.UTC(2026, 10, 27, 12, 0));
const CASES: { name: string; dead: boolean; forecast: string | null; risk: string; bucket: string | null }[] = [
  { name: 'died this morning', dead: true, forecast: '2026-11-27', risk: 'critical', bucket: 'dead' },
  { name: 'died last month', dead: true, forecast: '2026-10-02', risk: 'critical', bucket: 'dead' },
  { name: 'alive at 1024 keys: forecast today', dead: false, forecast: '2026-11-27', risk: 'critical', bucket: 'week 0' },
  { name: 'alive, forecast overdue (a reload did not come)', dead: false, forecast: '2026-11-25', risk: 'critical', bucket: 'week 0' },
  { name: 'alive, 7 days', dead: false, forecast: '2026-12-04', risk: 'critical', bucket: 'week 0' },
  { name: 'alive, 8 days', dead: false, forecast: '2026-12-05', risk: 'critical', bucket: 'week 1' },
  { name: 'alive, 84 days', dead: false, forecast: '2027-02-19', risk: 'at-risk', bucket: 'week 11' },
  { name: 'alive, 85 days', dead: false, forecast: '2027-02-20', risk: 'at-risk', bucket: 'later' },
  { name: 'at risk, no date', dead: false, forecast: null, risk: 'at-risk', bucket: null },
  { name: 'safe', dead: false, forecast: null, risk: 'safe', bucket: null },
];
for (const c of CASES) {
  test(`death weeks: ${c.name} → ${c.bucket ?? 'no bar'}`, (t) => {
    const w = deathWeeks([{ host: 'h', risk: c.risk, forecast_death: c.forecast, dead: c.dead }], NOW);
    t.deepEqual(w.buckets.filter((b) => b.count > 0).map((b) => b.key), c.bucket ? [c.bucket] : []);
    t.deepEqual(w.noForecast, c.bucket === null && c.risk !== 'safe' ? ['h'] : []);
  });
}

test('dead means the logs show the death (evidence.apache.dead_at), not a forecast of today', (t) => {
  t.true(isDead({ evidence: { apache: { dead_at: '2026-11-27T06:31:00.000Z' } } }));
  t.false(isDead({ evidence: { apache: { dead_at: null } } }));
  t.false(isDead({ evidence: {} }));
});
