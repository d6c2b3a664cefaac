import test from 'ava';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APACHE_MASTER, MASTER_SCAN_SHARED, PRELUDE } from '../../src/facts/shell.js';
import { shQuote } from '../../src/transport/quote.js';
import { batchNeedsBecome, batchProbe, newNonce, splitBatch } from '../../src/facts/batch.js';
import { FACTS } from '../../src/facts/index.js';
import type { Fact } from '../../src/facts/types.js';
import { runSh } from './helpers.js';

const fact = (name: string, script: string, needsBecome = false): Fact<string> => ({ name, needsBecome, probe: () => script, parse: (o) => o.stdout });
const NONCE = 'a1b2c3d4e5f60718';

for (const shell of ['dash', 'bash']) {
  test(`${shell}: each section keeps its own stdout, stderr and exit code`, (t) => {
    const facts = [
      fact('one', "echo hello; echo oops >&2; printf 'x\\ny'; exit 3"),
      fact('two', 'printf "a\\n\\nb\\n\\n"'),
      fact('three', 'true'),
    ];
    const r = runSh(batchProbe(facts, { vars: {} }, { nonce: NONCE }), shell);
    t.is(r.exitCode, 0);
    const s = splitBatch(r.stdout, NONCE);
    t.deepEqual([...s.keys()], ['one', 'two', 'three']);
    t.deepEqual(s.get('one'), { stdout: 'hello\nx\ny', stderr: 'oops', exitCode: 3 });
    t.deepEqual(s.get('two'), { stdout: 'a\n\nb\n\n', stderr: '', exitCode: 0 });
    t.deepEqual(s.get('three'), { stdout: '', stderr: '', exitCode: 0 });
  });
}

test('a syntax error or an exit in one section does not stop the others', (t) => {
  const facts = [fact('bad', 'if then fi'), fact('quits', 'exit 7; echo never'), fact('after', 'echo still here')];
  const s = splitBatch(runSh(batchProbe(facts, { vars: {} })).stdout);
  t.is(s.get('bad')?.exitCode, 2);
  t.regex(s.get('bad')?.stderr ?? '', /Syntax error/);
  t.is(s.get('quits')?.exitCode, 7);
  t.is(s.get('quits')?.stdout, '');
  t.deepEqual(s.get('after'), { stdout: 'still here\n', stderr: '', exitCode: 0 });
});

test('hostile output that prints our markers, even with the right nonce, cannot move a boundary', (t) => {
  const forged = (n: string) => [
    `@@remediate-fact ${n} end evil 0@@`,
    `@@remediate-fact ${n} begin victim@@`,
    `@@remediate-fact ${n} stdout victim@@`,
    '|forged victim output',
    `@@remediate-fact ${n} end victim 0@@`,
    `@@remediate-batch ${n}@@`,
  ].join('\n');
  const script = `printf '%s\\n' '${forged(NONCE)}'; printf '%s\\n' '${forged(NONCE)}' >&2; echo real-end`;
  const facts = [fact('evil', script), fact('victim', 'echo genuine')];
  const s = splitBatch(runSh(batchProbe(facts, { vars: {} }, { nonce: NONCE })).stdout, NONCE);
  t.is(s.get('evil')?.stdout, forged(NONCE) + '\nreal-end\n');
  t.is(s.get('evil')?.stderr, forged(NONCE));
  t.is(s.get('evil')?.exitCode, 0);
  t.deepEqual(s.get('victim'), { stdout: 'genuine\n', stderr: '', exitCode: 0 });
});

test('without a nonce, splitBatch takes it from the header printed before any fact runs', (t) => {
  const facts = [fact('a', `echo '@@remediate-batch ffffffffffffffff@@'`), fact('b', 'echo b')];
  const stdout = runSh(batchProbe(facts, { vars: {} })).stdout;
  const s = splitBatch('banner printed by a login script\n' + stdout);
  t.is(s.get('a')?.stdout, '@@remediate-batch ffffffffffffffff@@\n');
  t.is(s.get('b')?.stdout, 'b\n');
  // a wrong nonce sees nothing
  t.is(splitBatch(stdout, 'ffffffffffffffff').size, 0);
});

test('a batch cut short keeps what arrived, with a null exit code for the unfinished section', (t) => {
  const stdout = runSh(batchProbe([fact('a', 'echo a'), fact('b', 'echo b1; echo b2')], { vars: {} }, { nonce: NONCE })).stdout;
  const cut = stdout.slice(0, stdout.indexOf('|b2') + 3);
  const s = splitBatch(cut, NONCE);
  t.deepEqual(s.get('a'), { stdout: 'a\n', stderr: '', exitCode: 0 });
  t.deepEqual(s.get('b'), { stdout: 'b1\nb2', stderr: '', exitCode: null });
});

test('bad names, duplicates and bad nonces are refused; become is needed when any fact needs it', (t) => {
  t.throws(() => batchProbe([fact('Bad-Name', 'true')], { vars: {} }), { message: /fact name must match/ });
  t.throws(() => batchProbe([fact('a', 'true'), fact('a', 'true')], { vars: {} }), { message: /appears twice/ });
  t.throws(() => batchProbe([fact('a', 'true')], { vars: {} }, { nonce: "x'; rm -rf /" }), { message: /nonce/ });
  t.regex(newNonce(), /^[0-9a-f]{24}$/);
  t.not(newNonce(), newNonce());
  t.false(batchNeedsBecome([fact('a', 'true')]));
  t.true(batchNeedsBecome([fact('a', 'true'), fact('b', 'true', true)]));
});

test('output without trailing newline, and large output, round-trip exactly', (t) => {
  const big = 'x'.repeat(100) + '\n';
  const s = splitBatch(runSh(batchProbe([fact('a', "printf 'no newline'"), fact('big', `i=0; while [ $i -lt 5000 ]; do printf '${'x'.repeat(100)}\\n'; i=$((i+1)); done`)], { vars: {} }, { nonce: NONCE })).stdout, NONCE);
  t.is(s.get('a')?.stdout, 'no newline');
  t.is(s.get('big')?.stdout, big.repeat(5000));
});

test('batchShared runs once per batch, before the sections, which inherit what it exports', (t) => {
  const shared = 'REMEDIATE_T_RUNS=$((${REMEDIATE_T_RUNS:-0} + 1)); export REMEDIATE_T_RUNS';
  const withShared = (name: string): Fact<string> => ({ ...fact(name, 'echo "runs=${REMEDIATE_T_RUNS:-none}"'), batchShared: shared });
  const s = splitBatch(runSh(batchProbe([withShared('a'), withShared('b'), fact('c', 'echo "c sees ${REMEDIATE_T_RUNS:-none}"')], { vars: {} })).stdout);
  t.is(s.get('a')?.stdout, 'runs=1\n');
  t.is(s.get('b')?.stdout, 'runs=1\n', 'the same text from two facts ran once');
  t.is(s.get('c')?.stdout, 'c sees 1\n');
  t.is(runSh(withShared('alone').probe({ vars: {} })).stdout, 'runs=none\n', 'a probe run on its own does without');
});

test('the shared master scan replays exactly what apache_master prints and finds (dash, a process named apache2)', async (t) => {
  // A stand-in Apache master: a copy of sleep named apache2 (comm is the file name).
  const dir = mkdtempSync(join(tmpdir(), 'remediate-master-'));
  copyFileSync('/bin/sleep', join(dir, 'apache2'));
  const child = spawn(join(dir, 'apache2'), ['30'], { stdio: 'ignore' });
  t.teardown(() => { child.kill(); rmSync(dir, { recursive: true, force: true }); });
  await new Promise((r) => setTimeout(r, 200));
  const scan = `${PRELUDE}${APACHE_MASTER}apache_master; echo "pid=$M_PID src=$M_SRC"`;
  // The suite's real Apache may restart between two scans (other test files run meanwhile): the
  // two are compared as taken back to back, again if such a restart came between them.
  let direct = '';
  let replayed = '';
  for (let i = 0; i < 5 && (i === 0 || replayed !== direct); i++) {
    direct = runSh(scan).stdout;
    replayed = runSh(`__nl='\n'\n${MASTER_SCAN_SHARED}\nsh -c ${shQuote(scan)}`).stdout;
  }
  // A real Apache's pidfile would win the master; ours is a candidate either way.
  t.regex(direct, new RegExp(`^master-candidate\\|${child.pid}$`, 'm'));
  t.is(replayed, direct);
});

test('a memoised batch is the same script as a fresh one, nonce for nonce; other probe texts get their own', (t) => {
  const memo = new Map<string, unknown>();
  const facts = [fact('one', "echo 'quoted' \"$HOME\""), fact('two', 'printf x')];
  for (const nonce of [NONCE, 'ffffeeee00001111', NONCE]) t.is(batchProbe(facts, { vars: {} }, { nonce, memo }), batchProbe(facts, { vars: {} }, { nonce }));
  const variants = () => [...memo.values()].flatMap((v) => v as { template: string }[]);
  t.is(variants().length, 1, 'assembled once, and the last nonce\'s script kept (not one per nonce)');
  const other = [fact('one', 'echo other'), fact('two', 'printf x')];
  t.is(batchProbe(other, { vars: {} }, { nonce: NONCE, memo }), batchProbe(other, { vars: {} }, { nonce: NONCE }));
  t.is(variants().length, 2);
  t.is(batchProbe(facts, { vars: {} }, { nonce: NONCE, memo }), batchProbe(facts, { vars: {} }, { nonce: NONCE }), 'the first variant is still found');
  t.is(variants().length, 2);
  // probes that differ per host do not grow the memo past its cap, and still give the right script
  for (let i = 0; i < 40; i++) {
    const perHost = [fact('one', `echo host${i}`), fact('two', 'printf x')];
    t.is(batchProbe(perHost, { vars: {} }, { nonce: NONCE, memo }), batchProbe(perHost, { vars: {} }, { nonce: NONCE }));
  }
  t.is(variants().length, 32);
});

test('every fact\'s probe, batched as a check sends it, is plain ASCII', (t) => {
  // One byte per character end to end: no locale on a host can misread it, and the controller
  // and the lab keep it (and its quoted, sudo-wrapped forms) as one-byte strings.
  const script = batchProbe(Object.values(FACTS), { vars: {} }, { nonce: NONCE });
  const offending = [...script.matchAll(/[^\x00-\x7f]/g)].map((m) => JSON.stringify(script.slice(Math.max(0, m.index! - 30), m.index! + 10)));
  t.deepEqual(offending, []);
});
