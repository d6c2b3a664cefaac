// The engine's StepRecorder on the journal: intent (with inverse and facts fingerprint) committed
// before the step runs, outcome after. Stateless steps (restarts, reloads) are recorded too.
import type { StepRecorder } from '../executor/play-host.js';
import type { Journal } from './journal.js';
import type { StepStatus } from './types.js';

export function journalRecorder(journal: Journal, runId: string, fingerprintOf: (host: string) => string): StepRecorder {
  return {
    intent(host, taskIndex, task, planned, handler) {
      return journal.recordIntent({
        runId,
        host,
        task: task.name,
        taskIndex,
        ...(handler ? { handler: true } : {}),
        module: task.module,
        class: planned.class,
        inverse: planned.inverse,
        factsFingerprint: fingerprintOf(host),
        summary: planned.summary,
        diff: planned.diff,
      });
    },
    outcome(id, o) {
      const status: StepStatus = o.status === 'changed' || o.status === 'ok' || o.status === 'failed' || o.status === 'unreachable' ? o.status : 'failed';
      journal.recordOutcome(Number(id), { status, msg: o.msg, verification: o.verified === undefined ? undefined : { verified: o.verified }, startedAt: o.startedAt, finishedAt: o.finishedAt });
    },
  };
}
