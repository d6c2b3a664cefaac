// The journal as one more fold over the event stream: where hosts were placed and how they
// ended. Step intents/outcomes are written synchronously by the engine (they must precede the
// change), not from events.
import type { Event } from '../report/events.js';
import type { Journal } from './journal.js';
import type { HostStatus } from './types.js';

//
// A read-only run (check) changes no host, so where its hosts stand is for the record only: like
// its results, their statuses are written in one transaction when the run ends, not in two
// commits per host (~4 % of a 3000-host check's controller CPU).
export function journalSink(journal: Journal, runId: string, opts: { readOnly?: boolean } = {}): (e: Event) => void {
  const settled: { host: string; status: HostStatus; msg?: string }[] = [];
  return (e) => {
    switch (e.kind) {
      case 'batch.start':
        journal.recordHosts(runId, e.hosts.map((host) => ({ host, batch: e.index, canary: e.canary })));
        break;
      case 'host.start':
        if (!opts.readOnly) journal.setHostStatus(runId, e.host, 'running');
        break;
      case 'host.end':
        if (opts.readOnly) settled.push({ host: e.host, status: e.status as HostStatus, msg: e.msg });
        // A host the operator's abort stopped between tasks is unfinished: `resume` takes it up.
        else journal.setHostStatus(runId, e.host, e.interrupted ? 'aborted' : (e.status as HostStatus), e.msg);
        break;
      case 'run.end':
        if (settled.length) journal.setHostStatuses(runId, settled.splice(0));
        break;
      case 'host.rollback':
        journal.setHostStatus(runId, e.host, e.status === 'restored' ? 'rolled_back' : 'rollback_failed', e.msg);
        break;
      default:
        break;
    }
  };
}
