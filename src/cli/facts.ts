// Wires the fact registry to the engine's FactGatherer seam: one batched probe per host over
// the host's one connection; the ELF cache is shared by every host of the run.
import { FACTS, gatherFacts, assessRisk, isUnknown, type HostFacts } from '../facts/index.js';
import type { FactGatherer } from '../executor/play-host.js';

export function knownFacts(): string[] {
  return Object.keys(FACTS);
}

/**
 * The fact probe takes ~1 s on a real host. One that hangs (a process in D state, a /proc read
 * or a mount that does not answer) must not hold a check of thousands of hosts for ever; the
 * play's host_timeout, when shorter, cuts it sooner.
 */
export const FACT_PROBE_TIMEOUT_MS = 300_000;

export function gatherFactsWith(): FactGatherer {
  const cache = new Map<string, unknown>();
  return async (ctx, names, vars) => {
    const facts = names.map((n) => FACTS[n]).filter((f) => f !== undefined);
    const missing = names.filter((n) => !FACTS[n]);
    if (missing.length) return { ok: false, unreachable: false, msg: `unknown fact(s): ${missing.join(', ')} (known: ${knownFacts().join(', ')})` };
    const g = await gatherFacts(
      async (script, o) => {
        const r = await ctx.exec({ cmd: { script }, become: o?.become ? {} : undefined, timeoutMs: o?.timeoutMs ?? FACT_PROBE_TIMEOUT_MS, maxOutputBytes: o?.maxOutputBytes });
        return r.kind === 'unreachable' ? r : { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode, ...(r.timedOut ? { timedOutAfterMs: r.durationMs } : {}) };
      },
      facts,
      { vars },
      { cache },
    );
    if (g.kind === 'unreachable') return { ok: false, unreachable: true, msg: g.reason };
    if (g.kind === 'failed') return { ok: false, unreachable: false, msg: g.reason };
    return { ok: true, facts: withRisk(g.values, vars) };
  };
}

/**
 * The derived facts `leak` and `risk` (decided from evidence, strongest first), added when the
 * play gathered what they need. The horizon comes from the var `risk_horizon_days` (default 30);
 * "now" is the host's own clock.
 */
export function withRisk(values: Record<string, unknown>, vars: Record<string, unknown>): Record<string, unknown> {
  if (!('apache' in values) && !('pthread_keys' in values)) return values;
  const os = values.os as { clockEpoch?: number } | undefined;
  const apache = values.apache as { clockEpoch?: number } | undefined;
  const hostNow = (!isUnknown(os) && os?.clockEpoch) || (!isUnknown(apache) && apache?.clockEpoch) || undefined;
  const horizon = Number(vars.risk_horizon_days ?? 30);
  const risk = assessRisk(values as HostFacts, { horizonDays: Number.isFinite(horizon) && horizon > 0 ? horizon : 30, nowEpoch: hostNow ?? Math.floor(Date.now() / 1000) });
  return { ...values, risk, leak: risk.leak };
}
