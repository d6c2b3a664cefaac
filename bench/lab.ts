// Lab bench: a 3000-host lab as `remediate lab up` starts it (time to ready, RSS), one command on
// every host at concurrency 200 through the product's ssh transport (new connections/s, CPU per
// host in the lab and in the controller), and fact gathering (every fact, batched, with become)
// on 300 hosts. Baseline in the same run: `ansible -m raw -f 50` running the same command on the
// same 300 hosts against the same lab (it also proves the lab takes OpenSSH clients).
// Standalone: `npx tsx bench/lab.ts [hosts]`.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pLimit from 'p-limit';
import { parse } from 'yaml';
import { FACTS, gatherFacts, isUnknown, type ProbeRunner } from '../src/facts/index.js';
import { labProcessControl } from '../src/cli/lab-process.js';
import { labDown, labUp } from '../src/lab/index.js';
import { createSshTransport } from '../src/transport/ssh/index.js';
import type { HostConn } from '../src/transport/types.js';

const CONCURRENCY = 200;
const FACT_HOSTS = 300;
const FORKS = 50;

/** utime + stime of a process, in ms (the lab daemon's CPU). */
function procCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
}

function procRssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

function selfCpuMs(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
}

function connsOf(inventoryPath: string): HostConn[] {
  const inv = parse(readFileSync(inventoryPath, 'utf8'));
  const v = inv.all.vars;
  return Object.entries(inv.all.hosts as Record<string, { ansible_host: string; ansible_port: number }>).map(([name, h]) => ({
    name, address: h.ansible_host, port: h.ansible_port, user: v.ansible_user, connection: 'ssh' as const,
    privateKeyFile: v.ansible_ssh_private_key_file, knownHostsFile: v.remediate_known_hosts_file, hostKeyPolicy: 'strict' as const,
  }));
}

async function fanOut(conns: HostConn[], labPid: number, home: string, concurrency: number, argv: string[]) {
  const transport = createSshTransport({ homeDir: home, warn: () => undefined, connectTimeoutMs: 60_000 });
  const limit = pLimit(concurrency);
  const lab0 = procCpuMs(labPid);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const results = await Promise.all(conns.map((host) => limit(async () => {
    const r = await transport.exec(host, { cmd: { argv } });
    await transport.close(host);
    return r;
  })));
  const ms = performance.now() - t0;
  const clientCpu = selfCpuMs(cpu0);
  const labCpu = procCpuMs(labPid) - lab0;
  await transport.closeAll();
  const ok = results.filter((r) => r.kind === 'exit' && r.exitCode === 0).length;
  const firstBad = results.find((r) => r.kind !== 'exit' || r.exitCode !== 0);
  return { ms, ok, clientCpu, labCpu, firstBad };
}

async function gather(conns: HostConn[], labPid: number, home: string) {
  const transport = createSshTransport({ homeDir: home, warn: () => undefined, connectTimeoutMs: 60_000 });
  const limit = pLimit(CONCURRENCY);
  const facts = Object.values(FACTS);
  const lab0 = procCpuMs(labPid);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const cache = new Map<string, unknown>();
  const results = await Promise.all(conns.map((host) => limit(async () => {
    const run: ProbeRunner = async (script, o) => {
      const r = await transport.exec(host, { cmd: { script }, become: o?.become ? {} : undefined, timeoutMs: o?.timeoutMs ?? 60_000, maxOutputBytes: o?.maxOutputBytes });
      return r.kind === 'exit' ? { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode } : r;
    };
    const g = await gatherFacts(run, facts, { vars: {} }, { become: true, cache });
    await transport.close(host);
    return g;
  })));
  const ms = performance.now() - t0;
  const clientCpu = selfCpuMs(cpu0);
  const labCpu = procCpuMs(labPid) - lab0;
  await transport.closeAll();
  let known = 0;
  let total = 0;
  for (const g of results) {
    if (g.kind !== 'facts') continue;
    for (const v of Object.values(g.values)) { total++; if (!isUnknown(v)) known++; }
  }
  return { ms, clientCpu, labCpu, hosts: results.filter((g) => g.kind === 'facts').length, known, total };
}

function ansibleRaw(inventoryPath: string, limitHosts: string[], dir: string, command: string): Promise<{ ms: number; ok: number; code: number; tail: string } | null> {
  const bin = ['/usr/bin/ansible', '/usr/local/bin/ansible'].find((p) => existsSync(p));
  if (!bin) return Promise.resolve(null);
  const env = {
    ...process.env,
    ANSIBLE_HOME: join(dir, 'ansible-home'), ANSIBLE_LOCAL_TEMP: join(dir, 'ansible-tmp'), ANSIBLE_SSH_CONTROL_PATH_DIR: join(dir, 'cp'),
    ANSIBLE_HOST_KEY_CHECKING: 'True', ANSIBLE_NOCOLOR: '1', ANSIBLE_CONFIG: join(dir, 'none.cfg'),
  };
  const t0 = performance.now();
  return new Promise((res) => {
    execFile(bin, ['all', '-i', inventoryPath, '--limit', limitHosts.join(','), '-m', 'raw', '-a', command, '-f', String(FORKS)], { env, maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      res({ ms: performance.now() - t0, ok: (stdout.match(/\| (CHANGED|SUCCESS) \|/g) ?? []).length, code, tail: (stderr + stdout).slice(-300) });
    });
  });
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export async function benchLab(hosts = 3000): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'rmd-bench-lab-'));
  const inventoryPath = join(dir, 'inventories', 'lab.yml');
  const home = mkdtempSync(join(dir, 'home-'));
  const lines: string[] = [];
  const proc = labProcessControl();
  try {
    // 1. lab up, as the CLI does it (a detached daemon); ephemeral ports: no clash with a running lab
    const up = await labUp({ hosts, profile: 'mixed', seed: 1, inventoryPath, basePort: 0, timeoutMs: 600_000 }, proc);
    const pid = up.state.pid;
    lines.push(`lab up: ${hosts} hosts ready in ${s(up.readyMs)} (${(up.readyMs / hosts).toFixed(2)} ms/host), lab RSS ${procRssMb(pid).toFixed(0)} MB (target < 400)`);
    const conns = connsOf(inventoryPath);

    // 2. one command on every host through the product's transport: new connections/s
    const warm = await fanOut(conns.slice(0, 20), pid, home, 20, ['true']);
    if (warm.ok !== 20) throw new Error(`warm-up failed: ${JSON.stringify(warm.firstBad)}`);
    const one = await fanOut(conns, pid, home, CONCURRENCY, ['cat', '/etc/hostname']);
    const rate = hosts / (one.ms / 1000);
    lines.push(`one command on ${hosts} hosts, concurrency ${CONCURRENCY}: ${s(one.ms)}, ${one.ok}/${hosts} ok, ${rate.toFixed(0)} new connections/s (target >= 500${rate >= 500 ? ', met' : ', NOT met'})`);
    lines.push(`  per host: lab CPU ${(one.labCpu / hosts).toFixed(2)} ms, controller CPU ${(one.clientCpu / hosts).toFixed(2)} ms; lab RSS now ${procRssMb(pid).toFixed(0)} MB`);
    if (one.ok !== hosts) lines.push(`  first failure: ${JSON.stringify(one.firstBad).slice(0, 300)}`);

    // 3. fact gathering on FACT_HOSTS hosts: every fact, batched, with become, plus refine steps
    // first on a lab that has not run a probe yet (the README's case), then on the next hosts
    for (const [label, slice] of [['fresh lab', conns.slice(0, FACT_HOSTS)], ['again, next hosts', conns.slice(FACT_HOSTS, 2 * FACT_HOSTS)]] as const) {
      if (slice.length < FACT_HOSTS) break;
      const g = await gather(slice, pid, home);
      lines.push(`fact gathering on ${g.hosts}/${FACT_HOSTS} hosts (all facts, become; ${label}): ${s(g.ms)}; per host: lab CPU ${(g.labCpu / FACT_HOSTS).toFixed(2)} ms, controller CPU ${(g.clientCpu / FACT_HOSTS).toFixed(2)} ms, wall ${(g.ms / FACT_HOSTS).toFixed(2)} ms; ${g.known}/${g.total} facts known`);
    }

    // 4. baseline: ansible -m raw on the same 300 hosts, same command, same forks
    const cmd = 'cat /etc/os-release';
    const ours = await fanOut(conns.slice(0, FACT_HOSTS), pid, home, FORKS, ['cat', '/etc/os-release']);
    const ans = await ansibleRaw(inventoryPath, conns.slice(0, FACT_HOSTS).map((c) => c.name), dir, cmd);
    lines.push(`\`${cmd}\` on ${FACT_HOSTS} hosts, ${FORKS} at a time: remediate transport ${s(ours.ms)} (${ours.ok}/${FACT_HOSTS} ok)`);
    if (ans) lines.push(`  ansible -m raw -f ${FORKS}: ${s(ans.ms)} (${ans.ok}/${FACT_HOSTS} ok${ans.code ? `, exit ${ans.code}: ${ans.tail.replace(/\s+/g, ' ')}` : ''}) — remediate ${(ans.ms / ours.ms).toFixed(1)}x faster`);
    else lines.push('  ansible: not installed — baseline skipped');
    return lines.join('\n');
  } finally {
    await labDown(inventoryPath, proc).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await benchLab(Number(process.argv[2] ?? 3000)));
}
