// What the CLI needs from the outside world, gathered once in main.ts (the only place that
// touches `process`), so every command is testable in-process.

export interface Io {
  /** argv as given (for the journal, redacted there). */
  argv: string[];
  out(text: string): void;
  err(text: string): void;
  isTTY: boolean;
  /** terminal width for progress bars */
  columns: number;
  color: boolean;
  env: Record<string, string | undefined>;
  cwd: string;
  home: string;
  user: string;
  hostname: string;
  pid: number;
  /** Ask a yes/no question on the TTY; undefined when there is no TTY. */
  ask?(question: string): Promise<string>;
  /** Ask for a secret without echo; undefined when there is no TTY. */
  askSecret?(question: string): Promise<string>;
  /** Aborts on the first SIGINT/SIGTERM. */
  signal: AbortSignal;
  /** Rewrite the current terminal line (progress); absent without a TTY. */
  status?(line: string): void;
}
