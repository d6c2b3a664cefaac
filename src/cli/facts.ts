// Wires the fact registry to the engine's FactGatherer seam: one batched probe per host over
// the host's one connection; the ELF cache is shared by every host of the run.
import { FACTS, gatherFacts } from '../facts/index.js';
import type { FactGatherer } from '../executor/play-host.js';

export function knownFacts(): string[] {
  return Object.keys(FACTS);
}

export function gatherFactsWith(): FactGatherer {
  const cache = new Map<string, unknown>();
  return async (ctx, names, vars) => {
    const facts = names.map((n) => FACTS[n]).filter((f) => f !== undefined);
    const missing = names.filter((n) => !FACTS[n]);
    if (missing.length) return { ok: false, unreachable: false, msg: `unknown fact(s): ${missing.join(', ')} (known: ${knownFacts().join(', ')})` };
    const g = await gatherFacts(
      async (script, o) => {
        const r = await ctx.exec({ cmd: { script }, become: o?.become ? {} : undefined, timeoutMs: o?.timeoutMs, maxOutputBytes: o?.maxOutputBytes });
        return r.kind === 'unreachable' ? r : { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode };
      },
      facts,
      { vars },
      { cache },
    );
    if (g.kind === 'unreachable') return { ok: false, unreachable: true, msg: g.reason };
    return { ok: true, facts: g.values };
  };
}
