// The plan pass shared by `plan` and apply's preview: detect and plan every host (read-only),
// then plan the would-be canaries again as canaries, so steps guarded by `when: is_canary`
// (the canary reload loop) show in the plan and count in its estimate.
// host.plan events are held per host and emitted once, at the end, so a re-planned canary is
// counted once by every fold (recap, plan summary, JSON lines).
import type { Event, Emit } from '../report/events.js';
import { runPlaybook, canaryKeyFn, provenCounts, type RunPlaybookInput } from '../executor/run-playbook.js';
import { planRollout, type RolloutPlan } from '../executor/rollout.js';
import { factsFingerprint, durableView } from '../executor/fingerprint.js';
import type { HostPlan, PlannedStep } from './types.js';

export type PlanPassInput = Omit<RunPlaybookInput, 'command' | 'emit' | 'runId' | 'canaryHosts' | 'onFacts' | 'seed'> & { seed: number };

export interface PlayPlan {
  play: string;
  hosts: number;
  schedule: RolloutPlan;
}

export interface PlanPassResult {
  hosts: Map<string, HostPlan>;
  plays: PlayPlan[];
  /** facts per host as gathered (canary `per:` keys in the apply that follows) */
  facts: Map<string, Record<string, unknown>>;
  /** whether the pass reached and read a host (it was planned): canaries come from these */
  reached(host: string): boolean;
  /** whether it found a durable change to make there: canaries prove those (all reached hosts when none has one) */
  actsOn(host: string): boolean;
  aborted: boolean;
}

export async function planPass(input: PlanPassInput, emit: Emit): Promise<PlanPassResult> {
  const hosts = new Map<string, HostPlan>();
  const facts = new Map<string, Record<string, unknown>>();
  const started = new Map<string, number>();
  const record = (forward: boolean) => (e: Event) => {
    if (e.kind === 'host.start') {
      if (!hosts.has(e.host)) hosts.set(e.host, { host: e.host, status: 'planned', steps: [], canary: false, ms: 0 });
      if (!started.has(e.host)) started.set(e.host, input.clock.now());
    } else if (e.kind === 'host.plan') {
      const h = hosts.get(e.host);
      if (h) h.steps.push(stepOf(e));
      return; // emitted once, at the end
    } else if (e.kind === 'host.end') {
      const h = hosts.get(e.host);
      if (h) {
        if (e.status === 'unreachable' || (e.status === 'failed' && !h.steps.length)) { h.status = e.status; h.msg = e.msg; }
        if (forward) h.ms = input.clock.now() - (started.get(e.host) ?? input.clock.now());
      }
    }
    if (forward) emit(e);
  };
  const onFacts = (h: string, f: Record<string, unknown>) => {
    facts.set(h, { ...facts.get(h), ...f });
  };
  const base = { ...input, command: 'plan' as const, runId: 'plan', onFacts };
  const outcomes = await runPlaybook({ ...base, emit: record(true) });
  let aborted = outcomes.some((o) => o.aborted) || (input.signal?.aborted ?? false);

  const reached = (h: string) => hosts.get(h)?.status === 'planned';
  // A durable change (or one the plan cannot rule out). Stateless steps alone (a health check
  // that always runs) change nothing to prove; a play of stateless steps only (a rolling
  // restart) then takes its canaries from every host it reached.
  const acting = new Set([...hosts.values()].filter((h) => h.status === 'planned' && h.steps.some((s) => (s.status === 'change' && s.class !== 'stateless') || s.status === 'unknown')).map((h) => h.host));
  const actsOn = acting.size ? (h: string) => acting.has(h) : reached;
  const plays: PlayPlan[] = [];
  const canaries = new Set<string>();
  for (const play of input.playbook.plays) {
    let selected = input.inventory.select(play.hosts);
    if (input.limit) selected = selected.filter((h) => input.limit!.has(h));
    const keyOf = canaryKeyFn(play, input.inventory, input.extraVars, (h) => facts.get(h));
    const schedule = planRollout(selected, play.rollout, {
      seed: input.seed,
      canaryKey: play.rollout.canary?.per ? keyOf : undefined,
      reached,
      actsOn,
      proven: provenCounts(play, input.inventory, input.extraVars, input.provenCanaries),
    });
    plays.push({ play: play.name, hosts: selected.length, schedule });
    for (const h of schedule.canary) canaries.add(h);
  }
  if (canaries.size && !aborted) {
    for (const h of canaries) Object.assign(hosts.get(h)!, { canary: true, steps: [] });
    const again = await runPlaybook({ ...base, limit: canaries, canaryHosts: canaries, emit: record(false) });
    aborted ||= again.some((o) => o.aborted);
  }
  for (const [name, h] of hosts) {
    const f = facts.get(name);
    if (f) { h.fingerprint = factsFingerprint(f); h.facts = durableView(f) as Record<string, unknown>; }
    for (const s of h.steps) emit({ kind: 'host.plan', host: name, ...s });
  }
  return { hosts, plays, facts, reached, actsOn, aborted };
}

function stepOf(e: Extract<Event, { kind: 'host.plan' }>): PlannedStep {
  const { kind: _k, host: _h, ...step } = e;
  return step;
}
