// Alerts: POST a JSON summary to a webhook when the set of non-compliant or at-risk hosts
// changes between check runs. Delivery happens in the background (send() returns at once, so a
// slow or dead receiver never delays the schedule), in order, with retries and exponential
// backoff on network errors, timeouts, 408, 429 and 5xx. The URL is never logged whole: webhook
// URLs often carry a token in their path.
import type { HostCheckStatus } from '../report/check-report.js';
import type { Risk } from '../facts/index.js';

export interface AlertSet {
  non_compliant: string[];
  at_risk: string[];
  /** Unreachable, or their facts or assertions failed: a blind spot (absent in older callers). */
  could_not_check?: string[];
}

export interface SetChange {
  added: string[];
  removed: string[];
  now: string[];
}

export interface AlertChange {
  non_compliant: SetChange;
  at_risk: SetChange;
  could_not_check: SetChange;
}

/**
 * Non-compliant hosts, hosts at risk of dying (at-risk or critical), and hosts that could not be
 * checked (a host that stops answering is a blind spot, not a quiet one), sorted.
 */
export function alertSetOf(rows: readonly { host: string; status: HostCheckStatus; risk: Risk | null }[]): AlertSet {
  return {
    non_compliant: rows.filter((r) => r.status === 'non-compliant').map((r) => r.host).sort(),
    at_risk: rows.filter((r) => r.risk === 'at-risk' || r.risk === 'critical').map((r) => r.host).sort(),
    could_not_check: rows.filter((r) => r.status === 'unreachable' || r.status === 'error').map((r) => r.host).sort(),
  };
}

function change(prev: readonly string[], now: readonly string[]): SetChange {
  const p = new Set(prev);
  const n = new Set(now);
  return { added: now.filter((h) => !p.has(h)), removed: prev.filter((h) => !n.has(h)), now: [...now] };
}

/**
 * What changed, or null when neither set did. With no previous run, a non-empty set is a
 * change (the first run reports what it found); an empty one is not.
 */
export function alertChange(prev: AlertSet | null, curr: AlertSet): AlertChange | null {
  const c = {
    non_compliant: change(prev?.non_compliant ?? [], curr.non_compliant),
    at_risk: change(prev?.at_risk ?? [], curr.at_risk),
    could_not_check: change(prev?.could_not_check ?? [], curr.could_not_check ?? []),
  };
  const moved = Object.values(c).reduce((n, x) => n + x.added.length + x.removed.length, 0);
  return moved > 0 ? c : null;
}

export interface AlertPayload {
  event: 'remediate.check.changed';
  run_id: string;
  previous_run_id: string | null;
  at: string;
  playbook: string | null;
  /** One line for chat webhooks (Slack/Mattermost read `text`). */
  text: string;
  summary: Record<string, number>;
  non_compliant: SetChange;
  at_risk: SetChange;
  could_not_check: SetChange;
  /** Forecast per newly at-risk host. */
  forecasts: { host: string; risk: Risk | null; forecast_death: string | null; keys_in_use: number | null; reloads_left: number | null }[];
}

export function alertText(c: AlertChange, runId: string): string {
  const part = (name: string, s: SetChange) => `${s.now.length} ${name}${s.added.length ? ` (+${s.added.length}: ${s.added.slice(0, 5).join(', ')}${s.added.length > 5 ? ', …' : ''})` : ''}${s.removed.length ? ` (-${s.removed.length})` : ''}`;
  const blind = c.could_not_check.now.length || c.could_not_check.removed.length ? `, ${part('could not be checked', c.could_not_check)}` : '';
  return `remediate check ${runId}: ${part('non-compliant', c.non_compliant)}, ${part('at risk', c.at_risk)}${blind}`;
}

/** Only scheme, host and port: paths and queries of webhook URLs are secrets. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return '(invalid URL)';
  }
}

export interface NotifierOptions {
  url: string;
  log(line: string): void;
  fetch?: typeof fetch;
  /** Attempts after the first (default 5). */
  retries?: number;
  /** First retry delay; doubles each time (default 1000 ms), capped at maxBackoffMs (default 60 s). */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Per attempt (default 10 s). */
  timeoutMs?: number;
  sleep?(ms: number): Promise<void>;
}

export interface Notifier {
  /** Queue a delivery and return at once. */
  send(payload: unknown, label?: string): void;
  /** Resolves when everything queued so far was delivered or given up. */
  idle(): Promise<void>;
  /** Deliveries done: true delivered, false given up (in order). */
  readonly results: boolean[];
}

const RETRYABLE = (status: number) => status === 408 || status === 429 || status >= 500;

export function createNotifier(o: NotifierOptions): Notifier {
  const doFetch = o.fetch ?? fetch;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref?.()));
  const retries = o.retries ?? 5;
  const where = safeUrl(o.url);
  const results: boolean[] = [];
  let chain: Promise<void> = Promise.resolve();

  async function deliver(body: string, label: string): Promise<boolean> {
    for (let attempt = 0; attempt <= retries; attempt++) {
      let why: string;
      try {
        const res = await doFetch(o.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'remediate' },
          body,
          signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) {
          o.log(`webhook ${where}: ${label} delivered (HTTP ${res.status}${attempt ? ` after ${attempt} retr${attempt === 1 ? 'y' : 'ies'}` : ''})`);
          return true;
        }
        if (!RETRYABLE(res.status)) {
          o.log(`webhook ${where}: ${label} refused with HTTP ${res.status}; not retrying`);
          return false;
        }
        why = `HTTP ${res.status}`;
      } catch (e) {
        why = (e as Error).name === 'TimeoutError' ? 'timed out' : ((e as { cause?: Error }).cause?.message ?? (e as Error).message);
      }
      if (attempt === retries) {
        o.log(`webhook ${where}: ${label} not delivered after ${retries + 1} attempts (${why}); giving up`);
        return false;
      }
      const wait = Math.min(o.maxBackoffMs ?? 60_000, (o.backoffMs ?? 1000) * 2 ** attempt);
      o.log(`webhook ${where}: ${label} attempt ${attempt + 1} failed (${why}); retrying in ${wait} ms`);
      await sleep(wait);
    }
    return false;
  }

  return {
    results,
    send(payload, label = 'alert') {
      const body = JSON.stringify(payload);
      chain = chain.then(async () => {
        results.push(await deliver(body, label).catch(() => false));
      });
    },
    idle: () => chain,
  };
}
