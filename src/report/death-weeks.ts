// "Hosts per week until death": the fleet's forecast dates of death bucketed by week from
// today, the chart of the HTML report and the dashboard. Pure.

export interface WeekBucket {
  /** 'dead' (the master is already dead), 'week N' (N weeks from today), 'later'. */
  key: string;
  label: string;
  /** First day of the bucket (YYYY-MM-DD), null for 'dead' and 'later'. */
  from: string | null;
  count: number;
  hosts: string[];
}

export interface DeathWeeks {
  today: string;
  buckets: WeekBucket[];
  /** At risk but without a date (reload rate unknown or zero). */
  noForecast: string[];
}

const DAY = 86_400_000;

function dayMs(iso: string): number {
  return Date.parse(`${iso}T00:00:00Z`);
}

/** A row's evidence says its master is already dead (the logs show it died of key exhaustion). */
export function isDead(r: { evidence?: { apache?: { dead_at?: string | null } } }): boolean {
  return typeof r.evidence?.apache?.dead_at === 'string';
}

/**
 * Bucket hosts by weeks until their forecast death: dead (the master already died), week 0
 * (1–7 days, and a live master whose forecast is today or past: it dies on its next reload),
 * week 1 (8–14 days)… up to `weeks` buckets, then later. A live master is never counted dead:
 * with 1024 keys in use its forecast is today, but it is still serving until that reload.
 */
export function deathWeeks(rows: readonly { host: string; risk: string | null; forecast_death: string | null; dead: boolean }[], now: Date, weeks = 12): DeathWeeks {
  const today = now.toISOString().slice(0, 10);
  const t0 = dayMs(today);
  const buckets: WeekBucket[] = [
    { key: 'dead', label: 'dead', from: null, count: 0, hosts: [] },
    ...Array.from({ length: weeks }, (_, i) => ({
      key: `week ${i}`,
      label: i === 0 ? 'this week' : `week ${i + 1}`,
      from: new Date(t0 + (i * 7 + 1) * DAY).toISOString().slice(0, 10),
      count: 0,
      hosts: [],
    })),
    { key: 'later', label: 'later', from: null, count: 0, hosts: [] },
  ];
  const noForecast: string[] = [];
  for (const r of rows) {
    if (!r.forecast_death) {
      if (r.risk === 'at-risk' || r.risk === 'critical') noForecast.push(r.host);
      continue;
    }
    const days = Math.round((dayMs(r.forecast_death) - t0) / DAY);
    const b = r.dead ? buckets[0] : days <= 0 ? buckets[1] : Math.ceil(days / 7) <= weeks ? buckets[Math.ceil(days / 7)] : buckets[buckets.length - 1];
    b.count++;
    b.hosts.push(r.host);
  }
  return { today, buckets, noForecast };
}
