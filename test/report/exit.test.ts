import test from 'ava';
import type { Event } from '../../src/report/events.js';
import { EXIT } from '../../src/report/exit-codes.js';
import { exitCodeFor, type Command } from '../../src/report/exit.js';
import { recap } from '../../src/report/recap.js';

const step = (host: string, status: 'ok' | 'changed' | 'failed' | 'unreachable' | 'skipped', extra: object = {}): Event => ({ kind: 'host.step', host, task: 't', status, ms: 0, ...extra });
const end = (host: string, status: 'ok' | 'changed' | 'failed' | 'unreachable' | 'skipped'): Event => ({ kind: 'host.end', host, status });
const check = (host: string, status: 'pass' | 'fail' | 'error'): Event => ({ kind: 'host.check', host, id: 'c', status });

const table: Array<{ title: string; command: Command; events: Event[]; want: number }> = [
  { title: 'all ok', command: 'apply', events: [step('a', 'changed'), step('b', 'ok')], want: EXIT.OK },
  { title: 'a failed host', command: 'apply', events: [step('a', 'failed')], want: EXIT.FAILED },
  { title: 'an unreachable host', command: 'run', events: [end('a', 'unreachable')], want: EXIT.UNREACHABLE },
  { title: 'failed and unreachable combine as bits', command: 'apply', events: [step('a', 'failed'), step('b', 'unreachable')], want: EXIT.FAILED | EXIT.UNREACHABLE },
  { title: 'a rescued failure is success', command: 'apply', events: [step('a', 'failed', { rescued: true })], want: EXIT.OK },
  { title: 'an ignored failure is success', command: 'apply', events: [step('a', 'failed', { ignored: true })], want: EXIT.OK },
  { title: 'a failed rollback is a failure', command: 'apply', events: [{ kind: 'host.rollback', host: 'a', status: 'failed' }], want: EXIT.FAILED },
  { title: 'plan that cannot plan a host', command: 'plan', events: [{ kind: 'host.plan', host: 'a', task: 't', status: 'fail' }], want: EXIT.FAILED },
  { title: 'every host compliant', command: 'check', events: [check('a', 'pass'), end('a', 'ok')], want: EXIT.OK },
  { title: 'non-compliant', command: 'check', events: [check('a', 'fail'), end('a', 'failed')], want: EXIT.NON_COMPLIANT },
  { title: 'unreachable cannot be checked', command: 'check', events: [end('a', 'unreachable')], want: EXIT.COULD_NOT_CHECK },
  { title: 'facts failed before any assertion', command: 'check', events: [end('a', 'skipped')], want: EXIT.COULD_NOT_CHECK },
  { title: 'an assertion that errs', command: 'check', events: [check('a', 'error'), end('a', 'skipped')], want: EXIT.COULD_NOT_CHECK },
  { title: 'mixed results combine', command: 'check', events: [check('a', 'fail'), end('a', 'failed'), end('b', 'unreachable')], want: EXIT.NON_COMPLIANT | EXIT.COULD_NOT_CHECK },
  { title: 'abort wins over host results', command: 'apply', events: [step('a', 'failed'), { kind: 'run.end', exitCode: 130, aborted: true }], want: EXIT.ABORTED },
];

for (const row of table) {
  test(`exitCodeFor ${row.command}: ${row.title}`, (t) => {
    t.is(exitCodeFor(recap(row.events), row.command), row.want);
  });
}

test('exitCodeFor: the caller can say the run was aborted', (t) => {
  t.is(exitCodeFor(recap([step('a', 'ok')]), 'apply', { aborted: true }), EXIT.ABORTED);
});
