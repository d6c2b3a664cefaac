// Running commands over a real sshd: results as values, quoting, MaxSessions, timeouts,
// output caps, become with and without a password, pty for requiretty.
import test from 'ava';
import { renderCommand } from '../../../src/transport/command.js';
import type { CommandSpec, ExecOutcome, ExecResult } from '../../../src/transport/types.js';
import { startSshd, type Sshd } from '../../helpers/sshd.js';
import { HOSTILE } from '../hostile.js';
import { host, knownHosts, ok, transport } from './fixture.js';

let sshd: Sshd;
let kh: string;
const ADDR = Array.from({ length: 20 }, (_, i) => `127.0.5.${i + 1}`);
let next = 0;
const fresh = () => ADDR[next++]!;

test.before(async () => {
  sshd = await startSshd();
  kh = knownHosts(sshd, ADDR);
});
test.after.always(async () => sshd?.stop());

function exit(t: { fail(msg: string): void }, r: ExecOutcome): ExecResult {
  if (r.kind !== 'exit') {
    t.fail(`expected a command result, got unreachable: ${r.reason}`);
    throw new Error(r.reason);
  }
  return r;
}

test('exit code, both streams and signals come back as values', async (t) => {
  const { t: tr } = transport(sshd, { knownHostsFile: kh });
  const h = host(sshd, fresh());
  t.like(await tr.exec(h, { cmd: { script: 'echo out; echo err >&2; exit 7' } }), { kind: 'exit', exitCode: 7, stdout: 'out\n', stderr: 'err\n', timedOut: false });
  // Kill the login shell sshd started (the parent of the `sh -c` our script runs in).
  t.like(await tr.exec(h, { cmd: { script: '[ "$(cat /proc/$PPID/comm)" = sh ] && kill -TERM $PPID' } }), { kind: 'exit', exitCode: null, signal: 'SIGTERM' });
  t.like(await tr.exec(h, { cmd: { argv: ['cat'] }, stdin: 'from stdin\n' }), { exitCode: 0, stdout: 'from stdin\n' });
  t.like(await tr.exec(h, { cmd: { argv: ['pwd'] }, cwd: '/tmp' }), { stdout: '/tmp\n' });
  t.like(await tr.exec(h, { cmd: { argv: ['/nonexistent/cmd'] } }), { exitCode: 127 });
  await tr.closeAll();
});

test('hostile values reach the remote printf byte-identical, under the login shell (dash) and bash', async (t) => {
  const { t: tr } = transport(sshd, { knownHostsFile: kh });
  const h = host(sshd, fresh());
  for (const [name, value] of HOSTILE) {
    const spec: CommandSpec = { cmd: { argv: ['printf', '%s', value] } };
    t.is(exit(t, await tr.exec(h, spec)).stdout, value, `dash: ${name}`);
    t.is(exit(t, await tr.exec(h, { cmd: { argv: ['bash', '-c', renderCommand(spec)] } })).stdout, value, `bash: ${name}`);
    t.is(exit(t, await tr.exec(h, { cmd: { script: 'printf "%s" "$V"' }, env: { V: value } })).stdout, value, `env: ${name}`);
  }
  t.is(exit(t, await tr.exec(h, { cmd: { script: 'readlink /proc/$$/exe' } })).stdout, '/usr/bin/dash\n', 'the remote shell is dash');
  await tr.closeAll();
});

test('MaxSessions: 20 commands at once on one host all succeed over one connection', async (t) => {
  const { t: tr } = transport(sshd, { knownHostsFile: kh });
  const address = fresh();
  const rs = await Promise.all(Array.from({ length: 20 }, (_, i) => tr.exec(host(sshd, address), { cmd: { script: `sleep 0.3; echo ${i}` } })));
  t.deepEqual(rs.map((r) => exit(t, r).stdout), Array.from({ length: 20 }, (_, i) => `${i}\n`));
  await tr.closeAll();
  t.is(sshd.connectionsTo(address), 1);
});

test('a per-host maxSessions above the server limit is lowered to what the server allows', async (t) => {
  const { t: tr } = transport(sshd, { knownHostsFile: kh });
  const address = fresh();
  const rs = await Promise.all(Array.from({ length: 20 }, () => tr.exec(host(sshd, address, { maxSessions: 16 }), { cmd: { script: 'sleep 0.3' } })));
  t.deepEqual(rs.map((r) => r.kind === 'exit' ? r.exitCode : r.reason), Array(20).fill(0));
  t.true(sshd.log().includes('no more sessions'), 'the server did refuse channels past its limit');
  await tr.closeAll();
  t.is(sshd.connectionsTo(address), 1);
});

test('a command timeout kills the remote process; the connection stays usable', async (t) => {
  const { t: tr } = transport(sshd, { knownHostsFile: kh });
  const h = host(sshd, fresh());
  const r = exit(t, await tr.exec(h, { cmd: { argv: ['sleep', '41.5'] }, timeoutMs: 300 }));
  t.true(r.timedOut);
  t.true(r.durationMs < 2000, `took ${r.durationMs} ms`);
  // A killed process can take a moment to leave the table on a loaded machine: wait up to 5 s.
  const ps = exit(t, await tr.exec(h, { cmd: { script: 'i=0; while [ $i -lt 50 ] && ps -eo args | grep -q "^sleep 41.5$"; do sleep 0.1; i=$((i+1)); done; ps -eo args | grep -c "^sleep 41.5$" || true' } }));
  t.is(ps.stdout.trim(), '0', 'the remote sleep was killed');
  await tr.closeAll();
  t.is(sshd.connectionsTo(h.address), 1);
});

test('output is capped per stream with the tail kept', async (t) => {
  const { t: tr } = transport(sshd, { knownHostsFile: kh, maxOutputBytes: 1000 });
  const h = host(sshd, fresh());
  const r = exit(t, await tr.exec(h, { cmd: { script: 'seq 1 300000; seq 1 5 >&2' } }));
  t.is(r.exitCode, 0);
  t.true(r.truncated);
  t.is(Buffer.byteLength(r.stdout), 1000);
  t.true(r.stdout.endsWith('299999\n300000\n'));
  t.is(r.stderr, '1\n2\n3\n4\n5\n');
  const small = exit(t, await tr.exec(h, { cmd: { script: 'seq 1 3' }, maxOutputBytes: 4 }));
  t.is(small.stdout, '2\n3\n');
  const cut = exit(t, await tr.exec(h, { cmd: { argv: ['printf', 'ééé'] }, maxOutputBytes: 3 }));
  t.is(cut.stdout, 'é', 'a cut inside a UTF-8 sequence drops the partial character');
  await tr.closeAll();
});

test('become without a password: sudo -n, cwd and env apply as root', async (t) => {
  const { t: tr } = transport(sshd, { knownHostsFile: kh });
  const h = host(sshd, fresh());
  t.like(await tr.exec(h, { cmd: { script: 'echo "$(id -u) $V $(pwd)"' }, become: {}, env: { V: "a b'c" }, cwd: '/root' }), { exitCode: 0, stdout: "0 a b'c /root\n" });
  t.like(await tr.exec(h, { cmd: { argv: ['id', '-un'] }, become: { user: sshd.passwordUser } }), { exitCode: 0, stdout: `${sshd.passwordUser}\n` });
  // A user whose sudo needs a password fails at once with sudo -n instead of hanging.
  const pwHost = host(sshd, fresh(), { user: sshd.passwordUser });
  const r = exit(t, await tr.exec(pwHost, { cmd: { argv: ['id', '-u'] }, become: {} }));
  t.is(r.exitCode, 1);
  t.regex(r.stderr, /a password is required/);
  await tr.closeAll();
});

test('become with a password: sudo -S over stdin, never in any argv on the host, masked in output', async (t) => {
  const { t: tr } = transport(sshd, { knownHostsFile: kh });
  const h = host(sshd, fresh(), { user: sshd.passwordUser });
  const become = { password: sshd.password };
  t.like(await tr.exec(h, { cmd: { argv: ['id', '-u'] }, become }), { exitCode: 0, stdout: '0\n' });
  t.like(await tr.exec(h, { cmd: { argv: ['cat'] }, become, stdin: 'after the password\n' }), { exitCode: 0, stdout: 'after the password\n' });
  // Every command line on the host while ours runs, base64 so that masking cannot hide a leak.
  const r = exit(t, await tr.exec(h, { cmd: { script: 'for f in /proc/[0-9]*/cmdline; do base64 -w0 "$f"; echo; done' }, become }));
  const cmdlines = r.stdout.split('\n').filter(Boolean).map((l) => Buffer.from(l, 'base64').toString().replace(/\0/g, ' '));
  t.true(cmdlines.length > 5);
  t.true(cmdlines.some((c) => c.startsWith("sudo -S -p  -H -u root -- sh -c")), 'our sudo command line is visible');
  t.false(cmdlines.some((c) => c.includes(sshd.password)), 'the password is in no argv');
  const leak = exit(t, await tr.exec(h, { cmd: { argv: ['printf', '%s', sshd.password] }, become }));
  t.is(leak.stdout, '********', 'the become password is masked in output');
  const wrong = exit(t, await tr.exec(h, { cmd: { argv: ['id'] }, become: { password: 'wrong' } }));
  t.is(wrong.exitCode, 1);
  await tr.closeAll();
});

test('requiretty: sudo gets a pty after "you must have a tty"; with a password too', async (t) => {
  const { t: tr } = transport(sshd, { knownHostsFile: kh });
  const h = host(sshd, fresh(), { user: sshd.ttyUser });
  t.like(await tr.exec(h, { cmd: { argv: ['id', '-u'] }, become: {} }), { kind: 'exit', exitCode: 0, stdout: '0\n' });
  t.like(await tr.exec(h, { cmd: { script: 'tty >/dev/null && echo has-tty' }, become: {} }), { exitCode: 0, stdout: 'has-tty\n' }, 'later commands go straight to a pty');
  const pw = host(sshd, fresh(), { user: sshd.passwordUser });
  const r = exit(t, await tr.exec(pw, { cmd: { argv: ['id', '-u'] }, become: { password: sshd.password }, pty: true }));
  t.is(r.exitCode, 0);
  t.is(r.stdout, '0\n', 'the password is neither echoed nor left in the output');
  await tr.closeAll();
});
