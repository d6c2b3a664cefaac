// What `remediate lab up|status|advance|down` call: start the lab's background process beside an
// inventory, talk to it over its control socket, stop it. The lab's state (pid, seed, socket,
// keys, known_hosts) lives in <inventory dir>/.lab/, never in the journal's state dir.
// Signals, liveness and the daemon's command line come in as a ProcessControl: only src/cli
// touches `process` (src/cli/lab-process.ts builds the real one).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ControlReply, ControlRequest, DaemonOptions, LabState } from './daemon.js';
import { statePath } from './daemon.js';
import type { Profile } from './fleet.js';
import { stateDirFor, type LabStatus } from './lab.js';

export type LabErrorCode = 'bad-input' | 'already-running' | 'not-running' | 'start-failed' | 'no-answer';

/** A lab lifecycle problem the CLI reports as bad input (exit 2) or an operational error. */
export class LabError extends Error {
  constructor(readonly code: LabErrorCode, message: string) {
    super(message);
  }
}

export const PROFILES: readonly Profile[] = ['incident', 'mixed', 'faulty'];

export interface LabUpOptions {
  hosts: number;
  profile: Profile;
  seed: number;
  inventoryPath: string;
  /** Port on each host address (default 2222; 0 = ephemeral ports, for tests). */
  basePort?: number;
  /** How long to wait for every host to listen (default 120 s). */
  timeoutMs?: number;
}

/** What the lab's lifecycle needs from the operating system's processes. */
export interface ProcessControl {
  /** Whether `pid` is running (a signal 0 that reaches it, or is refused with EPERM). */
  isAlive(pid: number): boolean;
  /** Send `sig` to `pid`; a process already gone is not an error. */
  signal(pid: number, sig: 'SIGTERM' | 'SIGKILL'): void;
  /** The node binary that runs the daemon. */
  nodePath: string;
  /** Arguments before the options JSON: node flags (e.g. a loader) and the daemon's entry script. */
  daemonArgs: readonly string[];
  /** Node flags for a daemon serving `hosts` hosts (e.g. a heap cap), placed before daemonArgs. */
  nodeFlags?(hosts: number): string[];
}

export interface LabUpResult {
  state: LabState;
  /** Time from spawning the daemon to every host listening. */
  readyMs: number;
}

function validate(o: LabUpOptions): void {
  if (!Number.isInteger(o.hosts) || o.hosts < 1 || o.hosts > 60000) throw new LabError('bad-input', `--hosts: expected a whole number from 1 to 60000, got ${o.hosts}`);
  if (!PROFILES.includes(o.profile)) throw new LabError('bad-input', `--profile: expected one of ${PROFILES.join(', ')}, got ${JSON.stringify(o.profile)}`);
  if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff) throw new LabError('bad-input', `--seed: expected a whole number from 0 to 4294967295, got ${o.seed}`);
  if (o.basePort !== undefined && (!Number.isInteger(o.basePort) || o.basePort < 0 || o.basePort > 65535)) throw new LabError('bad-input', `port: expected 0-65535, got ${o.basePort}`);
}

/** The control socket's path: in .lab/ when short enough for a unix socket, else in the temp dir. */
export function socketPathFor(inventoryPath: string, tmp = tmpdir()): string {
  const inState = join(stateDirFor(inventoryPath), 'control.sock');
  if (Buffer.byteLength(inState) < 100) return inState;
  return join(tmp, `remediate-lab-${createHash('sha256').update(stateDirFor(inventoryPath)).digest('hex').slice(0, 16)}.sock`);
}

/** The running lab's state.json, or null when there is none. */
export function readLabState(inventoryPath: string): LabState | null {
  const p = statePath(inventoryPath);
  if (!existsSync(p)) return null;
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as LabState;
  } catch {
    return null;
  }
}

/** One request over the control socket. */
export function request(socketPath: string, req: ControlRequest, timeoutMs = 60_000): Promise<ControlReply> {
  return new Promise((res, rej) => {
    const sock = connect(socketPath);
    let buf = '';
    const timer = setTimeout(() => { sock.destroy(); rej(new LabError('no-answer', `the lab did not answer on ${socketPath} within ${timeoutMs} ms`)); }, timeoutMs);
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(JSON.stringify(req) + '\n'));
    sock.on('data', (d: string) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      sock.end();
      try {
        res(JSON.parse(buf.slice(0, nl)) as ControlReply);
      } catch (e) {
        rej(e);
      }
    });
    sock.on('error', (e) => { clearTimeout(timer); rej(e); });
  });
}

/**
 * Start a lab in the background and wait until every host listens. Writes the inventory, the
 * known_hosts file and the client key; the daemon's log goes to .lab/daemon.log.
 */
export async function labUp(o: LabUpOptions, proc: ProcessControl): Promise<LabUpResult> {
  validate(o);
  const inventoryPath = resolve(o.inventoryPath);
  const existing = readLabState(inventoryPath);
  if (existing && proc.isAlive(existing.pid)) {
    throw new LabError('already-running', `a lab is already running for ${inventoryPath} (pid ${existing.pid}, ${existing.hosts} hosts, seed ${existing.seed}); \`remediate lab down\` stops it`);
  }
  const stateDir = stateDirFor(inventoryPath);
  mkdirSync(stateDir, { recursive: true });
  const socketPath = socketPathFor(inventoryPath);
  const opts: DaemonOptions = { hosts: o.hosts, profile: o.profile, seed: o.seed, inventoryPath, basePort: o.basePort, socketPath };
  const log = openSync(join(stateDir, 'daemon.log'), 'a');
  const t0 = performance.now();
  const child = spawn(proc.nodePath, [...(proc.nodeFlags?.(opts.hosts) ?? []), ...proc.daemonArgs, JSON.stringify(opts)], { detached: true, stdio: ['ignore', log, log, 'ipc'], cwd: stateDir });
  closeSync(log);
  try {
    const state = await new Promise<LabState>((res, rej) => {
      const timer = setTimeout(() => rej(new LabError('start-failed', `the lab did not come up within ${o.timeoutMs ?? 120_000} ms (see ${join(stateDir, 'daemon.log')})`)), o.timeoutMs ?? 120_000);
      child.on('message', (m: { ready: boolean; state?: LabState; error?: string }) => {
        clearTimeout(timer);
        if (m.ready && m.state) res(m.state);
        else rej(new LabError('start-failed', `the lab failed to start: ${m.error ?? 'unknown error'} (see ${join(stateDir, 'daemon.log')})`));
      });
      child.on('exit', (code, sig) => {
        clearTimeout(timer);
        rej(new LabError('start-failed', `the lab process exited (${sig ?? `code ${code}`}) before it was ready (see ${join(stateDir, 'daemon.log')})`));
      });
      child.on('error', (e) => { clearTimeout(timer); rej(new LabError('start-failed', `cannot start the lab process: ${e.message}`)); });
    });
    return { state, readyMs: Math.round(performance.now() - t0) };
  } catch (e) {
    if (child.exitCode === null) child.kill('SIGKILL');
    throw e;
  } finally {
    child.removeAllListeners();
    if (child.connected) child.disconnect();
    child.unref();
  }
}

/** Ask the running lab; a missing state file or a socket nobody listens on means no lab runs. */
async function ask(inventoryPath: string, req: ControlRequest): Promise<ControlReply & { ok: true }> {
  const notRunning = () => new LabError('not-running', `no lab is running for ${resolve(inventoryPath)} (\`remediate lab up\` starts one)`);
  const s = readLabState(resolve(inventoryPath));
  if (!s) throw notRunning();
  let r: ControlReply;
  try {
    r = await request(s.socket, req);
  } catch (e) {
    // a lab killed without `down` leaves its state file and socket behind
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ECONNREFUSED') throw notRunning();
    throw e;
  }
  if (!r.ok) throw new LabError('bad-input', r.error);
  return r;
}

/** The fleet's ground truth: counts per distro, at risk, crashed, keys in use; per host on request. */
export async function labStatus(inventoryPath: string, o: { perHost?: boolean; hash?: boolean } = {}): Promise<LabStatus> {
  const r = await ask(inventoryPath, { op: 'status', perHost: o.perHost, hash: o.hash });
  return r.status!;
}

/** Simulate `days` daily logrotate runs (weekly on RHEL): each reloads Apache gracefully. */
export async function labAdvance(inventoryPath: string, days: number): Promise<LabStatus> {
  if (!Number.isInteger(days) || days < 0 || days > 36500) throw new LabError('bad-input', `--days: expected a whole number from 0 to 36500, got ${days}`);
  const r = await ask(inventoryPath, { op: 'advance', days });
  return r.status!;
}

/** Stop the lab (its hosts stop listening; state.json and the socket are removed). */
export async function labDown(inventoryPath: string, proc: ProcessControl, o: { timeoutMs?: number } = {}): Promise<{ stopped: boolean; pid: number | null }> {
  const s = readLabState(resolve(inventoryPath));
  if (!s || !proc.isAlive(s.pid)) {
    rmSync(statePath(resolve(inventoryPath)), { force: true }); // a stale state file (crashed lab)
    return { stopped: false, pid: s?.pid ?? null };
  }
  try {
    await request(s.socket, { op: 'down' }, 10_000);
  } catch {
    // not answering: the process we started gets a SIGTERM
    proc.signal(s.pid, 'SIGTERM');
  }
  const deadline = Date.now() + (o.timeoutMs ?? 15_000);
  while (proc.isAlive(s.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (proc.isAlive(s.pid)) proc.signal(s.pid, 'SIGKILL');
  return { stopped: true, pid: s.pid };
}
