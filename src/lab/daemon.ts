// The lab's background process: one startLab() serving every host, and a control socket
// (newline-delimited JSON) for `lab status`, `lab advance` and `lab down`. Started by labUp()
// (control.ts); its entry point, src/cli/lab-daemon.ts, owns argv, the IPC channel it reports
// readiness on, signals and the exit.
import { rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import type { Profile } from './fleet.js';
import { startLab, stateDirFor, type LabStatus, type RunningLab } from './lab.js';

export interface DaemonOptions {
  hosts: number;
  profile: Profile;
  seed: number;
  inventoryPath: string;
  basePort?: number;
  socketPath: string;
}

/** What state.json (beside the inventory, in .lab/) records about a running lab. */
export interface LabState {
  pid: number;
  seed: number;
  hosts: number;
  profile: Profile;
  basePort: number;
  socket: string;
  inventoryPath: string;
  knownHostsPath: string;
  privateKeyPath: string;
  startedAt: string;
}

export type ControlRequest =
  | { op: 'ping' }
  | { op: 'status'; perHost?: boolean; hash?: boolean }
  | { op: 'advance'; days: number }
  | { op: 'down' };

export type ControlReply = { ok: true; status?: LabStatus; pid: number } | { ok: false; error: string };

export function statePath(inventoryPath: string): string {
  return join(stateDirFor(inventoryPath), 'state.json');
}

/** Serve control requests for a running lab until `down`. Resolves once listening. */
export async function serveControl(lab: RunningLab, socketPath: string, pid: number, onDown: () => void): Promise<Server> {
  rmSync(socketPath, { force: true });
  const srv = createServer((sock) => {
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('error', () => undefined);
    sock.on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let reply: ControlReply;
        let down = false;
        try {
          const req = JSON.parse(line) as ControlRequest;
          if (req.op === 'ping') reply = { ok: true, pid };
          else if (req.op === 'status') reply = { ok: true, pid, status: lab.status({ perHost: req.perHost, hash: req.hash }) };
          else if (req.op === 'advance') reply = { ok: true, pid, status: lab.advance(req.days) };
          else if (req.op === 'down') { reply = { ok: true, pid }; down = true; }
          else reply = { ok: false, error: `unknown request ${JSON.stringify((req as { op?: unknown }).op)}` };
        } catch (e) {
          reply = { ok: false, error: (e as Error).message };
        }
        sock.write(JSON.stringify(reply) + '\n', () => { if (down) onDown(); });
      }
    });
  });
  await new Promise<void>((res, rej) => {
    srv.once('error', rej);
    srv.listen(socketPath, () => { srv.off('error', rej); res(); });
  });
  return srv;
}

/** Start the fleet and the control socket; returns the state it published and a stop function. */
export async function runDaemon(o: DaemonOptions, pid: number, onStopped: () => void): Promise<{ state: LabState; stop: () => Promise<void> }> {
  const lab = await startLab({ hosts: o.hosts, profile: o.profile, seed: o.seed, inventoryPath: o.inventoryPath, basePort: o.basePort, warmUp: true });
  const state: LabState = {
    pid, seed: o.seed, hosts: o.hosts, profile: o.profile, basePort: o.basePort ?? 2222, socket: o.socketPath,
    inventoryPath: o.inventoryPath, knownHostsPath: lab.knownHostsPath, privateKeyPath: lab.privateKeyPath, startedAt: new Date().toISOString(),
  };
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    control.close();
    await lab.close();
    rmSync(o.socketPath, { force: true });
    rmSync(statePath(o.inventoryPath), { force: true });
    onStopped();
  };
  const control = await serveControl(lab, o.socketPath, pid, () => void stop());
  writeFileSync(statePath(o.inventoryPath), JSON.stringify(state, null, 2) + '\n');
  return { state, stop };
}
