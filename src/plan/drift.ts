// Drift between a saved plan and a host now: which durable facts changed (by path, old → new)
// and which planned steps would now differ (status, class or diff). Pure.
import type { HostPlan, PlannedStep } from './types.js';

type Saved = Pick<HostPlan, 'fingerprint' | 'facts' | 'steps' | 'status'>;

export function hostDrift(saved: Saved, now: Saved, max = 8): string[] {
  const out: string[] = [];
  if (saved.status !== 'planned') return out; // nothing was planned there: nothing to hold to
  if (now.status !== 'planned') return out; // unreachable now: the apply reports it as such
  if (saved.fingerprint !== now.fingerprint) out.push(...factChanges(saved.facts ?? {}, now.facts ?? {}, 'facts', max));
  if (saved.fingerprint !== now.fingerprint && out.length === 0) out.push(`facts fingerprint ${saved.fingerprint ?? 'none'} → ${now.fingerprint ?? 'none'}`);
  out.push(...stepChanges(saved.steps, now.steps).slice(0, Math.max(1, max - out.length)));
  return out;
}

function factChanges(a: unknown, b: unknown, path: string, max: number, out: string[] = []): string[] {
  if (out.length >= max) return out;
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((x, i) => factChanges(x, b[i], `${path}[${i}]`, max, out));
    return out;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) factChanges((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`, max, out);
    return out;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`${path}: ${show(a)} → ${show(b)}`);
  return out;
}

const show = (v: unknown) => (v === undefined ? '(absent)' : (JSON.stringify(v) ?? String(v)).slice(0, 80));

const stepKey = (s: PlannedStep) => `${s.handler ? 'handler' : 'task'} ${s.index ?? '?'}`;

/** Steps whose planned outcome changed. The per-host wording of a reason (PIDs, counters) is not compared. */
function stepChanges(saved: PlannedStep[], now: PlannedStep[]): string[] {
  const out: string[] = [];
  const byKey = new Map(now.map((s) => [stepKey(s), s]));
  for (const s of saved) {
    const n = byKey.get(stepKey(s));
    byKey.delete(stepKey(s));
    if (!n) { out.push(`step '${s.task}': planned ${s.status}, now not reached`); continue; }
    if (n.status !== s.status || n.class !== s.class) out.push(`step '${s.task}': planned ${s.status}${s.class ? ` (${s.class})` : ''}, now ${n.status}${n.class ? ` (${n.class})` : ''}${n.reason ? ` — ${n.reason}` : ''}`);
    else if ((n.diff ?? '') !== (s.diff ?? '')) out.push(`step '${s.task}': its change differs from the plan's diff`);
  }
  for (const n of byKey.values()) out.push(`step '${n.task}': not in the plan, now ${n.status}`);
  return out;
}
