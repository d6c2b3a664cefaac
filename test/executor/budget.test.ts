import test from 'ava';
import { hostBudget } from '../../src/executor/budget.js';

function fakeClock() {
  let t = 1_000_000;
  return { now: () => t, sleep: async () => undefined, advance: (ms: number) => void (t += ms) };
}

test('no host_timeout: commands keep their own limits and the budget is never spent', (t) => {
  const b = hostBudget(undefined, fakeClock());
  t.is(b.cap(undefined), undefined);
  t.is(b.cap(5000), 5000);
  t.false(b.spent());
});

test('a host_timeout caps each command at what is left, at least 1 ms, and is spent at the deadline', (t) => {
  const c = fakeClock();
  const b = hostBudget(2000, c);
  const rows: [number, number | undefined, number | undefined, boolean][] = [
    // [elapsed ms, command limit, capped limit, spent]
    [0, undefined, 2000, false],
    [0, 500, 500, false],
    [1500, 5000, 500, false],
    [1999, undefined, 1, false],
    [2000, 5000, 1, true],
    [9000, 10, 1, true],
  ];
  let at = 0;
  for (const [elapsed, limit, want, spent] of rows) {
    c.advance(elapsed - at);
    at = elapsed;
    t.is(b.cap(limit), want, `at ${elapsed} ms, limit ${limit}`);
    t.is(b.spent(), spent, `at ${elapsed} ms`);
  }
});

test('the message names the budget in the unit it was written in, and where the host stopped', (t) => {
  const c = fakeClock();
  const cases: [number, 'play' | 'check', string][] = [
    [1_200_000, 'play', "host_timeout: the play took longer than 20m on this host; stopped before task 'x'"],
    [2000, 'check', "host_timeout: the check took longer than 2s on this host; stopped before task 'x'"],
    [1500, 'play', "host_timeout: the play took longer than 1500 ms on this host; stopped before task 'x'"],
  ];
  for (const [ms, what, want] of cases) t.is(hostBudget(ms, c).message(what, "stopped before task 'x'"), want);
});
