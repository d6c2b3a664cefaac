// What a plan says about one host: its durable facts (and their fingerprint) and its steps.
import type { Event } from '../report/events.js';

export type PlannedStep = Omit<Extract<Event, { kind: 'host.plan' }>, 'kind' | 'host'>;

export interface HostPlan {
  host: string;
  /** 'planned': detected and planned; otherwise why not (its steps may be empty) */
  status: 'planned' | 'unreachable' | 'failed';
  msg?: string;
  steps: PlannedStep[];
  /** planned as a canary (its `when: is_canary` steps included) */
  canary: boolean;
  /** durable facts the plan was made on, and their fingerprint */
  facts?: Record<string, unknown>;
  fingerprint?: string;
  /** how long detecting and planning took on this host (measured) */
  ms: number;
}
