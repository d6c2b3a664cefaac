// The CLI's event sink: --json lines, a redrawn progress line on a TTY, plain lines otherwise;
// the recap at the end. Every output is a fold over the same events (report/).
import { RecapBuilder, renderRecap, jsonLine, plainLine, progress, renderProgress, initialProgress, exitCodeFor, type ProgressState } from '../report/index.js';
import { PlanSummary } from '../report/plan-summary.js';
import type { Event } from '../report/events.js';
import type { Io } from './io.js';

export interface Reporter {
  emit(e: Event): void;
  /** The closing text (plan groups, recap); '' in --json mode. */
  finish(): string;
  exitCode(): number;
  /** The grouped plan (plan command / apply preview). */
  planText(): string;
}

export function createReporter(io: Io, o: { json?: boolean; command: 'apply' | 'plan' | 'check' | 'run'; showOutput?: boolean; /** fold only, print nothing */ quiet?: boolean }): Reporter {
  const recap = new RecapBuilder();
  const plan = o.command === 'plan' ? new PlanSummary() : undefined;
  let prog: ProgressState = initialProgress;
  let aborted = false;
  const live = !o.json && io.status !== undefined;
  return {
    emit(e) {
      recap.add(e);
      plan?.add(e);
      if (e.kind === 'run.end') aborted = e.aborted;
      if (o.quiet) return;
      if (o.json) {
        io.out(jsonLine(e) + '\n');
        return;
      }
      // A plan prints grouped at the end, not one line per host and task.
      if (plan && e.kind === 'host.plan') return;
      let line = plainLine(e);
      if (line && e.kind === 'host.step' && !o.showOutput && e.status !== 'failed') line = line.split('\n')[0];
      if (live) {
        prog = progress(prog, e);
        if (line) io.out(`\r\x1b[2K${line}\n`);
        io.status!(renderProgress(prog, io.columns));
      } else if (line) {
        io.out(line + '\n');
      }
    },
    finish() {
      if (live) io.status!('');
      if (o.json) return '';
      const parts: string[] = [];
      if (plan) parts.push(plan.render());
      parts.push(renderRecap(recap.result(), { color: io.color, width: Math.min(io.columns, 120), maxHosts: plan ? 50 : undefined }));
      return '\n' + parts.filter(Boolean).join('\n\n') + '\n';
    },
    planText() {
      return plan?.render() ?? '';
    },
    exitCode() {
      return exitCodeFor(recap.result(), o.command, { aborted });
    },
  };
}
