// Turning exec outcomes into module outcomes: what, exit code, and a short stderr tail.
import type { ExecOutcome } from '../transport/types.js';
import type { Outcome } from './types.js';

export function tail(text: string, lines = 5): string {
  const all = text.trimEnd().split('\n');
  return all.slice(-lines).join('\n');
}

/** A one-line failure message for a finished command: what, exit code or signal, stderr tail. */
export function describeFailure(what: string, r: ExecOutcome): string {
  if (r.kind === 'unreachable') return `${what}: unreachable: ${r.reason}`;
  if (r.timedOut) return `${what}: timed out after ${r.durationMs} ms`;
  const how = r.exitCode !== null ? `exit ${r.exitCode}` : `killed by ${r.signal ?? 'signal'}`;
  const err = tail(r.stderr || r.stdout);
  return err ? `${what}: ${how}: ${err}` : `${what}: ${how}`;
}

export function unreachableOutcome(r: ExecOutcome): Outcome | undefined {
  return r.kind === 'unreachable' ? { status: 'unreachable', msg: r.reason } : undefined;
}

/** The registered value of a command, like Ansible's: rc, stdout, stderr, stdout_lines. */
export function registered(r: ExecOutcome): Record<string, unknown> {
  if (r.kind === 'unreachable') return { unreachable: true, msg: r.reason };
  return {
    rc: r.exitCode,
    stdout: r.stdout,
    stderr: r.stderr,
    stdout_lines: r.stdout === '' ? [] : r.stdout.replace(/\n$/, '').split('\n'),
    timed_out: r.timedOut,
    failed: r.exitCode !== 0,
  };
}
