// The kill -9 soak's moving parts, shared by the ava tests (test/soak/*.test.ts) and the long
// runner (bench/soak.ts): a seeded PRNG, the real remediate CLI as a child controller process, a
// read-only watcher on its SQLite journal that decides when to SIGKILL it, and what the journal
// says about the run afterwards.
import Database from 'better-sqlite3';
import { seededRandom } from '../../src/executor/order.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newestMtime(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** A path in the repository, from test/soak (tsx) or dist/test/soak (npm run soak) alike. */
export function repoPath(rel: string): string {
  let dir = fileURLToPath(new URL('.', import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dir !== '/') dir = join(dir, '..');
  return join(dir, rel);
}

function freshBuild(built: string, src: string): boolean {
  return existsSync(built) && statSync(built).mtimeMs >= newestMtime(src);
}
import { fileURLToPath } from 'node:url';

/** The product's seeded PRNG (mulberry32), so a failing seed replays the same kill point. */
export function prng(seed: number): () => number {
  // murmur3's finaliser first: neighbouring seeds (1, 2, 3…) would otherwise start alike.
  let a = seed >>> 0;
  a = Math.imul(a ^ (a >>> 16), 0x85ebca6b);
  a = Math.imul(a ^ (a >>> 13), 0xc2b2ae35);
  return seededRandom((a ^ (a >>> 16)) >>> 0);
}

/** A whole number in [lo, hi]. */
export function pick(rand: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}

/**
 * The CLI entry beside this file: src/cli/main.ts under tsx (ava), dist/src/cli/main.js once
 * built (npm run soak runs dist/bench/soak.js, whose harness is dist/test/soak/harness.js).
 */
export function controllerCommand(): { node: string; args: string[] } {
  const here = import.meta.url;
  // Under ava the build in dist/ is used when it is newer than every source file (npm test
  // builds first): a controller then starts in a fraction of tsx's time.
  const built = fileURLToPath(new URL('../../dist/src/cli/main.js', here));
  if (here.endsWith('.ts') && freshBuild(built, fileURLToPath(new URL('../../src', here)))) return { node: process.execPath, args: [built] };
  if (here.endsWith('.ts')) {
    return { node: process.execPath, args: ['--import', import.meta.resolve('tsx'), fileURLToPath(new URL('../../src/cli/main.ts', here))] };
  }
  return { node: process.execPath, args: [fileURLToPath(new URL('../../src/cli/main.js', here))] };
}

export interface Controller {
  child: ChildProcess;
  pid: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last 16 KB of stdout+stderr, for failure messages. */
  tail(): string;
}

/** Start `remediate ARGV` as a separate process (a real controller that can be killed). */
export function startController(argv: string[], o: { cwd: string; env: Record<string, string> }): Controller {
  const { node, args } = controllerCommand();
  const child = spawn(node, [...args, ...argv], { cwd: o.cwd, env: { ...process.env, NO_COLOR: '1', ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let buf = '';
  const keep = (d: Buffer) => {
    buf += d.toString('utf8');
    if (buf.length > 32_768) buf = buf.slice(-16_384);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { child, pid: child.pid!, exited, tail: () => buf.slice(-16_384) };
}

/** What the journal shows of one controller's run, read while (or after) it runs. */
export interface Progress {
  runId?: string;
  status?: string;
  /** Step intents of any class. */
  intents: number;
  /** Reversible steps whose outcome is `changed`: confirmed mutations. */
  mutations: number;
  /** Intents without an outcome (the step may or may not have run). */
  open: number;
  /** Hosts recorded in the run (placed in a started batch). */
  hosts: number;
}

/**
 * A read-only look at the journal file (never the product's writer connection): which run the
 * controller with this pid started, and how far its steps got.
 */
export class JournalWatch {
  private db?: Database.Database;
  constructor(readonly path: string) {}

  progress(pid: number): Progress {
    const none: Progress = { intents: 0, mutations: 0, open: 0, hosts: 0 };
    if (!this.db) {
      if (!existsSync(this.path)) return none;
      try {
        this.db = new Database(this.path, { readonly: true, fileMustExist: true });
        this.db.pragma('busy_timeout = 2000');
      } catch {
        return none; // created but not yet a database (the controller is migrating it)
      }
    }
    try {
      const run = this.db.prepare(`SELECT id, status FROM runs WHERE pid = ? AND command = 'apply' ORDER BY started DESC, rowid DESC LIMIT 1`).get(pid) as { id: string; status: string } | undefined;
      if (!run) return none;
      const s = this.db
        .prepare(`SELECT count(*) AS intents, coalesce(sum(class = 'reversible' AND status = 'changed'), 0) AS mutations, coalesce(sum(status IS NULL), 0) AS open FROM steps WHERE run_id = ?`)
        .get(run.id) as { intents: number; mutations: number; open: number };
      const h = this.db.prepare('SELECT count(*) AS n FROM run_hosts WHERE run_id = ?').get(run.id) as { n: number };
      return { runId: run.id, status: run.status, ...s, hosts: h.n };
    } catch {
      return none; // the schema is not there yet
    }
  }

  close(): void {
    this.db?.close();
    this.db = undefined;
  }
}

/** When to pull the trigger, drawn from the seed. */
export interface KillPoint {
  /** `mutations`: after the k-th confirmed mutation; `intents`: right after the k-th intent commit (likely mid-step). */
  on: 'mutations' | 'intents';
  k: number;
}

export function drawKillPoint(rand: () => number, maxMutations: number): KillPoint {
  const on = rand() < 0.5 ? 'mutations' : 'intents';
  // intents run ahead of mutations; at least one mutation must have landed either way.
  return { on, k: pick(rand, 1, Math.max(1, maxMutations)) };
}

export interface KillResult {
  /** Progress the watcher saw when it sent SIGKILL (the journal may hold a little more). */
  atKill: Progress;
  /** The controller exited on its own before the kill point: a useless round. */
  finishedFirst: boolean;
  code: number | null;
  signal: NodeJS.Signals | null;
  ms: number;
}

/**
 * Poll the journal every `pollMs` and SIGKILL the controller once the kill point is reached
 * (and at least one mutation is confirmed).
 */
export async function killWhen(ctl: Controller, watch: JournalWatch, at: KillPoint, o: { pollMs?: number; timeoutMs?: number } = {}): Promise<KillResult> {
  const t0 = Date.now();
  let done = false;
  ctl.exited.then(() => (done = true));
  const deadline = t0 + (o.timeoutMs ?? 120_000);
  for (;;) {
    if (done) break;
    const p = watch.progress(ctl.pid);
    const reached = p.mutations >= 1 && (at.on === 'mutations' ? p.mutations >= at.k : p.intents >= at.k);
    if (reached || Date.now() > deadline) {
      try {
        process.kill(ctl.pid, 'SIGKILL');
      } catch {
        // exited meanwhile
      }
      const r = await ctl.exited;
      return { atKill: p, finishedFirst: r.signal !== 'SIGKILL', ...r, ms: Date.now() - t0 };
    }
    await new Promise((r) => setTimeout(r, o.pollMs ?? 5));
  }
  const r = await ctl.exited;
  return { atKill: watch.progress(ctl.pid), finishedFirst: true, ...r, ms: Date.now() - t0 };
}

/** SQLite's own verdict on the file: 'ok' when every page and index is consistent. */
export function integrityCheck(path: string): string {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return String(db.pragma('integrity_check', { simple: true }));
  } finally {
    db.close();
  }
}

/** Every inventory host `show RUN --json` accounts for, with its status ('not started' when never placed). */
export function hostsShown(showJson: string): Map<string, string> {
  const run = JSON.parse(showJson) as { liveness?: string; hostList: { host: string; status: string }[]; connection: { hosts: Record<string, unknown> } };
  const out = new Map<string, string>();
  // A host 'running' in a run whose controller is gone is shown as interrupted.
  for (const h of run.hostList) out.set(h.host, run.liveness === 'interrupted' && h.status === 'running' ? 'interrupted' : h.status);
  for (const h of Object.keys(run.connection.hosts)) if (!out.has(h)) out.set(h, 'not started');
  return out;
}

/**
 * Hosts the text of `show RUN` accounts for: a `HOST: STATUS` line each, plus the count of
 * the `not started (N)` line (its names are abbreviated past 20).
 */
export function hostsInShowText(text: string): { listed: Map<string, string>; notStarted: number } {
  const listed = new Map<string, string>();
  for (const m of text.matchAll(/^(\S+): (\w+)(?: \(canary\))?, batch \d+$/gm)) listed.set(m[1], m[2]);
  const ns = /^not started \((\d+)\):/m.exec(text);
  return { listed, notStarted: ns ? Number(ns[1]) : 0 };
}
