// A whole playbook over an inventory: select each play's hosts, build each host's scope and
// connection, and hand the rollout one host's play at a time (apply/plan) or its check.
import type { Playbook, Play } from '../playbook/types.js';
import type { Emit } from '../report/events.js';
import type { HostConn, Transport } from '../transport/types.js';
import type { ModuleRegistry } from '../modules/registry.js';
import { checkHost } from './check-host.js';
import { playHost, type FactGatherer, type StepRecorder } from './play-host.js';
import { runRollout } from './rollout.js';
import type { Clock, HostResult } from './types.js';
import type { Scope } from './task-scope.js';
import { evaluateExpr, render } from '../playbook/template.js';

export interface InventoryView {
  select(pattern: string): string[];
  hostVars(host: string): Record<string, unknown>;
  groupsOf(host: string): string[];
  conn(host: string, vars: Record<string, unknown>): HostConn;
}

export interface RunPlaybookInput {
  command: 'apply' | 'plan' | 'check';
  runId: string;
  playbook: Playbook;
  inventory: InventoryView;
  /** hosts already selected by --limit (undefined = no limit) */
  limit?: ReadonlySet<string>;
  extraVars: Record<string, unknown>;
  forks?: number;
  transport: Transport;
  modules: ModuleRegistry;
  emit: Emit;
  clock: Clock;
  confirm(question: string): Promise<boolean>;
  signal?: AbortSignal;
  gatherFacts?: FactGatherer;
  recorder?: StepRecorder;
  becomePassword?: string;
  allowIrreversible?: boolean;
  doneTasks?(host: string): ReadonlySet<number>;
  /** resume: tasks that changed the host (or may have) in the run being resumed. */
  touchedTasks?(host: string): ReadonlySet<number>;
  onFacts?(host: string, facts: Record<string, unknown>): void;
  /** Facts from an earlier detect pass (apply's plan preview), for canary `per:` keys. */
  factsFor?(host: string): Record<string, unknown> | undefined;
  /** Per-host exclusive lock (journal); a refusal fails the host before anything runs. */
  lockHost?(host: string): { ok: true } | { ok: false; msg: string };
  unlockHost?(host: string): void;
  rollbackHost?(host: string): Promise<'restored' | 'failed'>;
  seed?: number;
  /** Hosts apply's plan pass reached and read: canaries come from them, the others go last. */
  reached?(host: string): boolean;
  /** Hosts apply's plan pass found something to change on: canaries come from them. */
  actsOn?(host: string): boolean;
  /** resume: the canaries the run being resumed passed: they count toward its canary stage. */
  provenCanaries?: ProvenCanaries;
  /** plan mode: hosts to plan as canaries (their `when: is_canary` steps are shown). */
  canaryHosts?: ReadonlySet<string>;
  /** A message refuses the host after its facts are read, before any task (saved-plan drift). */
  admit?(host: string, facts: Record<string, unknown>): string | undefined;
}

export interface PlayOutcome {
  play: string;
  results: Map<string, HostResult>;
  aborted: boolean;
  stopReason?: string;
}

/** Ansible's precedence, simplified: inventory < play vars < registered (added later) < extra vars. */
export function hostScope(host: string, play: Play, inv: InventoryView, extraVars: Record<string, unknown>, templates?: Playbook['templates']): Scope {
  const invVars = inv.hostVars(host);
  const scope: Scope = { ...invVars, inventory_hostname: host, group_names: inv.groupsOf(host).filter((g) => g !== 'all' && g !== 'ungrouped'), ...extraVars };
  // Play vars may reference inventory vars and each other (in order); extra vars still win.
  for (const [k, v] of Object.entries(play.vars)) if (!(k in extraVars)) scope[k] = render(v, scope, play.pos, { sources: templates });
  return scope;
}

/** A host's canary `per:` key, from its scope and facts (of an earlier detect pass). */
export function canaryKeyFn(play: Play, inv: InventoryView, extraVars: Record<string, unknown>, factsFor: (host: string) => Record<string, unknown> | undefined): (host: string) => string {
  return (h) => {
    try {
      const facts = factsFor(h);
      return JSON.stringify(evaluateExpr(play.rollout.canary!.per!, { ...hostScope(h, play, inv, extraVars), ...(facts ? { facts } : {}) }) ?? null);
    } catch (e) {
      // A host whose key cannot be evaluated is its own variant: it will be a canary too.
      return `unknown:${h}:${(e as Error).message}`;
    }
  };
}

/** resume: canary hosts of the run being resumed that finished ok or changed (gates passed). */
export interface ProvenCanaries {
  /** each proven canary, with its facts as that run recorded them (none when the play reads none) */
  hosts: ReadonlyMap<string, Record<string, unknown> | undefined>;
  /** every canary of that run passed: its canary stage is behind it */
  stagePassed: boolean;
}

/**
 * resume: how many canaries the run being resumed passed, per canary key (`per:`), or under ''
 * (`count:` alone): the resumed run picks only the missing ones.
 */
export function provenCounts(play: Play, inv: InventoryView, extraVars: Record<string, unknown>, proven: ProvenCanaries | undefined): ReadonlyMap<string, number> | undefined {
  if (!proven || !play.rollout.canary) return undefined;
  const keyOf = play.rollout.canary.per === undefined ? () => '' : canaryKeyFn(play, inv, extraVars, (h) => proven.hosts.get(h));
  const counts = new Map<string, number>();
  for (const h of proven.hosts.keys()) {
    const k = keyOf(h);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

export async function runPlaybook(input: RunPlaybookInput): Promise<PlayOutcome[]> {
  const outcomes: PlayOutcome[] = [];
  for (const play of input.playbook.plays) {
    let hosts = input.inventory.select(play.hosts);
    if (input.limit) hosts = hosts.filter((h) => input.limit!.has(h));
    input.emit({ kind: 'play.start', play: play.name, hosts: hosts.length });
    if (hosts.length === 0) {
      input.emit({ kind: 'warning', msg: `play '${play.name}': no hosts matched '${play.hosts}'${input.limit ? ' within --limit' : ''}` });
      outcomes.push({ play: play.name, results: new Map(), aborted: false });
      continue;
    }
    const runOne = async (host: string, slot: Parameters<Parameters<typeof runRollout>[0]['runHost']>[1]): Promise<HostResult> => {
      const vars = input.inventory.hostVars(host);
      let conn: HostConn;
      let scope: Scope;
      try {
        conn = input.inventory.conn(host, vars);
        scope = hostScope(host, play, input.inventory, input.extraVars, input.playbook.templates);
      } catch (e) {
        const msg = (e as Error).message;
        input.emit({ kind: 'host.end', host, status: 'failed', msg });
        return { host, status: 'failed', msg };
      }
      if (input.lockHost) {
        const l = input.lockHost(host);
        if (!l.ok) {
          input.emit({ kind: 'host.end', host, status: 'failed', msg: l.msg });
          return { host, status: 'failed', msg: l.msg, touched: false };
        }
      }
      try {
        return await runLocked(host, conn, scope, slot);
      } finally {
        input.unlockHost?.(host);
      }
    };
    const runLocked = async (host: string, conn: HostConn, scope: Scope, slot: Parameters<typeof runOne>[1]): Promise<HostResult> => {
      if (input.command === 'check') return checkHost(host, conn, play, scope, { transport: input.transport, emit: input.emit, clock: input.clock, gatherFacts: input.gatherFacts, becomePassword: input.becomePassword });
      return playHost(host, conn, play, scope, {
        mode: input.command === 'plan' ? 'plan' : 'apply',
        transport: input.transport,
        modules: input.modules,
        emit: input.emit,
        clock: input.clock,
        gatherFacts: input.gatherFacts,
        recorder: input.recorder,
        becomePassword: input.becomePassword,
        allowIrreversible: input.allowIrreversible,
        onFacts: input.onFacts,
        doneTasks: input.doneTasks,
        touchedTasks: input.touchedTasks,
        templates: input.playbook.templates,
        planAsCanary: input.command === 'plan' && (input.canaryHosts?.has(host) ?? false),
        admit: input.admit,
      }, slot);
    };
    const canaryKeyOf = canaryKeyFn(play, input.inventory, input.extraVars, (h) => input.factsFor?.(h));
    // plan and check touch nothing: no canary stage, no batches to stop, every host at once.
    const readOnly = input.command !== 'apply';
    const rollout = readOnly ? { ...play.rollout, canary: undefined, serial: [], maxFailPercentage: undefined, pause: undefined } : play.rollout;
    const r = await runRollout({
      hosts,
      rollout,
      forks: input.forks,
      groupsOf: (h) => input.inventory.groupsOf(h),
      canaryKey: play.rollout.canary?.per ? (h) => canaryKeyOf(h) : undefined,
      reached: input.reached,
      actsOn: input.actsOn,
      proven: provenCounts(play, input.inventory, input.extraVars, input.provenCanaries),
      runHost: runOne,
      rollbackHost: readOnly ? undefined : input.rollbackHost,
      rollbackPolicy: readOnly ? 'none' : play.rollback,
      emit: input.emit,
      clock: input.clock,
      confirm: input.confirm,
      signal: input.signal,
      seed: input.seed,
    });
    outcomes.push({ play: play.name, results: r.results, aborted: r.aborted, stopReason: r.stopReason });
    if (r.aborted || r.stopReason) break;
  }
  return outcomes;
}
