// What a recorded run was given, for the commands that act on it later: its -e values (as the
// journal's redacted argv kept them) and its inventory's variables. `resume` plans with them;
// `rollback` re-runs the undone steps' handlers with them (a restart staggered as the run had it).
import { MASK } from '../journal/index.js';
import { InputError } from '../source/errors.js';
import type { Io } from './io.js';
import { loadInventoryView, parseExtraVars } from './setup.js';

/**
 * The -e/--extra-vars values of a run's recorded argv (as redactArgv stored them), in order: a
 * resumed run must see the variables the run was planned with (a canary's reload count, a
 * version pin), not the playbook's defaults.
 */
export function recordedExtraVars(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const w = argv[i];
    if (w === '--') break;
    if (w === '-e' || w === '--extra-vars') {
      if (i + 1 < argv.length) out.push(argv[++i]);
    } else if (w.startsWith('--extra-vars=')) out.push(w.slice('--extra-vars='.length));
    else if (w.startsWith('-e=')) out.push(w.slice(3));
    else if (/^-e[^-]/.test(w)) out.push(w.slice(2));
  }
  return out;
}

/**
 * The run's variables for its handlers: its -e values (those the journal masked, as secrets, are
 * left out) and its inventory's host vars (none when the inventory no longer loads). Each gap is
 * a warning, never an error: the rollback itself does not need them.
 */
export async function recordedRunVars(run: { id: string; argv: readonly string[]; inventoryPaths: readonly string[] }, io: Io): Promise<{ extraVars: Record<string, unknown>; hostVars: (host: string) => Record<string, unknown>; warnings: string[] }> {
  const warnings: string[] = [];
  const items = recordedExtraVars(run.argv);
  const kept = items.filter((v) => !v.includes(MASK));
  if (kept.length < items.length) warnings.push(`run ${run.id} was given extra vars holding secrets, which the journal does not keep: handlers run without them`);
  let extraVars: Record<string, unknown> = {};
  try {
    extraVars = parseExtraVars(kept, io.cwd);
  } catch (e) {
    warnings.push(`run ${run.id}'s extra vars no longer load (${e instanceof InputError ? e.problems[0]?.message : (e as Error).message}): handlers run without them`);
  }
  let hostVars: (host: string) => Record<string, unknown> = () => ({});
  if (run.inventoryPaths.length) {
    try {
      const { view } = await loadInventoryView({ inventory: [...run.inventoryPaths] }, io);
      hostVars = (h) => view.hostVars(h);
    } catch (e) {
      warnings.push(`run ${run.id}'s inventory (${run.inventoryPaths.join(', ')}) no longer loads (${e instanceof InputError ? e.problems[0]?.message : (e as Error).message}): handlers run without its variables`);
    }
  }
  return { extraVars, hostVars, warnings };
}
