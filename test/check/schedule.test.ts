// The schedule loop on real croner timers (seconds-level crons).
import test from 'ava';
import { cronProblem, describeExit, startSchedule } from '../../src/check/schedule.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('the daemon loop fires on a seconds-level cron, twice, and stops cleanly', async (t) => {
  const lines: string[] = [];
  const runs: number[] = [];
  const s = startSchedule({ cron: '* * * * * *', log: (l) => lines.push(l), run: async (n) => { runs.push(Date.now()); return n === 1 ? 0 : 8; } });
  while (s.stats.finished < 2) await sleep(50);
  s.stop();
  await s.done;
  t.is(s.stats.started, 2);
  t.true(runs[1] > runs[0]);
  t.regex(lines[0], /^schedule '\* \* \* \* \* \*': first run at \d{4}-/);
  t.true(lines.some((l) => /^run 1: finished in [\d.]+ s with exit 0 \(all compliant\)$/.test(l)), lines.join('\n'));
  t.true(lines.some((l) => /^run 2: finished in [\d.]+ s with exit 8 \(non-compliant hosts\)$/.test(l)));
  t.true(lines.some((l) => /^next run at \d{4}-/.test(l)));
  t.is(lines[lines.length - 1], 'stopped after 2 run(s)');
  t.is(s.nextRun(), null);
});

test('no overlapping runs: ticks during a long run are skipped and logged', async (t) => {
  const lines: string[] = [];
  let running = 0;
  let most = 0;
  const s = startSchedule({
    cron: '* * * * * *',
    log: (l) => lines.push(l),
    run: async () => { running++; most = Math.max(most, running); await sleep(2300); running--; return 0; },
  });
  while (s.stats.finished < 1) await sleep(50);
  s.stop();
  await s.done;
  t.is(most, 1);
  t.true(s.stats.skipped >= 1, `skipped ${s.stats.skipped}`);
  t.true(lines.some((l) => /skipped: run 1 is still running \(no overlapping runs\)/.test(l)));
});

test('a run that throws is logged and the schedule goes on', async (t) => {
  const lines: string[] = [];
  const s = startSchedule({
    cron: '* * * * * *',
    log: (l) => lines.push(l),
    run: async (n) => { if (n === 1) throw new Error('inventory script crashed'); return 0; },
    after: (n) => { if (n === 2) throw new Error('alert step broke'); },
  });
  while (s.stats.started < 3) await sleep(50);
  s.stop();
  await s.done;
  t.is(s.stats.failed, 1);
  t.true(s.stats.finished >= 2);
  t.true(lines.some((l) => /^run 1: failed after [\d.]+ s: inventory script crashed; the schedule goes on$/.test(l)));
  t.true(lines.some((l) => /^run 2: after-run step failed: alert step broke$/.test(l)));
});

test('jitter delays each run by a random part of the window; stopping cancels a run still waiting', async (t) => {
  const lines: string[] = [];
  const ticks: number[] = [];
  const s = startSchedule({ cron: '* * * * * *', jitterMs: 400, random: () => 0.5, log: (l) => lines.push(l), run: async () => { ticks.push(Date.now()); return 0; } });
  while (s.stats.finished < 1) await sleep(20);
  t.true(lines.some((l) => l === 'run 1: waiting 200 ms of jitter'));
  t.true(new Date(ticks[0]).getMilliseconds() >= 180, `started ${new Date(ticks[0]).getMilliseconds()} ms past the second`);
  // Stop during the next jitter wait: the run is cancelled, not started.
  while (!lines.includes('run 2: waiting 200 ms of jitter')) await sleep(10);
  s.stop();
  await s.done;
  t.is(ticks.length, 1);
  t.true(lines.includes('run 2: cancelled before it started (stopping)'));
});

test('stopping waits for the run in flight; an aborted signal stops the schedule', async (t) => {
  const lines: string[] = [];
  const ac = new AbortController();
  let finished = false;
  const s = startSchedule({ cron: '* * * * * *', signal: ac.signal, log: (l) => lines.push(l), run: async () => { await sleep(600); finished = true; return 0; } });
  while (s.stats.started < 1) await sleep(20);
  ac.abort();
  await s.done;
  t.true(finished);
  t.true(lines.includes('stopping: waiting for run 1 to finish'));
});

test('cron expressions: bad ones are refused with the expected form; exit codes are named', (t) => {
  t.is(cronProblem('0 6 * * *'), undefined);
  t.regex(cronProblem('0 6 * *')!, /invalid cron expression '0 6 \* \*'.*expected 5 fields/);
  t.regex(cronProblem('61 * * * *')!, /invalid cron expression/);
  t.regex(cronProblem('0 6 * * *', 'Mars/Olympus')!, /invalid cron expression|never fires/);
  t.is(describeExit(24), 'non-compliant hosts and hosts that could not be checked');
  t.is(describeExit(130), 'interrupted');
});
