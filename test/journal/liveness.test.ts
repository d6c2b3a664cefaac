import test from 'ava';
import { runLiveness, type RunLiveness, type RunSummary } from '../../src/journal/index.js';

const here = { controllerHost: 'ctl1', isAlive: (pid: number) => pid === 100 };
const cases: { name: string; run: Pick<RunSummary, 'status' | 'pid' | 'controllerHost'>; expected: RunLiveness }[] = [
  { name: 'finished run', run: { status: 'aborted', pid: 7, controllerHost: 'ctl1' }, expected: 'finished' },
  { name: 'live controller here', run: { status: 'running', pid: 100, controllerHost: 'ctl1' }, expected: 'running' },
  { name: 'dead controller here', run: { status: 'running', pid: 7, controllerHost: 'ctl1' }, expected: 'interrupted' },
  { name: 'controller elsewhere', run: { status: 'running', pid: 7, controllerHost: 'ctl2' }, expected: 'unknown' },
  { name: 'no pid recorded', run: { status: 'running', controllerHost: 'ctl1' }, expected: 'unknown' },
];
for (const c of cases) {
  test(`runLiveness: ${c.name}`, (t) => {
    t.is(runLiveness(c.run, here), c.expected);
  });
}
