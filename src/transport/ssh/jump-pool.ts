// Bastions: hosts behind one jump host share a small pool of connections to it, each carrying
// at most `perConnection` tunnels (direct-tcpip channels), so no bastion connection exceeds its
// session limit. Connections open lazily; when all are full and the pool is at its size limit,
// a tunnel waits for one to close.
import type { Duplex } from 'node:stream';
import type { Client } from 'ssh2';
import { failure, isFailure, type ConnectFailure } from './connect.js';

interface PooledConn {
  client: Client;
  tunnels: number;
  dead: boolean;
}

export type OpenJump = () => Promise<Client | ConnectFailure>;

export class JumpPool {
  private readonly conns: PooledConn[] = [];
  private opening = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(
    readonly label: string,
    private readonly open: OpenJump,
    private readonly perConnection: number,
    private readonly maxConnections: number,
  ) {}

  get size(): number {
    return this.conns.length;
  }

  /** Tunnel counts per live connection (for tests and diagnostics). */
  loads(): number[] {
    return this.conns.filter((c) => !c.dead).map((c) => c.tunnels);
  }

  /** A stream to address:port through the bastion; its close frees the slot. */
  async forward(address: string, port: number, timeoutMs: number): Promise<Duplex | ConnectFailure> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const conn = this.pick();
      if (conn) return this.tunnel(conn, address, port);
      if (this.conns.filter((c) => !c.dead).length + this.opening < this.maxConnections) {
        this.opening++;
        let opened: Client | ConnectFailure;
        try {
          opened = await this.open();
        } finally {
          this.opening--;
        }
        if (isFailure(opened)) {
          this.wake();
          return failure(`via bastion ${this.label}: ${opened.reason}`, opened.permanent);
        }
        const pc: PooledConn = { client: opened, tunnels: 0, dead: false };
        opened.on('close', () => {
          pc.dead = true;
          const i = this.conns.indexOf(pc);
          if (i >= 0) this.conns.splice(i, 1);
          this.wake();
        });
        this.conns.push(pc);
        this.wake();
        continue;
      }
      const left = deadline - Date.now();
      if (left <= 0) return failure(`bastion ${this.label}: every pooled connection is at its ${this.perConnection}-tunnel limit`, false);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }

  closeAll(): void {
    for (const c of this.conns) c.client.end();
  }

  /** The least-loaded live connection with room, so tunnels spread evenly. */
  private pick(): PooledConn | undefined {
    let best: PooledConn | undefined;
    for (const c of this.conns) if (!c.dead && c.tunnels < this.perConnection && (!best || c.tunnels < best.tunnels)) best = c;
    return best;
  }

  private tunnel(conn: PooledConn, address: string, port: number): Promise<Duplex | ConnectFailure> {
    conn.tunnels++;
    return new Promise((resolve) => {
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        conn.tunnels--;
        this.wake();
      };
      try {
        conn.client.forwardOut('127.0.0.1', 0, address, port, (err, stream) => {
          if (err) {
            release();
            // The bastion could not reach the target: as transient as a refused TCP connect.
            return resolve(failure(`bastion ${this.label} could not open a tunnel to ${address}:${port}: ${err.message}`, false));
          }
          stream.once('close', release);
          stream.on('error', () => release());
          resolve(stream);
        });
      } catch (err) {
        release();
        resolve(failure(`bastion ${this.label}: ${(err as Error).message}`, false));
      }
    });
  }

  private wake(): void {
    while (this.waiters.length) this.waiters.shift()!();
  }
}
