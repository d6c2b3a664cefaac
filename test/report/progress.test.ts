import test from 'ava';
import type { Event } from '../../src/report/events.js';
import { initialProgress, progress, renderProgress } from '../../src/report/progress.js';

const fold = (events: Event[]) => events.reduce(progress, initialProgress);

const run: Event[] = [
  { kind: 'run.start', runId: 'r', command: 'apply', hosts: 10, batches: [1, 5, 4], at: '' },
  { kind: 'batch.start', index: 0, hosts: ['a'], canary: true },
  { kind: 'host.start', host: 'a' },
  { kind: 'host.end', host: 'a', status: 'changed' },
  { kind: 'batch.end', index: 0, failed: 0, unreachable: 0, hosts: 1, failedPct: 0, aborted: false },
  { kind: 'batch.start', index: 1, hosts: ['b', 'c', 'd', 'e', 'f'], canary: false },
  { kind: 'host.start', host: 'b' },
  { kind: 'host.start', host: 'c' },
  { kind: 'host.start', host: 'd' },
  { kind: 'host.end', host: 'b', status: 'ok' },
  { kind: 'host.end', host: 'c', status: 'failed' },
];

test('progress folds hosts done, in flight, counts, and the stage', (t) => {
  const s = fold(run);
  t.is(s.hostsTotal, 10);
  t.is(s.done, 3);
  t.is(s.inFlight, 1);
  t.is(s.ok, 1);
  t.is(s.changed, 1);
  t.is(s.failed, 1);
  t.is(s.stage, 1);
  t.false(s.canary);
});

test('progress is pure: earlier states are not modified', (t) => {
  const before = fold(run.slice(0, 3));
  const copy = { ...before };
  progress(before, run[3]);
  t.deepEqual(before, copy);
});

test('renderProgress: bar, batch of the serial batches (canary apart), counts, within the width', (t) => {
  const s = fold(run);
  const line = renderProgress(s, 120);
  t.is(line, '[############............................] batch 1/2 | 3/10 hosts | 1 running | ok 1 changed 1 failed 1 unreachable 0');
  t.true(line.length <= 120);
  t.is(renderProgress(fold(run.slice(0, 3)), 120).includes('canary'), true);
});

test('renderProgress never exceeds the width, dropping the bar first', (t) => {
  const s = fold(run);
  for (const w of [20, 40, 60, 80, 100, 200]) {
    const line = renderProgress(s, w);
    t.true(line.length <= w, `width ${w}: ${line.length}`);
  }
  t.false(renderProgress(s, 80).startsWith('['), 'no room for a useful bar at 80');
  t.true(renderProgress(s, 80).startsWith('batch 1/2'));
});

test('renderProgress: hosts announced by plays when run.start did not know them', (t) => {
  const s = fold([
    { kind: 'run.start', runId: 'r', command: 'apply', hosts: 0, batches: [], at: '' },
    { kind: 'play.start', play: 'p', hosts: 4 },
    { kind: 'batch.start', index: 1, hosts: ['a', 'b', 'c', 'd'], canary: false },
    { kind: 'host.start', host: 'a' },
    { kind: 'host.end', host: 'a', status: 'unreachable' },
  ]);
  t.is(renderProgress(s, 200), '[##########..............................] batch 1 | 1/4 hosts | ok 0 changed 0 failed 0 unreachable 1');
});
