// SSH fan-out bench: one command on 200 hosts (127.0.1.x aliases of one real sshd) at
// concurrency 50 — remediate's transport vs `ansible -m raw -f 50` vs `parallel-ssh -p 50`,
// in the same run, with ratios and remediate's client CPU per host.
// Standalone: `npx tsx bench/ssh.ts` (root, Debian openssh-server, ansible-core, pssh).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pLimit from 'p-limit';
import { createSshTransport } from '../src/transport/ssh/index.js';
import type { HostConn } from '../src/transport/types.js';
import { startSshd, type Sshd } from '../test/helpers/sshd.js';

const HOSTS = 200;
const FORKS = 50;

const addressOf = (i: number) => `127.0.${1 + Math.floor(i / 250)}.${(i % 250) + 1}`;

function which(bin: string): string | undefined {
  for (const dir of ['/usr/bin', '/usr/local/bin', '/bin']) if (existsSync(join(dir, bin))) return join(dir, bin);
  return undefined;
}

function runTool(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(cmd, args, { env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

async function runRemediate(sshd: Sshd, addresses: string[], kh: string, home: string): Promise<{ ms: number; cpuMsPerHost: number; failed: number }> {
  const transport = createSshTransport({ homeDir: home, knownHostsFile: kh, warn: () => undefined });
  const limit = pLimit(FORKS);
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  const results = await Promise.all(addresses.map((address) => limit(async () => {
    const host: HostConn = { name: address, address, port: sshd.port, user: sshd.user, connection: 'ssh', privateKeyFile: sshd.keyFile };
    const r = await transport.exec(host, { cmd: { argv: ['true'] } });
    await transport.close(host);
    return r;
  })));
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpu0);
  await transport.closeAll();
  return { ms, cpuMsPerHost: (cpu.user + cpu.system) / 1000 / addresses.length, failed: results.filter((r) => r.kind !== 'exit' || r.exitCode !== 0).length };
}

async function runAnsible(sshd: Sshd, addresses: string[], kh: string, dir: string): Promise<string> {
  const bin = which('ansible');
  if (!bin) return 'ansible: not installed (apt-get install ansible-core) — skipped';
  const inv = join(dir, 'inventory.ini');
  writeFileSync(inv, [
    '[fleet]',
    ...addresses.map((a, i) => `h${i + 1} ansible_host=${a}`),
    '[fleet:vars]',
    `ansible_port=${sshd.port}`,
    `ansible_user=${sshd.user}`,
    `ansible_ssh_private_key_file=${sshd.keyFile}`,
    `ansible_ssh_common_args='-o UserKnownHostsFile=${kh} -o StrictHostKeyChecking=yes'`,
    '',
  ].join('\n'));
  const env = {
    ...process.env,
    ANSIBLE_HOME: join(dir, 'ansible-home'),
    ANSIBLE_LOCAL_TEMP: join(dir, 'ansible-tmp'),
    ANSIBLE_SSH_CONTROL_PATH_DIR: join(dir, 'cp'),
    ANSIBLE_HOST_KEY_CHECKING: 'True',
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_CONFIG: join(dir, 'none.cfg'),
  };
  const r = await runTool(bin, ['all', '-i', inv, '-m', 'raw', '-a', 'true', '-f', String(FORKS)], env);
  const okHosts = (r.stdout.match(/\| (CHANGED|SUCCESS) \|/g) ?? []).length;
  return JSON.stringify({ ms: r.ms, ok: okHosts, code: r.code, err: r.code ? r.stderr.slice(-300) + r.stdout.slice(-300) : '' });
}

async function runPssh(sshd: Sshd, addresses: string[], kh: string, dir: string): Promise<string> {
  const bin = which('parallel-ssh');
  if (!bin) return 'parallel-ssh: not installed (apt-get install pssh) — skipped';
  const hostsFile = join(dir, 'pssh-hosts');
  writeFileSync(hostsFile, addresses.map((a) => `${sshd.user}@${a}:${sshd.port}\n`).join(''));
  const r = await runTool(bin, ['-h', hostsFile, '-p', String(FORKS), '-t', '120', '-x', `-i ${sshd.keyFile} -o UserKnownHostsFile=${kh} -o StrictHostKeyChecking=yes -o BatchMode=yes`, 'true'], process.env);
  const okHosts = (r.stdout.match(/\[SUCCESS\]/g) ?? []).length;
  return JSON.stringify({ ms: r.ms, ok: okHosts, code: r.code, err: r.code ? r.stdout.slice(-300) : '' });
}

function toolLine(name: string, raw: string, remediateMs: number, target: number): string {
  if (!raw.startsWith('{')) return `  ${raw}`;
  const r = JSON.parse(raw) as { ms: number; ok: number; code: number; err: string };
  const status = r.ok === HOSTS ? `${r.ok}/${HOSTS} ok` : `${r.ok}/${HOSTS} ok, exit ${r.code}: ${r.err.replace(/\s+/g, ' ').slice(0, 200)}`;
  const ratio = r.ms / remediateMs;
  return `  ${name.padEnd(24)} ${(r.ms / 1000).toFixed(2).padStart(6)} s  (${status})  remediate ${ratio.toFixed(1)}x faster (target >= ${target}x${ratio >= target ? ', met' : ', NOT met'})`;
}

export async function benchSsh(): Promise<string> {
  if (!existsSync('/usr/sbin/sshd')) return 'ssh bench: /usr/sbin/sshd missing (apt-get install openssh-server) — skipped';
  const dir = mkdtempSync(join(tmpdir(), 'rmd-bench-ssh-'));
  const sshd = await startSshd();
  try {
    const addresses = Array.from({ length: HOSTS }, (_, i) => addressOf(i));
    const kh = join(dir, 'known_hosts');
    writeFileSync(kh, addresses.map((a) => sshd.knownHostsLine(a) + '\n').join(''));
    const home = mkdtempSync(join(dir, 'home-'));
    // Warm up the JIT and module loading on a few hosts outside the measured run.
    await runRemediate(sshd, addresses.slice(0, 10), kh, home);
    const ours = await runRemediate(sshd, addresses, kh, home);
    const ansible = await runAnsible(sshd, addresses, kh, dir);
    const pssh = await runPssh(sshd, addresses, kh, dir);
    return [
      `ssh fan-out: ${HOSTS} hosts (aliases of one OpenSSH sshd), one command each, concurrency ${FORKS}`,
      `  ${'remediate (ssh2)'.padEnd(24)} ${(ours.ms / 1000).toFixed(2).padStart(6)} s  (${HOSTS - ours.failed}/${HOSTS} ok)  client CPU ${ours.cpuMsPerHost.toFixed(2)} ms/host (target <= 5${ours.cpuMsPerHost <= 5 ? ', met' : ', NOT met'})`,
      toolLine('ansible -m raw -f 50', ansible, ours.ms, 4),
      toolLine('parallel-ssh -p 50', pssh, ours.ms, 2),
    ].join('\n');
  } finally {
    await sshd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await benchSsh());
}
