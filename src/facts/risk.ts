// `risk`: when will this master die? reloads left = 1024 − keys in use; days left = reloads left
// ÷ reloads per day (the observed rate), from the host's clock.
import { decideLeak, baselineRange, type HostFacts, type LeakDecision, type LeakOptions } from './leak.js';
import { PTHREAD_KEYS_MAX } from './pthread-keys.js';
import { isUnknown } from './types.js';

export type Risk = 'safe' | 'at-risk' | 'critical' | 'unknown';

export interface RiskAssessment {
  risk: Risk;
  reason: string;
  keysInUse: number | null;
  keysKind: 'measured' | 'estimate' | null;
  reloadsLeft: number | null;
  reloadsPerDay: number | null;
  daysLeft: number | null;
  /** YYYY-MM-DD (UTC) of the reload that will fail, or of the death already logged. */
  forecastDeath: string | null;
  leak: LeakDecision;
}

export interface RiskOptions extends LeakOptions {
  /** Dying within this many days is critical. */
  horizonDays: number;
  /** The host's clock (os.clockEpoch), epoch seconds. */
  nowEpoch: number;
}

function isoDate(epoch: number): string {
  return new Date(epoch * 1000).toISOString().slice(0, 10);
}

/** Keys in use: measured, else baseline + reloads (worst case unless the leak is ruled out). */
function keys(f: HostFacts, leak: LeakDecision, opts: RiskOptions): { n: number; kind: 'measured' | 'estimate' } | null {
  const k = f.pthread_keys;
  if (k && !isUnknown(k) && k.kind === 'measured') return { n: k.keysInUse, kind: 'measured' };
  const r = f.apache?.reloads;
  if (!r || isUnknown(r)) return k && !isUnknown(k) ? { n: k.keysInUse, kind: 'estimate' } : null;
  const b = Math.round((baselineRange(f.os, opts.baseline).lo + baselineRange(f.os, opts.baseline).hi) / 2);
  return { n: Math.min(PTHREAD_KEYS_MAX, b + (leak.leaking === false ? 0 : r.count)), kind: 'estimate' };
}

export function assessRisk(facts: HostFacts, opts: RiskOptions): RiskAssessment {
  const leak = decideLeak(facts, opts);
  const base = { keysInUse: null, keysKind: null, reloadsLeft: null, reloadsPerDay: null, daysLeft: null, forecastDeath: null, leak } as const;
  const a = facts.apache;
  if (a && !a.installed) return { ...base, risk: 'safe', reason: 'Apache is not installed' };
  if (a?.dead) {
    return { ...base, risk: 'critical', reason: `already dead: ${leak.detail}`, reloadsLeft: 0, daysLeft: 0, forecastDeath: a.dead.at !== null ? isoDate(a.dead.at) : isoDate(opts.nowEpoch) };
  }
  if (a && !a.running) return { ...base, risk: 'unknown', reason: 'Apache is installed but no master runs (and the logs show no exhaustion)' };
  const k = keys(facts, leak, opts);
  const perDay = a?.reloadFrequency.perDay ?? null;
  const reloadsLeft = k ? Math.max(0, PTHREAD_KEYS_MAX - k.n) : null;
  const common = { ...base, keysInUse: k?.n ?? null, keysKind: k?.kind ?? null, reloadsLeft, reloadsPerDay: perDay };
  const keysText = k ? `${k.n} keys in use (${k.kind}), ${reloadsLeft} reloads left` : 'keys in use unknown';
  if (leak.leaking === false) return { ...common, risk: 'safe', reason: `no leak (${leak.evidence}): ${leak.detail}` };
  if (leak.leaking === null) return { ...common, risk: 'unknown', reason: `cannot tell whether the master leaks: ${leak.undecided.join('; ')}` };
  if (reloadsLeft === null) return { ...common, risk: 'at-risk', reason: `leaks (${leak.evidence}: ${leak.detail}) but ${keysText}` };
  if (perDay === null || perDay <= 0) {
    return { ...common, risk: 'at-risk', reason: `leaks +1 key per reload (${leak.evidence}); ${keysText}; reload rate ${perDay === null ? 'unknown' : 'zero (no scheduled reload)'}, no forecast` };
  }
  const daysLeft = reloadsLeft / perDay;
  const forecastDeath = isoDate(opts.nowEpoch + daysLeft * 86400);
  const risk: Risk = daysLeft <= opts.horizonDays ? 'critical' : 'at-risk';
  return {
    ...common, risk, daysLeft, forecastDeath,
    reason: `leaks +1 key per reload (${leak.evidence}: ${leak.detail}); ${keysText} at ${+perDay.toFixed(3)}/day: dies around ${forecastDeath}${risk === 'critical' ? `, within the ${opts.horizonDays}-day horizon` : ''}`,
  };
}
