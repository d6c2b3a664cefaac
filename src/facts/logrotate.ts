// How often logrotate reloads Apache: the frequency keyword and whether postrotate reloads
// (graceful reload or SIGHUP restart: both keep the master, so both leak with a leaky libgomp).

export type Frequency = 'hourly' | 'daily' | 'weekly' | 'monthly' | 'yearly';

export interface LogrotateInfo {
  file: string;
  frequency: Frequency | null;
  /** The frequency came from logrotate.conf's global default. */
  frequencyFromDefault: boolean;
  /** postrotate signals the running master (reload/graceful/USR1/HUP) rather than restarting it. */
  reloadsMaster: boolean;
  /** The postrotate commands, joined. */
  postrotate: string | null;
  /** `size`/`minsize`/`maxsize` make rotation (and the reload) conditional on log growth. */
  sizeConditional: boolean;
  /** Reloads per day this config causes (null when it does not reload or the frequency is unknown). */
  reloadsPerDay: number | null;
}

const PER_DAY: Record<Frequency, number> = { hourly: 24, daily: 1, weekly: 1 / 7, monthly: 12 / 365.25, yearly: 1 / 365.25 };

const KEEPS_MASTER = /\breload\b|\bgraceful\b|\bUSR1\b|-HUP\b|\bSIGHUP\b|\bapache(2)?ctl\s+(-k\s+)?restart\b|\bhttpd\s+-k\s+restart\b/;

export function parseFrequency(line: string): Frequency | null {
  const m = /^\s*(hourly|daily|weekly|monthly|yearly)\b/.exec(line);
  return m ? (m[1] as Frequency) : null;
}

export function parseLogrotate(file: string, text: string, globalDefault: Frequency | null = null): LogrotateInfo {
  let frequency: Frequency | null = null;
  let inScript: string | null = null;
  const post: string[] = [];
  let sizeConditional = false;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (inScript) {
      if (/^endscript\b/.test(line)) { inScript = null; continue; }
      if (inScript === 'postrotate' && line) post.push(line);
      continue;
    }
    const s = /^(postrotate|prerotate|firstaction|lastaction|preremove)\b(.*)$/.exec(line);
    if (s) {
      inScript = s[1];
      if (s[1] === 'postrotate' && s[2].trim()) post.push(s[2].trim());
      continue;
    }
    frequency = parseFrequency(line) ?? frequency;
    if (/^(size|minsize|maxsize)\s/.test(line)) sizeConditional = true;
  }
  const postrotate = post.length ? post.join(' ') : null;
  const reloadsMaster = postrotate !== null && KEEPS_MASTER.test(postrotate);
  const freq = frequency ?? globalDefault;
  return {
    file,
    frequency: freq,
    frequencyFromDefault: frequency === null && globalDefault !== null,
    reloadsMaster,
    postrotate,
    sizeConditional,
    reloadsPerDay: reloadsMaster && freq ? PER_DAY[freq] : reloadsMaster ? null : 0,
  };
}
