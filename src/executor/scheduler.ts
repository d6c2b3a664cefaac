// Admission control for one batch: which host takes the next forks slot.
// - p-limit (the forks limit) is what bounds hosts in flight; a host keeps its slot for its
//   whole play (host-pinned) because its whole `work` runs inside the limit.
// - `max_in_flight_per_group` is checked BEFORE a host is handed to the limit: a host whose
//   group is full waits in a per-group queue and never holds a forks slot while waiting, so
//   hosts of other groups keep flowing. A host takes all of its capped groups at once
//   (all-or-nothing), so two hosts can never hold one group each and wait for the other's.
// - Hosts are handed over lazily, one per free slot: only hosts in flight have closures and
//   promises, whatever the batch size.
import pLimit, { type LimitFunction } from 'p-limit';

/** Per-group in-flight counters for `max_in_flight_per_group`. */
export class GroupGate {
  private readonly inFlight = new Map<string, number>();
  private readonly caps: ReadonlyMap<string, number>;

  constructor(caps: Readonly<Record<string, number>> | undefined, private readonly groupsOf: (host: string) => readonly string[]) {
    const m = new Map<string, number>();
    for (const [group, cap] of Object.entries(caps ?? {})) {
      // A cap of 0 would leave that group's hosts waiting forever.
      if (!Number.isInteger(cap) || cap < 1) throw new Error(`max_in_flight_per_group.${group}: expected a whole number of at least 1, found ${cap}`);
      m.set(group, cap);
    }
    this.caps = m;
  }

  /** The host's groups that have a cap (usually none or one). */
  cappedGroups(host: string): string[] {
    if (this.caps.size === 0) return [];
    return this.groupsOf(host).filter((g) => this.caps.has(g));
  }

  hasRoom(group: string): boolean {
    return (this.inFlight.get(group) ?? 0) < (this.caps.get(group) ?? Infinity);
  }

  /** The first full group among `groups`, or undefined when the host may start. */
  blockedOn(groups: readonly string[]): string | undefined {
    return groups.find((g) => !this.hasRoom(g));
  }

  take(groups: readonly string[]): void {
    for (const g of groups) this.inFlight.set(g, (this.inFlight.get(g) ?? 0) + 1);
  }

  release(groups: readonly string[]): void {
    for (const g of groups) this.inFlight.set(g, (this.inFlight.get(g) ?? 1) - 1);
  }
}

/** Per-task `throttle:` limits, shared by every host of the run, keyed by task. */
export class Throttles {
  private readonly limits = new Map<string, LimitFunction>();

  run<T>(key: string, limit: number, fn: () => Promise<T>): Promise<T> {
    if (!Number.isInteger(limit) || limit < 1) return Promise.reject(new Error(`throttle: expected a whole number of at least 1, found ${limit}`));
    const k = `${key}\0${limit}`;
    let l = this.limits.get(k);
    if (!l) this.limits.set(k, (l = pLimit(limit)));
    return l(fn);
  }
}

interface Entry {
  host: string;
  groups: string[];
}

/** A FIFO with O(1) shift (host queues can be thousands long). */
class Queue<T> {
  private items: T[] = [];
  private head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  push(x: T): void {
    this.items.push(x);
  }
  peek(): T | undefined {
    return this.items[this.head];
  }
  shift(): T | undefined {
    const x = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return x;
  }
}

export interface PumpOptions {
  /** The batch's hosts, in rollout order. */
  hosts: readonly string[];
  forks: LimitFunction;
  gate: GroupGate;
  /** Checked before every start: true = start nobody else (abort, threshold already exceeded). */
  shouldStop(): boolean;
  /** One host's whole stay in its slot; must not reject. */
  work(host: string): Promise<void>;
}

/** Run `work` for the batch's hosts under the forks limit and group caps; resolves when no host is in flight and none will start. Returns how many started. */
export function pump(o: PumpOptions): Promise<number> {
  return new Promise((resolve) => {
    let next = 0;
    let running = 0;
    let started = 0;
    const waiting = new Map<string, Queue<Entry>>();
    const park = (group: string, e: Entry) => {
      let q = waiting.get(group);
      if (!q) waiting.set(group, (q = new Queue()));
      q.push(e);
    };
    // Hosts that waited for a group go first: they come earlier in the rollout order.
    const fromWaiting = (): Entry | undefined => {
      for (const [group, q] of waiting) {
        while (q.length > 0 && o.gate.hasRoom(group)) {
          const e = q.shift() as Entry;
          const blocked = o.gate.blockedOn(e.groups);
          if (blocked === undefined) return e;
          park(blocked, e); // now waiting on another of its groups
        }
      }
      return undefined;
    };
    const fromNext = (): Entry | undefined => {
      while (next < o.hosts.length) {
        const host = o.hosts[next++];
        const groups = o.gate.cappedGroups(host);
        const blocked = o.gate.blockedOn(groups);
        if (blocked === undefined) return { host, groups };
        park(blocked, { host, groups });
      }
      return undefined;
    };
    const start = (e: Entry) => {
      running++;
      started++;
      o.gate.take(e.groups);
      o.forks(() => o.work(e.host))
        .catch(() => undefined)
        .finally(() => {
          o.gate.release(e.groups);
          running--;
          fill();
        });
    };
    const fill = () => {
      while (running < o.forks.concurrency && !o.shouldStop()) {
        const e = fromWaiting() ?? fromNext();
        if (!e) break;
        start(e);
      }
      // With nobody in flight every group has room, so an empty fill means nothing is left.
      if (running === 0) resolve(started);
    };
    fill();
  });
}
