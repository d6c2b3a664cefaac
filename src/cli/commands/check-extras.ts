// `check`'s reports, waivers and journal rows, attached to the run's event stream:
//   const checks = attachCheckReports({ reports: opts.report ?? [], waivers: opts.waivers, journal, runId, now, cwd })
// gives an event sink to call with every event, the exit code with waivers applied, and
// finish(), which writes each `--report KIND:FILE` atomically and stores the results in the
// journal. Bad specs or a bad waivers file are reported before anything runs.
import { mkdirSync, readFileSync, renameSync, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Event } from '../../report/events.js';
import { CheckReportBuilder, buildReport, type CheckReport } from '../../report/check-report.js';
import { renderJunit } from '../../report/junit.js';
import { renderPrometheus } from '../../report/prometheus.js';
import { renderHtml } from '../../report/html.js';
import { renderCheckTable } from '../../report/terminal-check.js';
import { applyWaivers, parseWaivers, type Waiver } from '../../check/waivers.js';
import { recordCheckReport } from '../../check/history.js';
import { InputError, renderProblems } from '../../source/errors.js';
import type { Journal } from '../../journal/journal.js';
import type { LeakOptions } from '../../facts/index.js';

export const REPORT_KINDS = ['json', 'junit', 'prometheus', 'html'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

export interface ReportSpec {
  kind: ReportKind;
  /** Absolute path. */
  file: string;
}

/** `json:FILE`, `junit:FILE`, `prometheus:FILE`, `html:FILE`; relative files against cwd. */
export function parseReportSpecs(specs: readonly string[], cwd: string): { specs: ReportSpec[] } | { error: string } {
  const out: ReportSpec[] = [];
  const bad: string[] = [];
  for (const s of specs) {
    const i = s.indexOf(':');
    const kind = i > 0 ? s.slice(0, i) : '';
    const file = i > 0 ? s.slice(i + 1) : '';
    if (!(REPORT_KINDS as readonly string[]).includes(kind) || !file) {
      bad.push(`--report ${JSON.stringify(s)}: expected KIND:FILE with KIND one of ${REPORT_KINDS.join(', ')} (e.g. junit:reports/check.xml)`);
      continue;
    }
    out.push({ kind: kind as ReportKind, file: path.resolve(cwd, file) });
  }
  const files = out.map((x) => x.file);
  const dup = files.find((f, i) => files.indexOf(f) !== i);
  if (dup) bad.push(`--report: two reports would write ${dup}`);
  return bad.length ? { error: bad.join('\n') } : { specs: out };
}

export function renderReport(kind: ReportKind, report: CheckReport, o: { now: Date; hostname?: string }): string {
  switch (kind) {
    case 'json':
      return JSON.stringify(report, null, 2) + '\n';
    case 'junit':
      return renderJunit(report, { hostname: o.hostname });
    case 'prometheus':
      return renderPrometheus(report);
    case 'html':
      return renderHtml(report, { now: o.now });
  }
}

/** Write through a temp file in the same directory and rename: readers (node_exporter) never see half a file. */
export function writeAtomic(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, text, { mode: 0o644 });
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

export interface CheckReportsOptions {
  /** `--report` values, KIND:FILE. */
  reports: readonly string[];
  /** `--waivers` file. */
  waivers?: string;
  /** Where check results are stored (the run must be started in it). */
  journal?: Journal;
  /** Default: the run.start event's id (the journal's run id when the journal is used). */
  runId?: string;
  /** Epoch ms (the run's clock; default Date.now). */
  now?(): number;
  cwd: string;
  /** Dying within this many days is critical (default 30). */
  horizonDays?: number;
  leak?: LeakOptions;
  color?: boolean;
  hostname?: string;
}

export interface CheckReports {
  /** Feed every event of the run. */
  emit(e: Event): void;
  /** The report so far, waivers applied (after the last host.end: the run's). */
  report(): CheckReport;
  /** 0 / bit 8 non-compliant / bit 16 could not check, with waivers applied. */
  exitCode(): number;
  /** Write the reports and record the results; returns the terminal table and the files written. */
  finish(): Promise<{ exitCode: number; text: string; written: string[]; recorded: number; report: CheckReport }>;
}

export function attachCheckReports(o: CheckReportsOptions): CheckReports | { error: string } {
  const parsed = parseReportSpecs(o.reports, o.cwd);
  if ('error' in parsed) return { error: parsed.error };
  let waivers: Waiver[] = [];
  if (o.waivers) {
    const file = path.resolve(o.cwd, o.waivers);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      return { error: `cannot read waivers file ${o.waivers}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
    }
    try {
      waivers = parseWaivers(path.relative(o.cwd, file) || file, text);
    } catch (e) {
      if (e instanceof InputError) return { error: `${renderProblems(e.problems)}\n\n${e.problems.length} problem(s) in the waivers file; nothing was checked.` };
      throw e;
    }
  }
  const builder = new CheckReportBuilder({ horizonDays: o.horizonDays, leak: o.leak });
  let memo: { at: number; report: CheckReport } | undefined;
  let dirty = true;
  const report = (): CheckReport => {
    if (memo && !dirty) return memo.report;
    const now = new Date((o.now ?? Date.now)());
    const rows = builder.rows({ now, horizonDays: o.horizonDays, leak: o.leak });
    const w = applyWaivers(rows, waivers, now);
    memo = { at: now.getTime(), report: buildReport({ runId: o.runId || builder.runId, playbook: builder.playbook, now, rows: w.rows, waivers: { applied: w.applied, expired: w.expired } }) };
    dirty = false;
    return memo.report;
  };
  return {
    emit(e) {
      builder.add(e);
      dirty = true;
    },
    report,
    exitCode: () => report().exit_code,
    async finish() {
      const r = report();
      const now = new Date(memo!.at);
      const written: string[] = [];
      for (const s of parsed.specs) {
        writeAtomic(s.file, renderReport(s.kind, r, { now, hostname: o.hostname }));
        written.push(s.file);
      }
      const recorded = o.journal ? recordCheckReport(o.journal, r, memo!.at) : 0;
      return { exitCode: r.exit_code, text: renderCheckTable(r, { color: o.color ?? false }), written, recorded, report: r };
    },
  };
}
