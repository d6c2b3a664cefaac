// End to end over the local transport: plan touches nothing, apply converges, a second apply
// changes nothing, check's exit code says compliant or not, bad input changes nothing.
import test from 'ava';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cli } from '../helpers/cli.js';
import { openJournal } from '../../src/journal/index.js';

function workspace(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'remediate-e2e-'));
  writeFileSync(path.join(dir, 'inv.yml'), 'all:\n  hosts:\n    box1:\n      ansible_connection: local\n      target: ' + JSON.stringify(path.join(dir, 'etc')) + '\n');
  writeFileSync(path.join(dir, 'site.yml'), `
- name: converge a config file
  hosts: all
  vars:
    conf: "{{ target }}/app.ini"
  tasks:
    - name: config dir
      command:
        argv: [mkdir, -p, "{{ target }}"]
        creates: "{{ target }}"
        undo: [rmdir, "{{ target }}"]
    - name: config file
      copy:
        dest: "{{ conf }}"
        content: "single_thread = 1\\n"
        mode: "0640"
    - name: read it back
      command: { cmd: "cat {{ conf }}", stateless: true }
      register: cat
    - name: it says what we wrote
      assert:
        that: "'single_thread = 1' in cat.stdout"
  compliance:
    - id: conf-present
      that: "target is defined"
`);
  return dir;
}

test('plan changes nothing; apply converges; second apply is idempotent', async (t) => {
  const dir = workspace();
  const etc = path.join(dir, 'etc');
  const plan = await cli(['plan', 'site.yml', '-i', 'inv.yml'], { cwd: dir });
  t.is(plan.code, 0, plan.err);
  t.false(existsSync(etc), 'plan must not create anything');
  t.regex(plan.out + plan.err, /change/);

  const refused = await cli(['apply', 'site.yml', '-i', 'inv.yml'], { cwd: dir });
  t.is(refused.code, 65, 'no TTY and no --yes: refuse');
  t.false(existsSync(etc));

  const apply = await cli(['apply', 'site.yml', '-i', 'inv.yml', '--yes'], { cwd: dir });
  t.is(apply.code, 0, apply.out + apply.err);
  t.is(readFileSync(path.join(etc, 'app.ini'), 'utf8'), 'single_thread = 1\n');
  t.is(statSync(path.join(etc, 'app.ini')).mode & 0o777, 0o640);

  const again = await cli(['apply', 'site.yml', '-i', 'inv.yml', '--yes', '--json'], { cwd: dir });
  t.is(again.code, 0, again.err);
  const events = again.out.trim().split('\n').map((l) => JSON.parse(l));
  const steps = events.filter((e) => e.kind === 'host.step');
  const byTask = Object.fromEntries(steps.map((s) => [s.task, s.status]));
  t.is(byTask['config dir'], 'ok');
  t.is(byTask['config file'], 'ok');
  t.is(byTask['it says what we wrote'], 'ok');
});

test('a failing command fails the host: exit code has the failed bit, later tasks do not run', async (t) => {
  const dir = workspace();
  writeFileSync(path.join(dir, 'fail.yml'), `
- hosts: all
  tasks:
    - name: boom
      shell: { script: "echo oops >&2; exit 3", stateless: true }
    - name: never
      copy: { dest: "${path.join(dir, 'never')}", content: x }
`);
  const r = await cli(['apply', 'fail.yml', '-i', 'inv.yml', '--yes', '--json'], { cwd: dir });
  t.is(r.code & 2, 2);
  t.false(existsSync(path.join(dir, 'never')));
  const step = r.out.trim().split('\n').map((l) => JSON.parse(l)).find((e) => e.kind === 'host.step' && e.task === 'boom');
  t.is(step.status, 'failed');
  t.regex(step.msg, /exit 3: oops/);
});

/** comp.yml: one assertion, met when run with -e flag=on. */
function writeCompliance(dir: string): void {
  writeFileSync(path.join(dir, 'comp.yml'), `
- hosts: all
  compliance:
    - id: want-flag
      that: "flag | default('off') == 'on'"
`);
}

test('check: exit 0 when compliant, 8 when not', async (t) => {
  const dir = workspace();
  writeCompliance(dir);
  const bad = await cli(['check', 'comp.yml', '-i', 'inv.yml'], { cwd: dir });
  t.is(bad.code, 8, bad.out + bad.err);
  const good = await cli(['check', 'comp.yml', '-i', 'inv.yml', '-e', 'flag=on'], { cwd: dir });
  t.is(good.code, 0, good.out + good.err);
});

test('bad playbook: positioned error, exit 64, nothing changed', async (t) => {
  const dir = workspace();
  writeFileSync(path.join(dir, 'bad.yml'), `- hosts: all\n  tasks:\n    - name: x\n      copy: { dest: "${path.join(dir, 'x')}", content: y }\n      retires: 3\n`);
  const r = await cli(['apply', 'bad.yml', '-i', 'inv.yml', '--yes'], { cwd: dir });
  t.is(r.code, 64);
  t.regex(r.err, /bad\.yml:5:7/);
  t.regex(r.err, /retries/);
  t.false(existsSync(path.join(dir, 'x')));
});

test('run: ad-hoc raw command on matching hosts, per-host output, non-zero = failed', async (t) => {
  const dir = workspace();
  const ok = await cli(['run', 'all', '-i', 'inv.yml', '--', 'printf', 'hello'], { cwd: dir });
  t.is(ok.code, 0, ok.err);
  t.regex(ok.out, /box1/);
  t.regex(ok.out, /hello/);
  const bad = await cli(['run', 'box1', '-i', 'inv.yml', '--', 'exit 5'], { cwd: dir });
  t.is(bad.code, 2);
});

test('apply refuses irreversible steps up front unless --allow-irreversible', async (t) => {
  const dir = workspace();
  const marker = path.join(dir, 'ran');
  writeFileSync(path.join(dir, 'irr.yml'), `
- hosts: all
  tasks:
    - name: first, reversible
      copy: { dest: "${path.join(dir, 'first')}", content: x }
    - name: one-way
      command: "touch ${marker}"
`);
  const r = await cli(['apply', 'irr.yml', '-i', 'inv.yml', '--yes'], { cwd: dir });
  t.is(r.code, 65, r.err);
  t.regex(r.err, /cannot be undone/);
  t.false(existsSync(path.join(dir, 'first')), 'nothing is touched when refused');
  t.false(existsSync(marker));
  const ok = await cli(['apply', 'irr.yml', '-i', 'inv.yml', '--yes', '--allow-irreversible'], { cwd: dir });
  t.is(ok.code, 0, ok.err);
  t.true(existsSync(marker));
});

test('canary: a failing gate on the canary host stops the rollout before any other host is touched', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'remediate-canary-'));
  writeFileSync(path.join(dir, 'inv.ini'), ['[web]', ...[1, 2, 3].map((i) => `box${i} ansible_connection=local health=${i === 1 ? 'bad' : 'good'}`)].join('\n') + '\n');
  const play = (gate: string) => `
- hosts: web
  rollout:
    canary: { count: 1, gates: ["${gate}"] }
    serial: ["100%"]
  tasks:
    - name: change
      copy: { dest: "${dir}/{{ inventory_hostname }}.ini", content: "x = 1\\n" }
    - name: measure
      command: { argv: [printf, "%s", "{{ health }}"], stateless: true }
      register: probe
`;
  writeFileSync(path.join(dir, 'bad.yml'), play("probe.stdout == 'good'"));
  const r = await cli(['apply', 'bad.yml', '-i', 'inv.ini', '--yes', '--json'], { cwd: dir });
  t.is(r.code & 2, 2, r.err);
  const events = r.out.trim().split('\n').map((l) => JSON.parse(l));
  t.deepEqual(events.filter((e) => e.kind === 'host.step' && e.task === 'change').map((e) => [e.host, e.status]), [['box1', 'changed']], 'only the canary ran');
  t.deepEqual(events.filter((e) => e.kind === 'host.rollback').map((e) => [e.host, e.status]), [['box1', 'restored']], 'rollback: host undid the canary');
  t.false(existsSync(path.join(dir, 'box1.ini')));
  t.false(existsSync(path.join(dir, 'box2.ini')), 'no other host touched');
  t.false(existsSync(path.join(dir, 'box3.ini')));
  t.is(events.find((e) => e.kind === 'host.check').status, 'fail');

  writeFileSync(path.join(dir, 'good.yml'), play("probe.rc == 0"));
  const ok = await cli(['apply', 'good.yml', '-i', 'inv.ini', '--yes'], { cwd: dir });
  t.is(ok.code, 0, ok.out + ok.err);
  t.true(existsSync(path.join(dir, 'box3.ini')));
});

test('meta: flush_handlers runs notified handlers before the next task (e.g. restart before the canary)', async (t) => {
  const dir = workspace();
  const marker = path.join(dir, 'restarted');
  writeFileSync(path.join(dir, 'flush.yml'), `
- hosts: all
  tasks:
    - name: change
      copy: { dest: "${path.join(dir, 'conf')}", content: "a\\n" }
      notify: restart
    - meta: flush_handlers
    - name: the handler already ran
      command: { argv: [test, -e, "${marker}"], stateless: true }
  handlers:
    - name: restart
      command: { argv: [touch, "${marker}"], undo: [rm, -f, "${marker}"] }
`);
  const r = await cli(['apply', 'flush.yml', '-i', 'inv.yml', '--yes', '--json'], { cwd: dir });
  t.is(r.code, 0, r.out + r.err);
  const steps = r.out.trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.kind === 'host.step').map((e) => `${e.task}:${e.status}`);
  t.deepEqual(steps, ['change:changed', 'restart:changed', 'the handler already ran:ok']);
});

test('a host locked by an apply in flight is still checked (check changes nothing, so it takes no lock); an apply is refused it', async (t) => {
  const dir = workspace();
  writeCompliance(dir);
  const db = path.join(dir, 'journal.db');
  const j = openJournal(db, { now: () => Date.now() });
  // another apply of this machine, alive (this very process), holds box1
  const other = j.startRun({ command: 'apply', user: 'ops', controllerHost: os.hostname(), argv: [], inventoryPaths: [], connection: { hosts: {} } });
  t.true(j.acquireHostLock(other, 'box1', { pid: process.pid, controllerHost: os.hostname(), isAlive: () => true }).ok);
  const check = await cli(['check', 'comp.yml', '-i', 'inv.yml', '-e', 'flag=on', '--journal', db], { cwd: dir });
  t.is(check.code, 0, check.out + check.err);
  t.notRegex(check.out + check.err, /locked/);
  t.is(j.hostLocks().find((l) => l.host === 'box1')?.runId, other, 'the apply still holds its lock');
  const apply = await cli(['apply', 'site.yml', '-i', 'inv.yml', '--yes', '--journal', db], { cwd: dir });
  t.not(apply.code, 0);
  t.regex(apply.out + apply.err, new RegExp(`locked by run ${other}`));
  t.false(existsSync(path.join(dir, 'etc')), 'the locked host was not touched');
  j.close();
});
