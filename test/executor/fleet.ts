// A fake fleet for scheduling tests: runHost is in-memory (the executor's unit under test is
// the scheduling; what a host does is runHost's business). It measures concurrency and lets a
// test decide each host's outcome, and when it finishes.
import type { Rollout } from '../../src/playbook/types.js';
import type { Event } from '../../src/report/events.js';
import type { Clock, HostResult, HostSlot, RolloutOptions } from '../../src/executor/types.js';

/** Yield to the event loop a few times, so hosts in flight interleave (not a sleep). */
export async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
}

export class FakeClock implements Clock {
  t = 1_700_000_000_000;
  sleeps: number[] = [];
  now(): number {
    return this.t;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    if (signal?.aborted) throw new Error('aborted');
    this.t += ms;
  }
}

export function rollout(p: Partial<Rollout> = {}): Rollout {
  return { serial: [], concurrency: 5, order: 'inventory', unreachableCountsAsFailed: true, ...p };
}

export function hostNames(n: number, prefix = 'h'): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${String(i + 1).padStart(2, '0')}`);
}

export interface FleetSpec {
  /** outcome per host; default ok */
  outcome?: (host: string, slot: HostSlot) => Partial<HostResult>;
  /** event-loop turns the host's play takes; default varies by host so completions interleave */
  work?: (host: string) => number;
  /** optional extra behaviour inside the play (throttled steps, aborts, …) */
  during?: (host: string, slot: HostSlot) => Promise<void>;
}

export class Fleet {
  inFlight = 0;
  maxInFlight = 0;
  started: string[] = [];
  finished: string[] = [];
  rolledBack: string[] = [];
  events: Event[] = [];
  slots = new Map<string, HostSlot>();
  readonly clock = new FakeClock();

  constructor(private readonly spec: FleetSpec = {}) {}

  runHost = async (host: string, slot: HostSlot): Promise<HostResult> => {
    this.started.push(host);
    this.slots.set(host, slot);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await turns(this.spec.work ? this.spec.work(host) : 1 + (host.length + host.charCodeAt(host.length - 1)) % 4);
      if (this.spec.during) await this.spec.during(host, slot);
      const o = this.spec.outcome ? this.spec.outcome(host, slot) : {};
      return { host, status: 'ok', ...o };
    } finally {
      this.inFlight--;
      this.finished.push(host);
    }
  };

  rollbackHost = async (host: string): Promise<'restored' | 'failed'> => {
    this.rolledBack.push(host);
    await turns(1);
    return 'restored';
  };

  options(hosts: string[], r: Rollout, extra: Partial<RolloutOptions> = {}): RolloutOptions {
    return {
      hosts,
      rollout: r,
      groupsOf: () => [],
      runHost: this.runHost,
      rollbackHost: this.rollbackHost,
      rollbackPolicy: 'none',
      emit: (e) => this.events.push(e),
      clock: this.clock,
      confirm: async () => true,
      ...extra,
    };
  }

  of<K extends Event['kind']>(kind: K): Extract<Event, { kind: K }>[] {
    return this.events.filter((e): e is Extract<Event, { kind: K }> => e.kind === kind);
  }
}
