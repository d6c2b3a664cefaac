// The journal as one more fold over the event stream: where hosts were placed and how they
// ended. Step intents/outcomes are written synchronously by the engine (they must precede the
// change), not from events.
import type { Event } from '../report/events.js';
import type { Journal } from './journal.js';
import type { HostStatus } from './types.js';

export function journalSink(journal: Journal, runId: string): (e: Event) => void {
  return (e) => {
    switch (e.kind) {
      case 'batch.start':
        journal.recordHosts(runId, e.hosts.map((host) => ({ host, batch: e.index, canary: e.canary })));
        break;
      case 'host.start':
        journal.setHostStatus(runId, e.host, 'running');
        break;
      case 'host.end':
        journal.setHostStatus(runId, e.host, e.status as HostStatus, e.msg);
        break;
      case 'host.rollback':
        journal.setHostStatus(runId, e.host, e.status === 'restored' ? 'rolled_back' : 'rollback_failed', e.msg);
        break;
      default:
        break;
    }
  };
}
