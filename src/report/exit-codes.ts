// The one exit-code table (README "Exit codes"). Host results combine as bit flags;
// input errors, refusals and aborts are exclusive and win over host results.
export const EXIT = {
  OK: 0,
  /** some host failed (bit) */
  FAILED: 2,
  /** some host unreachable (bit) */
  UNREACHABLE: 4,
  /** check: some host non-compliant (bit) */
  NON_COMPLIANT: 8,
  /** check: some host could not be checked (unreachable or error) (bit) */
  COULD_NOT_CHECK: 16,
  /** bad input: playbook, inventory, pattern or option; nothing was changed */
  BAD_INPUT: 64,
  /** a change needed confirmation and there was no TTY and no --yes */
  REFUSED: 65,
  /** internal error (a bug) */
  INTERNAL: 70,
  /** interrupted by SIGINT/SIGTERM */
  ABORTED: 130,
} as const;
