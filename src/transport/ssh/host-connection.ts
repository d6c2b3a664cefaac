// One host's connection: opened lazily on the first exec (concurrent first execs share the
// connect), reused for every later step, reopened after it drops; exec channels capped by a
// semaphore at MaxSessions, lowered if the server proves stricter.
import type { Client } from 'ssh2';
import type { CommandSpec, ExecOutcome, Unreachable } from '../types.js';
import { isFailure, type ConnectFailure } from './connect.js';
import { runExec, sudoWantsTty } from './exec.js';
import { Semaphore } from './semaphore.js';
import type { Target } from './target.js';

interface Live {
  client: Client;
  closed: boolean;
}

function unreachable(reason: string, permanent?: boolean): Unreachable {
  return permanent ? { kind: 'unreachable', reason, permanent } : { kind: 'unreachable', reason };
}

export class HostConnection {
  private live: Live | undefined;
  private connecting: Promise<Live | ConnectFailure> | undefined;
  private permanentFailure: ConnectFailure | undefined;
  private needsPty = false;
  private readonly sessions: Semaphore;

  constructor(
    readonly target: Target,
    private readonly open: () => Promise<Client | ConnectFailure>,
  ) {
    this.sessions = new Semaphore(target.maxSessions);
  }

  /** Current channel cap (lowered when the server refuses channels below the configured one). */
  get sessionLimit(): number {
    return this.sessions.capacity;
  }

  async exec(spec: CommandSpec): Promise<ExecOutcome> {
    if (this.permanentFailure) return unreachable(this.permanentFailure.reason, true);
    const first = await this.ensure();
    if (isFailure(first)) return unreachable(first.reason, first.permanent);
    let live = first;
    await this.sessions.acquire();
    try {
      let pty = spec.pty ?? this.needsPty;
      let reconnected = false;
      // Nothing was sent on a dead connection, so one fresh connection may run the command.
      const reconnect = async (): Promise<Unreachable | undefined> => {
        reconnected = true;
        const again = await this.ensure();
        if (isFailure(again)) return unreachable(again.reason, again.permanent);
        live = again;
        return undefined;
      };
      for (let attempt = 0; ; attempt++) {
        if (live.closed) {
          if (reconnected) return unreachable(`${this.target.name}: connection lost before the command started`);
          const failed = await reconnect();
          if (failed) return failed;
          continue;
        }
        const r = await runExec(live.client, spec, {
          pty,
          isLost: () => live.closed,
          onStuck: () => this.drop(live),
        });
        if (r.kind === 'lost') {
          this.drop(live);
          if (r.notStarted && !reconnected) {
            const failed = await reconnect();
            if (failed) return failed;
            continue;
          }
          return unreachable(`${this.target.name}: ${r.message}`);
        }
        if (r.kind === 'open-failed') {
          // Refused with other channels open: the server's MaxSessions is lower than ours.
          const others = this.sessions.inUse - 1;
          if (others < 1 || attempt >= 20) return unreachable(`${this.target.name}: the server refused a session channel: ${r.message}`);
          this.sessions.release();
          this.sessions.setLimit(Math.min(this.sessions.capacity - 1, others));
          await this.sessions.acquire();
          continue;
        }
        if (!pty && spec.become && spec.pty === undefined && sudoWantsTty(r)) {
          // sudo refused before running anything, so running it again with a pty is safe.
          this.needsPty = pty = true;
          continue;
        }
        return r;
      }
    } finally {
      this.sessions.release();
    }
  }

  async close(): Promise<void> {
    this.permanentFailure = undefined;
    // A connect still in flight would otherwise leave an open connection nobody closes.
    if (this.connecting) await this.connecting;
    const live = this.live;
    this.live = undefined;
    if (!live || live.closed) return;
    // Send the disconnect and move on (as ssh does on exit): waiting for the server to close
    // its side would hold the caller's concurrency slot for a round trip. A server that never
    // closes is cut off after 2 s in the background.
    live.closed = true;
    live.client.end();
    const cutoff = setTimeout(() => live.client.destroy(), 2000);
    cutoff.unref();
    live.client.once('close', () => clearTimeout(cutoff));
  }

  /** Forget a connection that dropped or hung (destroying it fires its close handlers). */
  private drop(live: Live): void {
    live.closed = true;
    if (this.live === live) this.live = undefined;
    live.client.destroy();
  }

  private ensure(): Promise<Live | ConnectFailure> {
    if (this.live && !this.live.closed) return Promise.resolve(this.live);
    this.connecting ??= this.open().then((r) => {
      this.connecting = undefined;
      if (isFailure(r)) {
        if (r.permanent) this.permanentFailure = r;
        return r;
      }
      const live: Live = { client: r, closed: false };
      r.on('close', () => {
        live.closed = true;
        if (this.live === live) this.live = undefined;
      });
      this.live = live;
      return live;
    });
    return this.connecting;
  }
}
