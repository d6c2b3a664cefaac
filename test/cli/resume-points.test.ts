// Where a stopped run's hosts stand for `resume`, from their journalled steps: only tasks'
// durable steps count. A handler's index is its place among the handlers (handler 1 ran is not
// task 1 done), and stateless steps (a health check, a canary's reloads) run again.
import test from 'ava';
import { resumePoints } from '../../src/cli/commands/resume.js';
import type { StepRecord } from '../../src/journal/types.js';

type S = Pick<StepRecord, 'host' | 'taskIndex' | 'handler' | 'class' | 'outcome'>;
const step = (taskIndex: number, status: 'changed' | 'ok' | 'failed' | null, o: Partial<S> = {}): S => ({
  host: 'web1', taskIndex, class: 'reversible', outcome: status ? { status, startedAt: 0, finishedAt: 1 } : undefined, ...o,
});

const cases: { title: string; steps: S[]; done: number[]; touched: number[] }[] = [
  { title: 'a changed task is done and touched; an ok one only done', steps: [step(0, 'changed'), step(1, 'ok')], done: [0, 1], touched: [0] },
  { title: 'an intent without outcome may have changed the host: touched, not done', steps: [step(0, 'changed'), step(1, null)], done: [0], touched: [0, 1] },
  { title: 'a failed step is neither', steps: [step(0, 'failed')], done: [], touched: [] },
  { title: 'handler 1 ran: task 1 is not done', steps: [step(0, 'changed'), step(1, 'changed', { handler: true, class: 'stateless' })], done: [0], touched: [0] },
  { title: 'a reversible handler step does not pass for its index\'s task either', steps: [step(1, 'changed', { handler: true })], done: [], touched: [] },
  { title: 'a stateless task (a health check) runs again', steps: [step(0, 'changed'), step(1, 'changed', { class: 'stateless' })], done: [0], touched: [0] },
];

for (const c of cases) {
  test(c.title, (t) => {
    const { done, touched } = resumePoints(c.steps);
    t.deepEqual([...(done.get('web1') ?? [])].sort(), c.done);
    t.deepEqual([...(touched.get('web1') ?? [])].sort(), c.touched);
  });
}
