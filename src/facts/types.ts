// The fact seam: a fact is a read-only POSIX sh probe plus a pure parser of what it printed.
// Probes run batched (one script per host, see batch.ts); parsers never throw on odd output:
// anything missing becomes an Unknown value carrying the reason.

/** What one probe (or one section of a batched probe) produced on the host. */
export interface ProbeOutput {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  /** The command was cut at its time limit after this many ms (its output is partial). */
  timedOutAfterMs?: number;
}

export interface FactContext {
  /** Host and play variables (e.g. php_extension_name). */
  vars: Record<string, unknown>;
  /** Lives as long as the controller run, shared by all hosts (e.g. parsed ELF files by sha256). */
  cache?: Map<string, unknown>;
}

/** Runs one extra script on the same host (used by two-step facts such as pthread_keys). */
export type ProbeRunner = (
  script: string,
  opts?: { become?: boolean; timeoutMs?: number; maxOutputBytes?: number },
) => Promise<ProbeOutput | { kind: 'unreachable'; reason: string }>;

export interface RefineContext extends FactContext {
  run: ProbeRunner;
  /** Values of the other facts of this host already parsed (by fact name). */
  facts: Record<string, unknown>;
}

export interface Fact<T = unknown, R = T> {
  name: string;
  /** The probe reads root-only things (/proc/PID/maps or mem of a root process). */
  needsBecome?: boolean;
  /** A POSIX sh script (dash-compatible), read-only, every interpolated value quoted with shQuote. */
  probe(ctx: FactContext): string;
  parse(out: ProbeOutput, ctx: FactContext): T;
  /** Optional second step that needs the controller in between (e.g. ELF parsing, then a read). */
  refine?(value: T, ctx: RefineContext): Promise<R>;
  /**
   * Work several facts' probes share, run once per batch in the batch's own shell before the
   * sections (which inherit what it exports); the same text from several facts runs once. It
   * prints nothing on stdout, and each probe must still work without it (run on its own).
   */
  batchShared?: string;
}

/** A value that could not be determined, and why (a missing tool, no permission, no process…). */
export interface Unknown {
  unknown: true;
  reason: string;
}

export function unknown(reason: string): Unknown {
  return { unknown: true, reason };
}

export function isUnknown(v: unknown): v is Unknown {
  return typeof v === 'object' && v !== null && (v as { unknown?: unknown }).unknown === true;
}

/** T or the reason it is unknown. */
export type Maybe<T> = T | Unknown;
