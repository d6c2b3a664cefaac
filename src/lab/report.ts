// Text forms of `lab status` for the CLI: a summary, `--hash` lines and `--mutations` lines
// (`--json` is the LabStatus object itself).
import type { LabStatus } from './lab.js';

/** The fleet at a glance: distros, at risk, crashed, keys in use. */
export function statusSummary(s: LabStatus): string {
  const distros = Object.entries(s.byDistro).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return [
    `lab: ${s.hosts} hosts, profile ${s.profile}, seed ${s.seed}, ${s.days} day(s) advanced`,
    `  distros: ${distros.map(([d, n]) => `${d} ${n}`).join(', ')}`,
    `  at risk: ${s.atRisk} (will die of the pthread-key leak, or already did)`,
    `  crashed: ${s.crashed}`,
    `  keys in use (live masters): min ${s.keys.min}, mean ${s.keys.mean}, max ${s.keys.max} of 1024`,
  ].join('\n');
}

/** `HOST SHA256` per host, sorted by host: equal before and after proves a rollback restored state. */
export function hashLines(s: LabStatus): string {
  if (!s.perHost) throw new Error('hashLines: status was taken without per-host hashes ({ hash: true })');
  return [...s.perHost].sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0)).map((h) => `${h.host} ${h.hash}`).join('\n') + '\n';
}

/** `HOST N` mutations per host, sorted by host: all 0 proves a dry run changed nothing. */
export function mutationLines(s: LabStatus): string {
  if (!s.perHost) throw new Error('mutationLines: status was taken without per-host rows ({ perHost: true })');
  return [...s.perHost].sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0)).map((h) => `${h.host} ${h.mutations}`).join('\n') + '\n';
}
