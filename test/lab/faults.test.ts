// The faulty profile's faults, each on its own host, seen through the product's ssh transport
// as a real fleet would show them.
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { startLab, type RunningLab } from '../../src/lab/lab.js';
import type { HostFaults } from '../../src/lab/host.js';
import { createSshTransport } from '../../src/transport/ssh/index.js';
import type { ExecOutcome, HostConn } from '../../src/transport/types.js';
import { atomicWriteScript } from '../../src/modules/copy.js';
import { cli } from '../helpers/cli.js';

const FAULTS: Record<number, HostFaults> = {
  0: { unreachable: true },
  1: { authFailure: true },
  2: { changedHostKey: true },
  3: { dropMidCommand: true },
  4: { diskFull: true },
  5: { dieOnReload: true },
  6: { sudoPassword: 'lab-sudo-424242' },
  7: { slowCommandMs: 3000 },
  8: { slowHandshakeMs: 4000 },
  9: { mirrorFailure: true },
  10: {},
};

let lab: RunningLab;
let dir: string;
let conns: HostConn[];
const warnings: string[] = [];
const transport = () => createSshTransport({ homeDir: dir, warn: (m) => warnings.push(m), connectRetries: 0, connectTimeoutMs: 1500 });
let ssh: ReturnType<typeof createSshTransport>;

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'labf-'));
  lab = await startLab({ hosts: 11, profile: 'faulty', seed: 9, inventoryPath: join(dir, 'lab.yml'), basePort: 0, faults: FAULTS });
  const inv = parse(readFileSync(lab.inventoryPath, 'utf8'));
  const v = inv.all.vars;
  conns = Object.entries(inv.all.hosts as Record<string, { ansible_host: string; ansible_port: number }>).map(([name, h]) => ({
    name, address: h.ansible_host, port: h.ansible_port, user: v.ansible_user, connection: 'ssh' as const,
    privateKeyFile: v.ansible_ssh_private_key_file, knownHostsFile: v.remediate_known_hosts_file, hostKeyPolicy: 'strict' as const,
  }));
  ssh = transport();
});

test.after.always(async () => {
  await ssh?.closeAll();
  await lab?.close();
  rmSync(dir, { recursive: true, force: true });
});

const exitOf = (r: ExecOutcome) => (r.kind === 'exit' ? r : null);

test('a clean host of the faulty lab answers', async (t) => {
  const r = exitOf(await ssh.exec(conns[10], { cmd: { argv: ['cat', '/etc/hostname'] } }));
  t.is(r?.exitCode, 0);
  t.is(r?.stdout, `${conns[10].name}\n`);
});

test('unreachable: nothing listens, connection refused', async (t) => {
  const r = await ssh.exec(conns[0], { cmd: { argv: ['true'] } });
  t.is(r.kind, 'unreachable');
  t.regex((r as { reason: string }).reason, /refused|ECONNREFUSED/i);
});

test('auth failure: the key is refused, permanently', async (t) => {
  const r = await ssh.exec(conns[1], { cmd: { argv: ['true'] } });
  t.like(r, { kind: 'unreachable', permanent: true });
  t.regex((r as { reason: string }).reason, /auth/i);
});

test('changed host key: refused against known_hosts, permanently', async (t) => {
  const r = await ssh.exec(conns[2], { cmd: { argv: ['true'] } });
  t.like(r, { kind: 'unreachable', permanent: true });
  t.regex((r as { reason: string }).reason, /host key/i);
});

test('connection dropped mid-command: no exit status, the outcome is unknown', async (t) => {
  const r = await ssh.exec(conns[3], { cmd: { argv: ['cat', '/etc/os-release'] } });
  t.is(r.kind, 'unreachable');
  t.regex((r as { reason: string }).reason, /connection lost/i);
});

test('disk full: an atomic write fails with ENOSPC and leaves no file behind', async (t) => {
  const path = '/etc/remediate-full.conf';
  const w = exitOf(await ssh.exec(conns[4], { cmd: { script: atomicWriteScript(path, '0644') }, become: {}, stdin: Buffer.from('x = 1\n').toString('base64') + '\n' }));
  t.truthy(w);
  t.not(w!.exitCode, 0);
  t.regex(w!.stderr, /No space left on device/);
  const ls = exitOf(await ssh.exec(conns[4], { cmd: { script: 'ls -a /etc | grep remediate || echo none' }, become: {} }));
  t.is(ls?.stdout, 'none\n');
});

test('apache dies on a reload for another reason: not running, not the leak in the log or the truth', async (t) => {
  const g = exitOf(await ssh.exec(conns[5], { cmd: { argv: ['apachectl', 'graceful'] }, become: {} }));
  t.is(g?.exitCode, 0, 'apachectl graceful signals and returns');
  const c = exitOf(await ssh.exec(conns[5], { cmd: { argv: ['curl', '-s', 'http://127.0.0.1/server-status?auto'] } }));
  t.is(c?.exitCode, 7);
  const h = lab.status({ perHost: true }).perHost![5];
  t.false(h.alive);
  t.false(h.at_risk);
  const log = exitOf(await ssh.exec(conns[5], { cmd: { script: 'tail -n 2 /var/log/apache2/error.log 2>/dev/null || tail -n 2 /var/log/httpd/error_log' }, become: {} }));
  t.regex(log!.stdout, /AH00020: Configuration Failed, exiting/);
  t.notRegex(log!.stdout, /thread pool destructor/);
});

test('sudo needs a password: -n refused; the password over stdin (sudo -S) works', async (t) => {
  const n = exitOf(await ssh.exec(conns[6], { cmd: { argv: ['id', '-u'] }, become: {} }));
  t.is(n?.exitCode, 1);
  t.regex(n!.stderr, /a password is required/);
  const bad = exitOf(await ssh.exec(conns[6], { cmd: { argv: ['id', '-u'] }, become: { password: 'wrong' } }));
  t.is(bad?.exitCode, 1);
  t.regex(bad!.stderr, /incorrect password/);
  const ok = exitOf(await ssh.exec(conns[6], { cmd: { argv: ['id', '-u'] }, become: { password: FAULTS[6].sudoPassword } }));
  t.is(ok?.exitCode, 0);
  t.is(ok?.stdout, '0\n');
});

// The fact batch reads root-only files through sudo. Its own `become` once dropped the run's
// password, so -K never reached it: every host whose sudo wants a password could not be checked,
// and plan failed it on "undefined variable 'facts.php_extension.apache'".
const sudoCases: { name: string; args: string[]; env: Record<string, string>; code: number; says: RegExp }[] = [
  { name: 'no password: could not check, and why', args: [], env: {}, code: 16, says: /could not check: \[web-0007\] the fact probe did not run[^]*COULD NOT CHECK: not checked: the fact probe did not run \(exit 1\): sudo: a password is required \(.*-K or --become-password-env NAME\)/ },
  { name: 'a wrong password: could not check, sudo refused it', args: ['--become-password-env', 'LAB_PW'], env: { LAB_PW: 'wrong' }, code: 16, says: /the fact probe did not run \(exit 1\): .*incorrect password.*\(sudo refused the password given\)/ },
  { name: 'the password: facts gathered, keys measured as root', args: ['--become-password-env', 'LAB_PW'], env: { LAB_PW: FAULTS[6].sudoPassword! }, code: -1, says: /1 hosts: \d compliant, \d non-compliant, 0 waived, 0 could not be checked/ },
];
for (const c of sudoCases) {
  test.serial(`check on a host whose sudo wants a password: ${c.name}`, async (t) => {
    const report = join(dir, `sudo-${sudoCases.indexOf(c)}.json`);
    const r = await cli(['check', 'playbooks/imagick.yml', '-i', lab.inventoryPath, '-l', conns[6].name, '--report', `json:${report}`, ...c.args], { cwd: process.cwd(), env: c.env });
    if (c.code >= 0) t.is(r.code, c.code, r.out + r.err);
    else t.false([16, 64, 70].includes(r.code), r.out + r.err);
    t.regex(r.out, c.says);
    t.notRegex(r.out, /undefined variable/);
    t.false((r.out + r.err).includes(FAULTS[6].sudoPassword!), 'the password is in no output');
    const row = (JSON.parse(readFileSync(report, 'utf8')) as { hosts: { keys_in_use: number | null }[] }).hosts[0];
    t.is(row.keys_in_use, c.code === 16 ? null : lab.status({ perHost: true }).perHost![6].keys_in_use);
  });
}

test.serial('plan on a host whose sudo wants a password: without it the host fails on the reason, not on a playbook expression', async (t) => {
  const r = await cli(['plan', 'playbooks/imagick.yml', '-i', lab.inventoryPath, '-l', conns[6].name], { cwd: process.cwd() });
  t.is(r.code & 2, 2, r.out + r.err);
  t.regex(r.out, /failed: \[web-0007\] the fact probe did not run \(exit 1\): sudo: a password is required/);
  t.notRegex(r.out, /undefined variable/);
  const ok = await cli(['plan', 'playbooks/imagick.yml', '-i', lab.inventoryPath, '-l', conns[6].name, '--become-password-env', 'LAB_PW'], { cwd: process.cwd(), env: { LAB_PW: FAULTS[6].sudoPassword! } });
  t.is(ok.code & 2, 0, ok.out + ok.err);
  t.regex(ok.out, /1 host\(s\): 1 with steps to act on|1 host\(s\): 0 with steps to act on, 1 with nothing to change/);
});

test('slow command: the transport times it out', async (t) => {
  const r = exitOf(await ssh.exec(conns[7], { cmd: { argv: ['true'] }, timeoutMs: 300 }));
  t.true(r?.timedOut);
});

// rollout.host_timeout bounds a host's check and play: a host whose every command crawls is cut
// at the budget (here 1 s against 3 s per command) and named, instead of holding the run.
test.serial('slow command under host_timeout: check cannot check it and says why; plan fails it at the budget', async (t) => {
  const pb = join(dir, 'imagick-1s.yml');
  writeFileSync(pb, readFileSync('playbooks/imagick.yml', 'utf8').replace(/host_timeout: \S+/, 'host_timeout: 1s'));
  const c = await cli(['check', pb, '-i', lab.inventoryPath, '-l', conns[7].name], { cwd: process.cwd() });
  t.is(c.code, 16, c.out + c.err);
  t.regex(c.out, /could not check: \[web-0008\] host_timeout: the check took longer than 1s on this host; facts: the fact probe did not finish within 1 s/);
  const p = await cli(['plan', pb, '-i', lab.inventoryPath, '-l', conns[7].name], { cwd: process.cwd() });
  t.is(p.code & 2, 2, p.out + p.err);
  t.regex(p.out, /failed: \[web-0008\] host_timeout: the play took longer than 1s on this host; facts: the fact probe did not finish within 1 s/);
});

test('slow handshake: longer than the connect timeout is unreachable', async (t) => {
  const r = await ssh.exec(conns[8], { cmd: { argv: ['true'] } });
  t.is(r.kind, 'unreachable');
  t.regex((r as { reason: string }).reason, /time/i);
});

test('package mirror failure: apt-get update warns of the 503, installs fail', async (t) => {
  const distro = lab.hosts[9].d;
  if (distro.family === 'debian') {
    const u = exitOf(await ssh.exec(conns[9], { cmd: { argv: ['apt-get', 'update'] }, become: {} }));
    t.is(u?.exitCode, 0);
    t.regex(u!.stderr, /503\s+Service Unavailable/);
  } else {
    const i = exitOf(await ssh.exec(conns[9], { cmd: { argv: ['yum', 'install', '-y', distro.imagickPkg] }, become: {} }));
    t.is(i?.exitCode, 1);
    t.regex(i!.stderr, /All mirrors were tried/);
  }
});

// The lab's sshd (ssh2) takes packets of at most 35 000 bytes, as dropbear does: a long script
// cannot ride in the exec request. A check's batched probe is ~26 KB and grows with each
// library it learns; it went past the limit on the 17th host of a check.
test('a 60 KB script runs on a server whose packets stop at 35 000 bytes, with and without a sudo password', async (t) => {
  const script = `printf '%s\\n' "it's $(id -u)"\n${`# ${'x'.repeat(98)}\n`.repeat(600)}exit 5\n`;
  t.true(script.length > 60_000);
  const plain = exitOf(await ssh.exec(conns[10], { cmd: { script }, become: {} }));
  t.is(plain?.stdout, "it's 0\n");
  t.is(plain?.exitCode, 5);
  const withPassword = exitOf(await ssh.exec(conns[6], { cmd: { script }, become: { password: 'lab-sudo-424242' } }));
  t.is(withPassword?.stdout, "it's 0\n");
  t.is(withPassword?.exitCode, 5);
});
