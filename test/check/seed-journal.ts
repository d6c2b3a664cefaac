// A journal holding recorded check runs, written through the same path `check` uses
// (events → check report → recordCheckReport), at chosen times.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openJournal, type Journal } from '../../src/journal/index.js';
import { foldCheckReport, type CheckReport } from '../../src/report/check-report.js';
import { recordCheckReport } from '../../src/check/history.js';
import { journalSink } from '../../src/journal/event-sink.js';
import { checkEvents, type HostSpec } from '../report/check-fixtures.js';

export interface Seeded {
  dir: string;
  file: string;
  journal: Journal;
  /** Record one check run at `at` (epoch ms); returns its report. */
  run(at: number, hosts: HostSpec[], runId?: string): CheckReport;
  cleanup(): void;
}

export function seedJournal(): Seeded {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'remediate-checks-'));
  const file = path.join(dir, 'journal.db');
  let clock = 0;
  const journal = openJournal(file, { now: () => clock });
  return {
    dir, file, journal,
    run(at, hosts, runId) {
      clock = at;
      const id = journal.startRun({ id: runId, command: 'check', user: 'ops', controllerHost: 'ctl', argv: ['check', 'playbooks/imagick.yml'], playbookPath: '/srv/playbooks/imagick.yml', inventoryPaths: ['/srv/inv.yml'], connection: { hosts: {} } });
      const events = checkEvents(id, hosts, new Date(at).toISOString());
      const sink = journalSink(journal, id);
      for (const e of events) sink(e);
      const report = foldCheckReport(events, { now: new Date(at) });
      recordCheckReport(journal, report, at);
      journal.finishRun(id, report.exit_code === 0 ? 'succeeded' : 'partial');
      return report;
    },
    cleanup() {
      journal.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
