// The schedule rendered for systemd, checked by systemd itself: OnCalendar= elapses computed by
// `systemd-analyze calendar` against croner's next runs, and the units by `systemd-analyze verify`.
import test from 'ava';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cronToOnCalendar, nextRuns, renderSystemdUnits, systemdQuote } from '../../src/check/schedule.js';

const run = promisify(execFile);

const hasSystemd = spawnSync('systemd-analyze', ['--version']).status === 0;
if (!hasSystemd) console.warn('SKIPPED: systemd-analyze is not installed; the unit tests below fall back to structural checks only');
const stest = hasSystemd ? test : test.skip;

/** The next N elapse times systemd computes for an OnCalendar= value. */
async function systemdElapses(spec: string, n: number): Promise<string[]> {
  const r = await run('systemd-analyze', ['calendar', `--iterations=${n}`, spec], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
  return [...r.stdout.matchAll(/(?:Next elapse|Iter\. #\d+): \w+ (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC/g)].map((m) => m[1].replace(' ', 'T') + 'Z');
}

const CRONS = ['0 6 * * *', '*/15 * * * *', '30 2 * * 1-5', '0 0 1,15 * *', '0 8-18/2 * jan-mar mon,wed,fri', '15 4 * * 0', '15 4 * * 7', '0 0 29 2 *', '*/20 * * * * *', '@weekly'];
for (const cron of CRONS) {
  stest(`OnCalendar= fires exactly when the cron does: '${cron}'`, async (t) => {
    const cal = cronToOnCalendar(cron, 'UTC');
    if (!cal.ok) return t.fail(cal.error);
    // Both from the same instant; retry once if a boundary passed between the two computations.
    for (let attempt = 0; ; attempt++) {
      const from = new Date();
      const ours = nextRuns(cron, 6, from, 'UTC').map((d) => d.toISOString().replace('.000', ''));
      const theirs = await systemdElapses(cal.value, 6);
      if (attempt === 0 && ours[0] !== theirs[0]) continue;
      t.deepEqual(theirs, ours, cal.value);
      break;
    }
  });
}

test('what OnCalendar= cannot say is refused, naming the alternative', (t) => {
  for (const cron of ['0 6 1 * 1', '0 6 L * *', '0 6 * * 5#2', '0 6 * * 5L']) {
    const r = cronToOnCalendar(cron);
    t.false(r.ok, cron);
    if (!r.ok) t.regex(r.error, /OnCalendar|daemon/);
  }
});

test('systemdQuote: specifiers, variables, quotes and spaces reach the program literally', (t) => {
  t.is(systemdQuote('/usr/bin/node'), '/usr/bin/node');
  t.is(systemdQuote('json:reports/out.json'), 'json:reports/out.json');
  t.is(systemdQuote('web*:!web001'), '"web*:!web001"');
  t.is(systemdQuote('a b'), '"a b"');
  t.is(systemdQuote('100%'), '"100%%"');
  t.is(systemdQuote('$HOME'), '"$$HOME"');
  t.is(systemdQuote('say "hi"\\'), '"say \\"hi\\"\\\\"');
  t.is(systemdQuote(''), '""');
});

function unitPair(args: string[]) {
  return renderSystemdUnits({
    name: 'remediate-check-imagick',
    description: 'remediate compliance check of playbooks/imagick.yml (100% of the fleet)',
    execStart: [process.execPath, path.resolve('dist/src/cli/main.js'), ...args],
    workingDirectory: process.cwd(),
    onCalendar: '*-*-* 06:00:00',
    randomizedDelaySec: 300,
  });
}

test('the service + timer pair: oneshot service, the timer pointing at it, jitter as RandomizedDelaySec', (t) => {
  const u = unitPair(['check', 'playbooks/imagick.yml', '-i', 'inv.yml']);
  t.is(u.serviceName, 'remediate-check-imagick.service');
  t.regex(u.service, /^\[Unit\]\nDescription=remediate compliance check of playbooks\/imagick\.yml \(100%% of the fleet\)\n/);
  t.regex(u.service, /\n\[Service\]\nType=oneshot\n/);
  t.regex(u.service, new RegExp(`\\nExecStart=${process.execPath.replace(/[/.]/g, '\\$&')} \\S+main\\.js check playbooks/imagick\\.yml -i inv\\.yml\\n`));
  t.regex(u.service, /\nSuccessExitStatus=8\n/);
  t.regex(u.timer, /\n\[Timer\]\nOnCalendar=\*-\*-\* 06:00:00\nRandomizedDelaySec=300\nPersistent=true\nUnit=remediate-check-imagick\.service\n/);
  t.regex(u.timer, /\n\[Install\]\nWantedBy=timers\.target\n$/);
  t.throws(() => renderSystemdUnits({ ...unitPairOpts(), name: 'bad name' }), { message: /invalid unit name/ });
  t.throws(() => renderSystemdUnits({ ...unitPairOpts(), execStart: ['remediate'] }), { message: /absolute executable/ });
});
function unitPairOpts() {
  return { name: 'x', description: 'd', execStart: ['/bin/true'], workingDirectory: '/', onCalendar: 'daily' };
}

stest('systemd-analyze verify accepts the units, hostile arguments included, and rejects a broken one', (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'remediate-units-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const u = unitPair(['check', 'play book.yml', '-l', 'web*:!web001', '-e', 'pct=100% $HOME "q"', '--report', 'json:/tmp/r.json']);
  writeFileSync(path.join(dir, u.serviceName), u.service);
  writeFileSync(path.join(dir, u.timerName), u.timer);
  const r = spawnSync('systemd-analyze', ['verify', path.join(dir, u.serviceName), path.join(dir, u.timerName)], { encoding: 'utf8' });
  t.is(r.status, 0, r.stderr);
  t.is(r.stderr.trim(), '', 'no warnings');
  // Controls: the same checker refuses unbalanced quoting and a calendar it cannot parse.
  writeFileSync(path.join(dir, 'q.service'), u.service.replace('"play book.yml"', '"play book.yml'));
  const q = spawnSync('systemd-analyze', ['verify', path.join(dir, 'q.service')], { encoding: 'utf8' });
  t.not(q.status, 0);
  t.regex(q.stderr, /Unbalanced quoting/);
  writeFileSync(path.join(dir, 'c.timer'), u.timer.replace('06:00:00', '25:00:00').replace('Unit=remediate-check-imagick.service', `Unit=${path.join(dir, u.serviceName)}`));
  const c = spawnSync('systemd-analyze', ['verify', path.join(dir, u.serviceName), path.join(dir, 'c.timer')], { encoding: 'utf8' });
  t.not(c.status, 0);
  t.regex(c.stderr, /calendar specification/);
});
