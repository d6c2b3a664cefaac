// mod_status's machine-readable page (`/server-status?auto`).
import { colonMap } from './records.js';
import { unknown, type Unknown } from './types.js';

export interface ServerStatus {
  serverVersion: string | null;
  mpm: string | null;
  /** Seconds since the master started (graceful reloads do not reset it). */
  uptimeSeconds: number | null;
  /** Starts at 1 and grows by one per graceful reload or restart of the same master. */
  configGeneration: number | null;
  mpmGeneration: number | null;
  restartTime: string | null;
  currentTime: string | null;
  busyWorkers: number | null;
  idleWorkers: number | null;
  /** Every `Key: value` line, as printed. */
  fields: Record<string, string>;
}

function num(v: string | undefined): number | null {
  if (v === undefined || !/^-?\d+(\.\d+)?$/.test(v)) return null;
  return Number(v);
}

export function parseServerStatus(text: string): ServerStatus | Unknown {
  const m = colonMap(text.split('\n'), /:\s?/);
  if (!m.has('ServerUptimeSeconds') && !m.has('Scoreboard') && !m.has('Total Accesses')) {
    return unknown('not a server-status?auto page (no ServerUptimeSeconds, Scoreboard or Total Accesses line)');
  }
  return {
    serverVersion: m.get('ServerVersion') ?? null,
    mpm: m.get('ServerMPM') ?? null,
    uptimeSeconds: num(m.get('ServerUptimeSeconds')),
    configGeneration: num(m.get('ParentServerConfigGeneration')),
    mpmGeneration: num(m.get('ParentServerMPMGeneration')),
    restartTime: m.get('RestartTime') ?? null,
    currentTime: m.get('CurrentTime') ?? null,
    busyWorkers: num(m.get('BusyWorkers')),
    idleWorkers: num(m.get('IdleWorkers')),
    fields: Object.fromEntries(m),
  };
}
