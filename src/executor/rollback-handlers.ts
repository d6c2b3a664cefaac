// After a rollback restored a host's files, the running service still holds the config it
// read before: run the handlers the undone steps had notified (a reload after an ini, a full
// restart after envvars or a library), as the apply did, so the host is back in fact too.
import type { Playbook, Play } from '../playbook/types.js';
import type { HostConn } from '../transport/types.js';
import type { Emit } from '../report/events.js';
import type { ModuleRegistry } from '../modules/registry.js';
import type { Transport } from '../transport/types.js';
import type { Clock } from './types.js';
import { playHost, type StepRecorder } from './play-host.js';
import { render } from '../playbook/template.js';

export interface UndoneStep { task: string; taskIndex: number; handler?: boolean }

/** The play and handler names the undone steps notified (by task position and name). */
export function handlersToRerun(playbook: Playbook, steps: readonly UndoneStep[]): { play: Play; names: string[] } | undefined {
  for (const play of playbook.plays) {
    const names = new Set<string>();
    let matched = false;
    for (const s of steps) {
      // a handler's index is its place among the handlers, not among the tasks
      const t = s.handler ? play.handlers[s.taskIndex] : play.tasks[s.taskIndex];
      if (!t || t.name !== s.task) continue;
      matched = true;
      for (const n of t.notify) names.add(n);
    }
    if (matched) return names.size ? { play, names: [...names] } : undefined;
  }
  return undefined;
}

export async function rerunHandlers(
  host: string,
  conn: HostConn,
  playbook: Playbook,
  which: { play: Play; names: string[] },
  deps: { transport: Transport; modules: ModuleRegistry; emit: Emit; clock: Clock; becomePassword?: string; inventoryVars?: Record<string, unknown>; extraVars?: Record<string, unknown>; recorder?: StepRecorder },
): Promise<{ ok: boolean; msg?: string }> {
  const { play } = which;
  // Play vars as the apply had them, under the run's inventory and extra vars where given.
  const extra = deps.extraVars ?? {};
  const scope: Record<string, unknown> = { ...deps.inventoryVars, inventory_hostname: host, ...extra };
  for (const [k, v] of Object.entries(play.vars)) {
    if (k in extra) continue;
    try { scope[k] = render(v, scope, play.pos, { sources: playbook.templates }); } catch { /* a var that needs the inventory: a handler using it fails below, clearly */ }
  }
  const emit: Emit = (e) => { if (e.kind !== 'host.start' && e.kind !== 'host.end') deps.emit(e); };
  const r = await playHost(host, conn, { ...play, facts: [], tasks: [], rollout: { ...play.rollout, canary: undefined } }, scope, {
    mode: 'apply',
    transport: deps.transport,
    modules: deps.modules,
    emit,
    clock: deps.clock,
    becomePassword: deps.becomePassword,
    templates: playbook.templates,
    notified: which.names,
    // the restarts a rollback makes are on record too, under the run that made them
    recorder: deps.recorder,
  });
  return r.status === 'failed' || r.status === 'unreachable' ? { ok: false, msg: `handlers after rollback: ${r.msg ?? r.status}` } : { ok: true };
}
