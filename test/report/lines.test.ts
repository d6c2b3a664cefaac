import test from 'ava';
import type { Event } from '../../src/report/events.js';
import { jsonLine, plainLine } from '../../src/report/lines.js';

const table: Array<{ event: Event; want: string | undefined }> = [
  { event: { kind: 'host.step', host: 'web01', task: 'write /etc/x', status: 'changed', ms: 12 }, want: 'changed: [web01] write /etc/x' },
  { event: { kind: 'host.step', host: 'web01', task: 'read', status: 'ok', ms: 1, msg: 'fine' }, want: 'ok: [web01] read' },
  {
    event: { kind: 'host.step', host: 'web02', task: 'reload apache', status: 'failed', ms: 40, msg: 'non-zero exit', exitCode: 1, stderr: 'AH00526: Syntax error\n' },
    want: 'failed: [web02] reload apache (rc=1): non-zero exit\nAH00526: Syntax error',
  },
  { event: { kind: 'host.step', host: 'web02', task: 'x', status: 'failed', ms: 1, rescued: true }, want: 'failed (rescued): [web02] x' },
  { event: { kind: 'host.step', host: 'web02', task: 'x', status: 'failed', ms: 1, ignored: true, msg: 'm' }, want: 'failed (ignored): [web02] x: m' },
  { event: { kind: 'host.step', host: 'db', task: 'raw', status: 'changed', ms: 3, exitCode: 0, stdout: 'up 3 days\n', stderr: '' }, want: 'changed: [db] raw (rc=0)\nup 3 days' },
  { event: { kind: 'host.step', host: 'db', task: 'raw', status: 'unreachable', ms: 3, msg: 'connect ECONNREFUSED' }, want: 'unreachable: [db] raw: connect ECONNREFUSED' },
  { event: { kind: 'host.plan', host: 'w', task: 'copy ini', status: 'change', diff: '--- a\n+++ b\n' }, want: 'will change: [w] copy ini\n--- a\n+++ b' },
  { event: { kind: 'host.plan', host: 'w', task: 'restart', status: 'skip', reason: 'condition false' }, want: 'skip: [w] restart (condition false)' },
  { event: { kind: 'host.plan', host: 'w', task: 'verify', status: 'unknown', reason: 'depends on pkg' }, want: 'unknown: [w] verify (depends on pkg)' },
  { event: { kind: 'host.end', host: 'w', status: 'ok' }, want: undefined },
  { event: { kind: 'host.end', host: 'w', status: 'unreachable', msg: 'timed out' }, want: 'unreachable: [w] timed out' },
  { event: { kind: 'host.end', host: 'w', status: 'skipped', msg: 'the fact probe did not run (exit 1): sudo: a password is required' }, want: 'could not check: [w] the fact probe did not run (exit 1): sudo: a password is required' },
  { event: { kind: 'host.end', host: 'w', status: 'failed', msg: 'aborted before the next task', interrupted: true }, want: 'interrupted: [w] aborted before the next task (resume finishes it)' },
  { event: { kind: 'host.start', host: 'w' }, want: undefined },
  { event: { kind: 'host.check', host: 'w', id: 'single-thread', status: 'pass' }, want: 'compliant: [w] single-thread' },
  {
    event: { kind: 'host.check', host: 'w', id: 'imagick', status: 'fail', expected: "version >= '3.7.0'", observed: '3.4.4' },
    want: `NON-COMPLIANT: [w] imagick (expected version >= '3.7.0'; observed "3.4.4")`,
  },
  { event: { kind: 'host.rollback', host: 'w', status: 'restored' }, want: 'rolled back: [w]' },
  { event: { kind: 'host.rollback', host: 'w', status: 'failed', msg: 'no inverse' }, want: 'rollback FAILED: [w] no inverse' },
  { event: { kind: 'batch.start', index: 0, hosts: ['a', 'b'], canary: true }, want: 'CANARY [a, b]' },
  { event: { kind: 'batch.start', index: 2, hosts: ['a', 'b', 'c', 'd', 'e', 'f', 'g'], canary: false }, want: 'BATCH 2 [7 hosts: a, b, c, d, e, … (+2)]' },
  { event: { kind: 'batch.end', index: 2, failed: 1, unreachable: 0, hosts: 7, failedPct: 100 / 7, aborted: false }, want: 'batch 2 done: 1 failed, 0 unreachable of 7 (14.29%)' },
  {
    event: { kind: 'batch.end', index: 0, failed: 1, unreachable: 0, hosts: 2, failedPct: 50, aborted: true, reason: 'canary: a failed' },
    want: 'canary done: 1 failed, 0 unreachable of 2 (50%)\nrollout stopped: canary: a failed',
  },
  { event: { kind: 'pause', seconds: 30 }, want: 'pausing 30s before the next batch' },
  { event: { kind: 'pause', prompt: 'Continue?' }, want: 'waiting for confirmation: Continue?' },
  { event: { kind: 'warning', msg: 'no hosts matched', host: undefined }, want: '[WARNING]: no hosts matched' },
  { event: { kind: 'run.start', runId: 'r1', command: 'apply', playbook: 'fix.yml', hosts: 20, batches: [6, 6, 6, 2], at: '2024-01-01T00:00:00Z' }, want: 'apply fix.yml: 20 hosts in 4 batches (6, 6, 6, 2) [run r1]' },
  { event: { kind: 'run.end', exitCode: 0, aborted: false }, want: undefined },
];

for (const [i, row] of table.entries()) {
  test(`plainLine #${i + 1}: ${row.event.kind} → ${JSON.stringify(row.want)}`, (t) => {
    t.is(plainLine(row.event), row.want);
  });
}

test('jsonLine: one line per event, parseable back to the same event', (t) => {
  const events: Event[] = [
    { kind: 'host.step', host: 'w', task: 'multi\nline', status: 'failed', ms: 3, stdout: 'a\nb\r\n', exitCode: null },
    { kind: 'host.fact', host: 'w', fact: 'php', value: { modules: ['imagick'], version: '8.1' } },
    { kind: 'batch.end', index: 1, failed: 0, unreachable: 0, hosts: 3, failedPct: 0, aborted: false },
  ];
  for (const e of events) {
    const line = jsonLine(e);
    t.false(line.includes('\n'));
    t.deepEqual(JSON.parse(line), e);
  }
});

test('jsonLine: fact values that JSON cannot hold natively still serialise', (t) => {
  const e: Event = { kind: 'host.fact', host: 'w', fact: 'odd', value: { big: 2n ** 70n, m: new Map([['k', 1]]), s: new Set(['x']) } };
  t.deepEqual(JSON.parse(jsonLine(e)).value, { big: '1180591620717411303424', m: { k: 1 }, s: ['x'] });
});
