// One probe per host: every fact's script runs as its own `sh -c` section (a syntax error or an
// `exit` stays in its section), with stdout, stderr and exit code kept apart.
//
// Output protocol (a line never starts with '@@' unless it is ours):
//   @@remediate-batch NONCE@@
//   @@remediate-fact NONCE begin NAME@@
//   @@remediate-fact NONCE stderr NAME@@     then stderr lines, each prefixed with '|'
//   @@remediate-fact NONCE stdout NAME@@     then stdout lines, each prefixed with '|'
//   @@remediate-fact NONCE end NAME RC@@
// Every content line is prefixed, so no output can forge a marker, nonce known or not; the random
// nonce is a second lock (and tells this run's markers from any other run's).
import { randomBytes } from 'node:crypto';
import { shQuote } from '../transport/quote.js';
import { sh } from './shell.js';
import type { Fact, FactContext, ProbeOutput } from './types.js';

const NAME = /^[a-z][a-z0-9_]*$/;
const NONCE = /^[A-Za-z0-9]{8,64}$/;

export function newNonce(bytes: () => Buffer = () => randomBytes(12)): string {
  return bytes().toString('hex');
}

/** The batch must run with become when any of its facts reads root-only files. */
export function batchNeedsBecome(facts: readonly Fact<any, any>[]): boolean {
  return facts.some((f) => f.needsBecome === true);
}

function section(name: string, script: string, nonce: string): string {
  // stdout is captured whole (so it cannot interleave with the streamed stderr), followed by a
  // newline and the exit code, which is split off again below.
  return sh`printf '\n@@remediate-fact %s begin %s@@\n' ${shQuote(nonce)} ${shQuote(name)}
printf '@@remediate-fact %s stderr %s@@\n' ${shQuote(nonce)} ${shQuote(name)}
__o=$( { { sh -c ${shQuote(script)} 4>&-; printf '\n%s' "$?"; } 2>&1 1>&3 3>&- | sed 's/^/|/' >&4; } 3>&1 )
__rc=$\{__o##*"$__nl"}; __o=$\{__o%"$__nl"*}
printf '\n@@remediate-fact %s stdout %s@@\n' ${shQuote(nonce)} ${shQuote(name)}
printf '%s\n' "$__o" | sed 's/^/|/'
printf '\n@@remediate-fact %s end %s %s@@\n' ${shQuote(nonce)} ${shQuote(name)} "$__rc"
`;
}

/** Stands for the nonce in a memoised batch (alphanumeric, so shQuote leaves it bare). */
const NONCE_SLOT = 'REMEDIATEnonceSLOT7q3v';

/**
 * One POSIX sh script running every fact's probe in order. With `memo` (a run-wide cache), the
 * script is assembled once per distinct set of probe texts and only the nonce differs per host:
 * quoting ~40 KB of probe text for every host was a visible share of the controller's CPU.
 */
export function batchProbe(facts: readonly Fact<any, any>[], ctx: FactContext, opts: { nonce?: string; memo?: Map<string, unknown> } = {}): string {
  const nonce = opts.nonce ?? newNonce();
  if (!NONCE.test(nonce)) throw new Error(`batch nonce must be 8-64 alphanumerics, got ${JSON.stringify(nonce)}`);
  if (!opts.memo) return assemble(facts, ctx, nonce);
  const probes = facts.map((f) => f.probe(ctx));
  // Variants of one fact list, found by comparing probe texts one by one: most are the very same
  // string each host (compared by reference), and no ~25 KB key is built and hashed per host.
  const listKey = `batch\0${facts.map((f) => f.name).join(',')}`;
  let variants = opts.memo.get(listKey) as BatchVariant[] | undefined;
  if (!variants) opts.memo.set(listKey, (variants = []));
  let v = variants.find((x) => x.probes.every((p, i) => p === probes[i]));
  if (!v) {
    // Probes that differ per host (host vars in them) would make a variant per host: past a few,
    // assemble each batch as without a memo.
    if (variants.length >= MAX_VARIANTS) return assemble(facts.map((f, i) => ({ ...f, probe: () => probes[i] })), ctx, nonce);
    const template = assemble(facts.map((f, i) => ({ ...f, probe: () => probes[i] })), ctx, NONCE_SLOT);
    v = { probes, template };
    variants.push(v);
  }
  // A run uses one nonce (gather.ts), so every host gets the very same string back; only the
  // last nonce's script is kept, so callers with a nonce per host do not grow the memo.
  if (v.last?.nonce !== nonce) v.last = { nonce, script: v.template.split(NONCE_SLOT).join(nonce) };
  return v.last.script;
}

/** A run learns a batch per distinct set of libcs (seven in the incident fleet). */
const MAX_VARIANTS = 32;

/** One assembled batch: its probe texts, the script with a nonce slot, the last nonce's script. */
interface BatchVariant {
  probes: string[];
  template: string;
  last?: { nonce: string; script: string };
}

function assemble(facts: readonly Fact<any, any>[], ctx: FactContext, nonce: string): string {
  const seen = new Set<string>();
  const parts = [sh`exec 4>&1
__nl='
'
printf '@@remediate-batch %s@@\n' ${shQuote(nonce)}
`];
  const shared = new Set<string>();
  for (const f of facts) if (f.batchShared && !shared.has(f.batchShared)) { shared.add(f.batchShared); parts.push(`${f.batchShared}\n`); }
  for (const f of facts) {
    if (!NAME.test(f.name)) throw new Error(`fact name must match ${NAME}, got ${JSON.stringify(f.name)}`);
    if (seen.has(f.name)) throw new Error(`fact ${f.name} appears twice in one batch`);
    seen.add(f.name);
    parts.push(section(f.name, f.probe(ctx), nonce));
  }
  return parts.join('');
}

/**
 * Split a batch's stdout into each fact's output. A section cut short (timeout, truncated output)
 * is returned with what arrived and exitCode null; a fact with no section at all is absent.
 * Without `nonce` the one in the batch header is used (the header is printed before any fact runs).
 */
export function splitBatch(stdout: string, nonce?: string): Map<string, ProbeOutput> {
  const lines = stdout.split('\n');
  let n = nonce;
  if (n === undefined) {
    for (const l of lines) {
      const m = /^@@remediate-batch ([A-Za-z0-9]+)@@$/.exec(l);
      if (m) { n = m[1]; break; }
    }
    if (n === undefined) return new Map();
  }
  const marker = new RegExp(`^@@remediate-fact ${n} (begin|stderr|stdout|end) ([a-z][a-z0-9_]*)(?: (\\d*))?@@$`);
  const out = new Map<string, ProbeOutput>();
  let cur: { name: string; mode: 'none' | 'stderr' | 'stdout'; out: string[]; err: string[] } | undefined;
  const close = (exitCode: number | null) => {
    if (!cur) return;
    out.set(cur.name, { stdout: cur.out.join('\n'), stderr: cur.err.join('\n'), exitCode });
    cur = undefined;
  };
  for (const l of lines) {
    if (l.startsWith('|')) {
      if (cur?.mode === 'stdout') cur.out.push(l.slice(1));
      else if (cur?.mode === 'stderr') cur.err.push(l.slice(1));
      continue;
    }
    const m = marker.exec(l);
    if (!m) continue; // blank separators, or anything printed outside the protocol
    const [, kind, name, rc] = m;
    if (kind === 'begin') {
      close(null);
      cur = { name, mode: 'none', out: [], err: [] };
    } else if (cur && cur.name === name) {
      if (kind === 'end') close(rc === undefined || rc === '' ? null : Number(rc));
      else cur.mode = kind as 'stderr' | 'stdout';
    }
  }
  close(null);
  return out;
}
