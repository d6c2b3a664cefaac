// One host's facts: one batched probe, split, parsed, then the refine steps (in registry order,
// each seeing the values before it). Unreachable is a value, and so is a probe that never ran
// (sudo refused it); a parser that throws becomes an Unknown for that fact only.
import { batchNeedsBecome, batchProbe, newNonce, splitBatch } from './batch.js';
import { unknown, type Fact, type FactContext, type ProbeOutput, type ProbeRunner } from './types.js';

export interface Gathered {
  kind: 'facts';
  values: Record<string, unknown>;
  /** Each fact's section of the batch, for the journal and for debugging parsers. */
  raw: Record<string, ProbeOutput>;
}

/**
 * One nonce per run (per cache): the batch is then the same text on every host, which a host's
 * shell parses no faster but the lab caches (a per-host nonce made it lex ~40 KB of nested
 * quoting twice per host, ~2 ms of the lab's ~9). The nonce still tells this run's markers from
 * any other's; forging is prevented by the '|' prefix on every content line, not by secrecy.
 */
function runNonce(cache: Map<string, unknown> | undefined): string {
  if (!cache) return newNonce();
  let n = cache.get('batch-nonce') as string | undefined;
  if (n === undefined) cache.set('batch-nonce', (n = newNonce()));
  return n;
}

export async function gatherFacts(
  run: ProbeRunner,
  facts: readonly Fact<any, any>[],
  ctx: FactContext,
  opts: { cache?: Map<string, unknown>; nonce?: string; become?: boolean; timeoutMs?: number } = {},
): Promise<Gathered | { kind: 'unreachable'; reason: string } | { kind: 'failed'; reason: string }> {
  const nonce = opts.nonce ?? runNonce(opts.cache);
  const become = opts.become ?? batchNeedsBecome(facts);
  const out = await run(batchProbe(facts, { ...ctx, cache: opts.cache }, { nonce, memo: opts.cache }), { become, timeoutMs: opts.timeoutMs });
  if ('kind' in out && out.kind === 'unreachable') return out;
  const res = out as ProbeOutput;
  // Cut at its time limit: the sections it finished are not the host's whole story, and facts
  // read from half a batch would be judged as if they were.
  if (res.timedOutAfterMs !== undefined) return { kind: 'failed', reason: `the fact probe did not finish within ${Math.round(res.timedOutAfterMs / 100) / 10} s (a command on the host hangs, or the host is very slow); nothing was judged from its partial output` };
  // The header is the batch's first output: without it no fact ran, and a fact-by-fact "unknown"
  // would hide the one reason behind all of them (and leave the play's facts without their keys).
  if (!res.stdout.includes(`@@remediate-batch ${nonce}@@`)) return { kind: 'failed', reason: didNotRun(res, become) };
  const sections = splitBatch(res.stdout, nonce);
  const values: Record<string, unknown> = {};
  const raw: Record<string, ProbeOutput> = {};
  for (const f of facts) {
    const s = sections.get(f.name);
    if (!s) { values[f.name] = unknown(`no output for this fact (batch exit ${res.exitCode}${res.stderr ? `: ${res.stderr.trim().split('\n').pop()}` : ''})`); continue; }
    raw[f.name] = s;
    try {
      values[f.name] = f.parse(s, ctx);
    } catch (e) {
      values[f.name] = unknown(`parser failed: ${(e as Error).message}`);
    }
  }
  for (const f of facts) {
    if (!f.refine || !raw[f.name]) continue;
    try {
      values[f.name] = await f.refine(values[f.name], { ...ctx, run, facts: values, cache: opts.cache });
    } catch (e) {
      values[f.name] = unknown(`refine failed: ${(e as Error).message}`);
    }
  }
  return { kind: 'facts', values, raw };
}

/** Why the probe printed not even its header, with sudo's own words and what to do about them. */
function didNotRun(res: ProbeOutput, become: boolean): string {
  const tail = res.stderr.trim().split('\n').slice(-2).join(' / ') || 'no output';
  let hint = '';
  if (become && /password is required|a terminal is required|no askpass/i.test(res.stderr)) {
    hint = ' (the facts read root-only files through sudo, which wants a password here: give it with -K or --become-password-env NAME)';
  } else if (become && /incorrect password/i.test(res.stderr)) {
    hint = ' (sudo refused the password given)';
  }
  return `the fact probe did not run (exit ${res.exitCode ?? 'none'}): ${tail}${hint}`;
}
