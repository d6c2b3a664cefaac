// A fingerprint of the durable state facts describe (files, packages, modules), leaving out
// runtime counters (PIDs, uptimes, reload generations, keys in use, clocks) — otherwise every
// host would "drift" between plan and apply.
import { createHash } from 'node:crypto';

// Also left out: things that follow from the clock or the running process rather than from
// files and packages — server-status, the error log's rotation, memory addresses (ASLR), the
// leak verdict drawn from keys vs reloads, whether the master is up. A change there that
// matters shows as a different planned step, which the saved-plan check compares too.
const RUNTIME = /^(status|errorLog|sinceStart|range|address|leak|running|dead|previousDeath|pidfiles|clock\w*|\w*Epoch|pid|\w*_pid|masterPid|uptime\w*|\w*uptime\w*|\w*generation\w*|keys_?in_?use|keysInUse|reloads\w*|\w*Reloads\w*|clock|now|epoch|hostEpoch|etimes|age\w*|started\w*|start_?time|lstart|\w*busy\w*|\w*idle\w*|accesses|traffic|load\w*|requests\w*|forecast\w*|risk|reloadsLeft|\w*Seconds)$/i;

export function durableView(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(durableView);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) if (!RUNTIME.test(k)) out[k] = durableView((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

export function factsFingerprint(facts: unknown): string {
  return createHash('sha256').update(JSON.stringify(durableView(facts ?? {}))).digest('hex').slice(0, 32);
}
