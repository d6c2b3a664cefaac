// `remediate schedule` as the CLI runs it: the daemon running the real `check` on a seconds
// cron over the local transport, alerting a local webhook receiver when the sets change, and
// --print-systemd's units verified by systemd-analyze.
import test from 'ava';
import http from 'node:http';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { scheduleCommand, type ScheduleCommandOptions } from '../../src/cli/commands/schedule.js';
import type { Io } from '../../src/cli/io.js';
import { openJournal } from '../../src/journal/index.js';
import { journalSink } from '../../src/journal/event-sink.js';
import { foldCheckReport } from '../../src/report/check-report.js';
import { recordCheckReport } from '../../src/check/history.js';
import { CLOCK, checkEvents, type HostSpec } from '../report/check-fixtures.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function workspace(t: { teardown(fn: () => void): void }) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'remediate-schedule-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, 'inv.ini'), '[web]\nbox1 ansible_connection=local\nbox2 ansible_connection=local\n');
  writeFileSync(path.join(dir, 'site.yml'), `- name: fleet rules
  hosts: web
  compliance:
    - id: not-box2
      that: "inventory_hostname != 'box2'"
`);
  return dir;
}

function captureIo(cwd: string, signal: AbortSignal, env: Record<string, string> = {}) {
  const lines: string[] = [];
  let err = '';
  const io: Io = {
    argv: [], out: (s) => void lines.push(...s.split('\n').filter(Boolean)), err: (s) => void (err += s), isTTY: false, columns: 100, color: false,
    env: { NO_COLOR: '1', XDG_STATE_HOME: path.join(cwd, 'state'), ...env }, cwd, home: cwd, user: 'ops', hostname: 'ctl', pid: process.pid, signal,
  };
  return { io, lines, err: () => err };
}

test('the daemon runs the real check on a seconds cron, twice, logging each result, and stops on the signal', async (t) => {
  const dir = workspace(t);
  const ac = new AbortController();
  const c = captureIo(dir, ac.signal);
  const opts: ScheduleCommandOptions = { cron: '* * * * * *', inventory: ['inv.ini'], journal: path.join(dir, 'journal.db') };
  const done = scheduleCommand('site.yml', opts, c.io);
  while (c.lines.filter((l) => /: run \d: finished/.test(l)).length < 2) await sleep(50);
  ac.abort();
  t.is(await done, 0, c.err());
  const finished = c.lines.filter((l) => /run \d: finished/.test(l));
  t.is(finished.length, 2, c.lines.join('\n'));
  for (const l of finished) t.regex(l, /^\d{4}-\d\d-\d\dT[\d:.]+Z remediate schedule: run \d: finished in [\d.]+ s with exit 8 \(non-compliant hosts\)$/);
  t.true(c.lines.some((l) => /schedule '\* \* \* \* \* \*': first run at/.test(l)));
  t.false(c.lines.some((l) => /PLAY RECAP|box1/.test(l)), 'the check\'s own output stays out of the log without --verbose');
});

test('alerts: the webhook gets the first findings and each change of the sets, not repeats', async (t) => {
  const dir = workspace(t);
  const bodies: Record<string, unknown>[] = [];
  let hits = 0;
  const server = http.createServer((req, res) => {
    let b = '';
    req.on('data', (d) => (b += d));
    req.on('end', () => {
      hits++;
      if (hits === 1) return res.writeHead(503).end(); // the first delivery needs a retry
      bodies.push(JSON.parse(b));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => { server.close(); server.closeAllConnections(); });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook/SECRET`;

  // Each scheduled run records a check of this fleet in the journal, as `check` does.
  const fleets: HostSpec[][] = [
    [{ host: 'a', clock: CLOCK, singleThread: '0' }, { host: 'b', clock: CLOCK }],
    [{ host: 'a', clock: CLOCK, singleThread: '0' }, { host: 'b', clock: CLOCK }],
    [{ host: 'a', clock: CLOCK }, { host: 'b', clock: CLOCK, keys: 1020, reloads: 1012 }],
  ];
  const journalFile = path.join(dir, 'journal.db');
  let n = 0;
  const runCheck = async () => {
    const j = openJournal(journalFile, { now: () => Date.now() });
    try {
      const id = j.startRun({ command: 'check', user: 'ops', controllerHost: 'ctl', argv: [], inventoryPaths: [], connection: { hosts: {} } });
      const events = checkEvents(id, fleets[Math.min(n++, fleets.length - 1)]);
      const sink = journalSink(j, id);
      events.forEach(sink);
      const report = foldCheckReport(events, { now: new Date(CLOCK * 1000) });
      recordCheckReport(j, report, Date.now());
      j.finishRun(id, 'partial');
      return report.exit_code;
    } finally {
      j.close();
    }
  };
  const ac = new AbortController();
  const c = captureIo(dir, ac.signal, { HOOK_URL: url });
  const done = scheduleCommand('site.yml', { cron: '* * * * * *', journal: journalFile, notifyWebhookEnv: 'HOOK_URL' }, c.io, { runCheck, notify: { backoffMs: 20 } });
  while (c.lines.filter((l) => /: run \d: finished/.test(l)).length < 3) await sleep(50);
  ac.abort();
  t.is(await done, 0, c.err());
  t.is(bodies.length, 2, c.lines.join('\n'));
  t.like(bodies[0], { event: 'remediate.check.changed', previous_run_id: null, non_compliant: { added: ['a'], removed: [], now: ['a'] } });
  t.like(bodies[1], { non_compliant: { added: [], removed: ['a'], now: [] }, at_risk: { added: ['b'], now: ['b'] } });
  t.like((bodies[1].forecasts as object[])[0], { host: 'b', risk: 'critical', keys_in_use: 1020, reloads_left: 4 });
  t.regex(String(bodies[1].text), /0 non-compliant \(-1\), 1 at risk \(\+1: b\)/);
  t.true(c.lines.some((l) => /alert sets unchanged: no webhook/.test(l)));
  t.true(c.lines.some((l) => /attempt 1 failed \(HTTP 503\); retrying in 20 ms/.test(l)));
  t.false(c.lines.some((l) => l.includes('SECRET')), 'the webhook URL path is never logged');
});

test('bad options are bad input before anything is scheduled', async (t) => {
  const dir = workspace(t);
  const cases: [Partial<ScheduleCommandOptions>, string, RegExp][] = [
    [{ cron: '0 6 * *' }, 'site.yml', /--cron: invalid cron expression/],
    [{ cron: '0 6 * * *', jitter: 'soon' }, 'site.yml', /--jitter: expected seconds or a duration/],
    [{ cron: '0 6 * * *', askBecomePass: true }, 'site.yml', /cannot be answered by a schedule; use --become-password-env/],
    [{ cron: '0 6 * * *' }, 'missing.yml', /cannot read playbook missing\.yml: ENOENT/],
    [{ cron: '0 6 * * *', notifyWebhook: 'ftp://x' }, 'site.yml', /expected an http/],
    [{ cron: '0 6 * * *', notifyWebhookEnv: 'NOPE_UNSET' }, 'site.yml', /NOPE_UNSET is not set/],
    [{ cron: '0 6 1 * 1', printSystemd: true }, 'site.yml', /--print-systemd: .*both day of month and day of week/],
  ];
  for (const [opts, playbook, err] of cases) {
    const c = captureIo(dir, new AbortController().signal);
    t.is(await scheduleCommand(playbook, opts as ScheduleCommandOptions, c.io), 64, JSON.stringify(opts));
    t.regex(c.err(), err);
  }
});

const hasSystemd = spawnSync('systemd-analyze', ['--version']).status === 0;

test('--print-systemd prints a service + timer pair for the same check and schedules nothing', async (t) => {
  const dir = workspace(t);
  const c = captureIo(dir, new AbortController().signal);
  const opts: ScheduleCommandOptions = { cron: '*/30 6-18 * * mon-fri', jitter: '5m', printSystemd: true, inventory: ['inv.ini'], limit: 'web:!box2', report: ['junit:reports/check.xml', 'prometheus:/var/lib/node_exporter/remediate.prom'], waivers: 'waivers.yml' };
  t.is(await scheduleCommand('site.yml', opts, c.io, { selfCommand: [process.execPath, path.resolve('dist/src/cli/main.js')] }), 0, c.err());
  const text = c.lines.join('\n') + '\n';
  const [, service, timer] = text.split(/^# ---- \S+$/m).map((s) => s.trim() + '\n');
  t.regex(text, /^# ---- remediate-check-site\.service$/m);
  t.regex(service, /ExecStart=\S+node \S+main\.js check site\.yml -i inv\.ini -l "web:!box2" --journal \S+\/state\/remediate\/journal\.db --report junit:reports\/check\.xml --report prometheus:\/var\/lib\/node_exporter\/remediate\.prom --waivers waivers\.yml\n/);
  t.regex(service, new RegExp(`WorkingDirectory=${dir.replace(/[/.]/g, '\\$&')}\\n`));
  t.regex(timer, /OnCalendar=Mon\.\.Fri \*-\*-\* 06\.\.18:00,30:00\n/);
  t.regex(timer, /RandomizedDelaySec=300\n/);
  t.regex(service, /ExecStopPost=\S+node \S+main\.js prune --checks-older-than 90d --journal \S+\/state\/remediate\/journal\.db\n/, 'retention after each check');
  t.regex(c.err(), /systemctl enable --now remediate-check-site\.timer/);
  t.false(c.lines.some((l) => /first run at/.test(l)), 'nothing scheduled');
  if (!hasSystemd) return t.log('systemd-analyze not installed: units checked structurally only');
  mkdirSync(path.join(dir, 'units'));
  writeFileSync(path.join(dir, 'units', 'remediate-check-site.service'), service);
  writeFileSync(path.join(dir, 'units', 'remediate-check-site.timer'), timer);
  const v = spawnSync('systemd-analyze', ['verify', path.join(dir, 'units', 'remediate-check-site.service'), path.join(dir, 'units', 'remediate-check-site.timer')], { encoding: 'utf8' });
  t.is(v.status, 0, v.stderr);
  t.is(v.stderr.trim(), '');
});

test('the daemon prunes check runs older than --keep-checks after each run (the newest two stay)', async (t) => {
  const dir = workspace(t);
  const journalFile = path.join(dir, 'journal.db');
  const DAY = 86_400_000;
  const record = (at: number, id?: string) => {
    const j = openJournal(journalFile, { now: () => at });
    try {
      const runId = j.startRun({ id, command: 'check', user: 'ops', controllerHost: 'ctl', argv: [], inventoryPaths: [], connection: { hosts: {} } });
      const events = checkEvents(runId, [{ host: 'a', clock: CLOCK }]);
      events.forEach(journalSink(j, runId));
      recordCheckReport(j, foldCheckReport(events, { now: new Date(CLOCK * 1000) }), at);
      j.finishRun(runId, 'succeeded');
    } finally {
      j.close();
    }
    return 0;
  };
  record(Date.now() - 60 * DAY, 'old-60d');
  record(Date.now() - 40 * DAY, 'old-40d');
  record(Date.now() - 10 * DAY, 'recent-10d');
  const ac = new AbortController();
  const c = captureIo(dir, ac.signal);
  const done = scheduleCommand('site.yml', { cron: '* * * * * *', journal: journalFile, keepChecks: '30d' }, c.io, { runCheck: async () => record(Date.now()) });
  while (!c.lines.some((l) => /: run 1: finished/.test(l))) await sleep(50);
  ac.abort();
  t.is(await done, 0, c.err());
  t.true(c.lines.some((l) => /pruned 2 check run\(s\) older than 30d from the journal/.test(l)), c.lines.join('\n'));
  const j = openJournal(journalFile, { now: () => Date.now() });
  t.teardown(() => j.close());
  const left = j.checkRuns({ limit: 10 }).map((r) => r.id);
  t.is(left.length, 2);
  t.true(left.includes('recent-10d'));
});
