// One host's compliance check: facts only (read-only), then every assertion of the play.
import type { Play } from '../playbook/types.js';
import type { Emit } from '../report/events.js';
import type { HostConn, Transport } from '../transport/types.js';
import { hostContext, type FactGatherer } from './play-host.js';
import type { Clock, HostResult } from './types.js';
import { hostBudget } from './budget.js';
import { evaluateCondition } from '../playbook/template.js';
import type { Scope } from './task-scope.js';

export interface CheckDeps {
  transport: Transport;
  emit: Emit;
  clock: Clock;
  gatherFacts?: FactGatherer;
  /** sudo password (-K), for the fact batch's become. */
  becomePassword?: string;
}

/** ok = compliant, failed = non-compliant, unreachable/skipped(error) = could not check. */
export async function checkHost(host: string, conn: HostConn, play: Play, baseScope: Scope, deps: CheckDeps): Promise<HostResult> {
  const { emit } = deps;
  emit({ kind: 'host.start', host });
  try {
    const scope: Scope = { ...baseScope };
    if (play.facts.length > 0 && deps.gatherFacts) {
      // rollout.host_timeout bounds a host's check as it bounds its play: every command gets what is left.
      const budget = hostBudget(play.rollout.hostTimeoutMs, deps.clock);
      const g = await deps.gatherFacts(hostContext(deps.transport, conn, undefined, play, { budget, becomePassword: deps.becomePassword }), play.facts, scope);
      if (!g.ok) {
        const status = g.unreachable ? 'unreachable' : 'skipped';
        const msg = budget.spent() ? budget.message('check', `facts: ${g.msg}`) : g.msg;
        emit({ kind: 'host.end', host, status, msg });
        return { host, status, msg };
      }
      scope.facts = g.facts;
      for (const [name, value] of Object.entries(g.facts)) emit({ kind: 'host.fact', host, fact: name, value });
    }
    let failed = 0;
    let errors = 0;
    for (const a of play.compliance) {
      let status: 'pass' | 'fail' | 'error' = 'pass';
      let msg: string | undefined;
      try {
        const bad = a.that.find((e) => !evaluateCondition(e, scope));
        if (bad) { status = 'fail'; msg = `${bad.source} is false`; failed++; }
      } catch (e) {
        status = 'error'; msg = (e as Error).message; errors++;
      }
      emit({ kind: 'host.check', host, id: a.id, status, expected: a.that.map((e) => e.source).join(' and '), msg });
    }
    const status = errors > 0 ? 'skipped' : failed > 0 ? 'failed' : 'ok';
    const msg = errors > 0 ? `${errors} assertion(s) could not be evaluated` : failed > 0 ? `${failed} of ${play.compliance.length} assertion(s) failed` : 'compliant';
    emit({ kind: 'host.end', host, status, msg });
    return { host, status, msg };
  } finally {
    await deps.transport.close(conn).catch(() => undefined);
  }
}
