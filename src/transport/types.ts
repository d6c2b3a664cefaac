// The Transport seam. Everything above it sees hosts, commands and results as values;
// only transport/ssh touches ssh2 and only transport/local touches zx.

/** How to reach one host: resolved from inventory vars (remediate_* or ansible_* names). */
export interface HostConn {
  /** Inventory name (what the user sees). */
  name: string;
  /** Address actually connected to (ansible_host), defaults to name. */
  address: string;
  port: number;
  user?: string;
  connection: 'ssh' | 'local';
  privateKeyFile?: string;
  /** Replaces ~/.ssh/known_hosts when set (remediate_known_hosts_file / --known-hosts). */
  knownHostsFile?: string;
  hostKeyPolicy?: 'strict' | 'accept-new' | 'off';
  /** ProxyJump-style bastion spec: [user@]host[:port]. */
  proxyJump?: string;
  connectTimeoutMs?: number;
  /** Max concurrent exec channels on this host's connection (sshd MaxSessions, default 10). */
  maxSessions?: number;
  /** SSH keepalive interval (ServerAliveInterval); 0 disables. Default 15 s. */
  keepaliveIntervalMs?: number;
  /**
   * Which of address/port/user the inventory set explicitly, so that they win over
   * ~/.ssh/config. When absent: address counts as set when it differs from name, port when it
   * is not 22, user when defined.
   */
  inventorySet?: { address?: boolean; port?: boolean; user?: boolean };
}

export interface Become {
  user?: string;            // default root
  /** Password for sudo -S; fed over stdin only, never rendered into a command line. */
  password?: string;
}

/** argv: every word is quoted. script: a shell script string, explicitly marked as such. */
export type Command = { argv: string[] } | { script: string };

export interface CommandSpec {
  cmd: Command;
  env?: Record<string, string>;
  cwd?: string;
  become?: Become;
  stdin?: string;
  timeoutMs?: number;
  /** Values to mask in every rendering (logs, errors, journal). */
  secrets?: string[];
  /** Max bytes kept per stream (tail kept). Default 1 MiB. */
  maxOutputBytes?: number;
  /** Allocate a pty (ssh only; stdout and stderr then arrive merged on stdout). The ssh
   *  transport also retries with one when sudo says it needs a tty (RHEL `requiretty`). */
  pty?: boolean;
}

export interface ExecResult {
  kind: 'exit';
  exitCode: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** True when a stream was capped and only its tail kept. */
  truncated?: boolean;
  durationMs: number;
}

/** An unreachable host is a value, never an exception thrown past the host. */
export interface Unreachable {
  kind: 'unreachable';
  reason: string;
  /** auth failures and host-key mismatches must not be retried. */
  permanent?: boolean;
}

export type ExecOutcome = ExecResult | Unreachable;

export interface Transport {
  exec(host: HostConn, spec: CommandSpec): Promise<ExecOutcome>;
  /** Close the host's connection (end of its play). */
  close(host: HostConn): Promise<void>;
  closeAll(): Promise<void>;
}

export const DEFAULT_MAX_OUTPUT = 1024 * 1024;
