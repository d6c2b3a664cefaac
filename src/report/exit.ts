// The exit code from a recap (README "Exit codes"; the table is exit-codes.ts).
// Host results combine as bits; an abort is exclusive and wins (bad input and refusals never
// reach a recap: the CLI returns those codes before anything runs).
import { EXIT } from './exit-codes.js';
import type { Recap } from './recap.js';

export type Command = 'apply' | 'plan' | 'check' | 'run';

export function exitCodeFor(r: Recap, command: Command, o: { aborted?: boolean } = {}): number {
  if (o.aborted || r.aborted) return EXIT.ABORTED;
  let code: number = EXIT.OK;
  if (command === 'check') {
    for (const h of r.hosts) {
      const checked = h.checks_passed + h.checks_failed + h.checks_error;
      if (h.checks_failed > 0) code |= EXIT.NON_COMPLIANT;
      // Unreachable, an assertion that could not be evaluated, or a host that ended badly
      // (its fact probe failed) before any assertion ran: could not check.
      if (h.checks_error > 0 || h.unreachable > 0 || (checked === 0 && h.status !== undefined && h.status !== 'ok')) code |= EXIT.COULD_NOT_CHECK;
    }
    return code;
  }
  for (const h of r.hosts) {
    if (h.failed > 0 || h.rollback_failed > 0) code |= EXIT.FAILED;
    if (h.unreachable > 0) code |= EXIT.UNREACHABLE;
  }
  return code;
}
