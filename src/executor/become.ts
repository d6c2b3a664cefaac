// The become a host command runs with, and the run's sudo password with it.
import type { Become, CommandSpec } from '../transport/types.js';

/**
 * `spec` with its become settled: its own (the fact batch asks for root with `become: {}`), else
 * the task's or play's `dflt`; either way with the run's sudo password (-K), which a spec's own
 * become used to drop: facts then failed on every host whose sudo wants a password. The password
 * joins every command's secrets (become or not), so no rendering or output shows it.
 */
export function withBecome(spec: CommandSpec, dflt: { user?: string } | undefined, password: string | undefined): CommandSpec {
  const b: Become | undefined = spec.become ?? dflt;
  if (password === undefined) return b ? { ...spec, become: b } : spec;
  const secrets = [...(spec.secrets ?? []), password];
  return { ...spec, secrets, ...(b ? { become: b.password !== undefined ? b : { ...b, password } } : {}) };
}
