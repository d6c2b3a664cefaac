// Lab bench: a 3000-host lab as `remediate lab up` starts it (time to ready, RSS), one command on
// every host at concurrency 200 through the product's ssh transport (new connections/s, CPU per
// host in the lab and in the controller), and fact gathering (every fact, batched, with become)
// on 300 hosts. Baseline in the same run: `ansible -m raw -f 50` running the same command on the
// same 300 hosts against the same lab (it also proves the lab takes OpenSSH clients).
// Then `remediate check playbooks/imagick.yml` (the real CLI, its own process) over a fresh
// 3000-host incident lab, against `ansible -m raw -f 50` running the same detection command
// (the batched fact probe the product sends) on a sample of those hosts, extrapolated.
// Standalone: `npx tsx bench/lab.ts [hosts]`, `npx tsx bench/lab.ts check [hosts]` (the check
// part runs the built CLI: `npm run build` first).
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pLimit from 'p-limit';
import { parse } from 'yaml';
import { FACTS, batchProbe, gatherFacts, isUnknown, newNonce, type ProbeRunner } from '../src/facts/index.js';
import { labProcessControl } from '../src/cli/lab-process.js';
import { labDown, labUp } from '../src/lab/index.js';
import { defaultRegistry } from '../src/modules/registry.js';
import { loadPlaybook } from '../src/playbook/load.js';
import { renderCommand } from '../src/transport/command.js';
import { createSshTransport } from '../src/transport/ssh/index.js';
import type { HostConn } from '../src/transport/types.js';

const CONCURRENCY = 200;
const FACT_HOSTS = 300;
const FORKS = 50;
/** Hosts of the ansible baseline for `check` (every Nth host of the lab), extrapolated to all. */
const CHECK_BASELINE_SAMPLE = 300;
const CHECK_PLAYBOOK = 'playbooks/imagick.yml';

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

function ansibleRaw(inventoryPath: string, limitHosts: string[], dir: string, command: string): Promise<{ ms: number; ok: number; code: number; tail: string; stdout: string } | null> {
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
      res({ ms: performance.now() - t0, ok: (stdout.match(/\| (CHANGED|SUCCESS) \|/g) ?? []).length, code, tail: (stderr + stdout).slice(-300), stdout });
    });
  });
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** The repository root (bench runs from bench/ under tsx, or from dist/bench/ after a build). */
function repoRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(d, CHECK_PLAYBOOK))) {
    const up = dirname(d);
    if (up === d) throw new Error(`cannot find ${CHECK_PLAYBOOK} above ${fileURLToPath(import.meta.url)}`);
    d = up;
  }
  return d;
}

/** Children's CPU (utime + stime of waited-for children, /proc/self/stat), in ms. */
function childrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[13]) + Number(f[14])) * 1000) / 100;
}

/** Run the CLI as a user would, in its own process; wall time, CPU, peak RSS (VmHWM, polled). */
function runCli(root: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ ms: number; cpuMs: number; peakRssMb: number; code: number | null; stdout: string; stderr: string }> {
  const cli = join(root, 'dist', 'src', 'cli', 'main.js');
  if (!existsSync(cli)) throw new Error(`${cli} missing: run \`npm run build\` (npm run bench does)`);
  const cpu0 = childrenCpuMs();
  const t0 = performance.now();
  const child = spawn(process.execPath, [cli, ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let peak = 0;
  child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const poll = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]) / 1024);
    } catch { /* exited */ }
  }, 100);
  return new Promise((res, rej) => {
    child.once('error', rej);
    child.once('close', (code) => {
      clearInterval(poll);
      res({ ms: performance.now() - t0, cpuMs: childrenCpuMs() - cpu0, peakRssMb: peak, code, stdout, stderr });
    });
  });
}

/**
 * `remediate check` over a fresh incident lab (lab and controller separate processes, as in
 * production), and the baseline: ansible -m raw -f 50 sending the very command line the product
 * sends for detection (the batched fact probe with become, built by the product's own code) to a
 * sample of the hosts, extrapolated linearly. remediate's run also does the refine step (a
 * second command reading the key table) that the baseline does not.
 */
async function benchCheck(hosts: number, dir: string): Promise<string[]> {
  const lines: string[] = [];
  const root = repoRoot();
  const inventoryPath = join(dir, 'check', 'inventories', 'lab.yml');
  const proc = labProcessControl();
  const up = await labUp({ hosts, profile: 'incident', seed: 1, inventoryPath, basePort: 0, timeoutMs: 600_000 }, proc);
  const pid = up.state.pid;
  try {
    const env = { ...process.env, HOME: join(dir, 'check'), XDG_STATE_HOME: join(dir, 'check', 'state'), NO_COLOR: '1' };
    const load0 = loadavg()[0];
    const lab0 = procCpuMs(pid);
    const r = await runCli(root, ['check', CHECK_PLAYBOOK, '-i', inventoryPath, '--journal', join(dir, 'check', 'journal.db')], env);
    const labCpu = procCpuMs(pid) - lab0;
    const summary = /^\d+ hosts: .*$/m.exec(r.stdout)?.[0] ?? `no summary (exit ${r.code}): ${(r.stderr || r.stdout).slice(-300).replace(/\s+/g, ' ')}`;
    lines.push(`remediate check ${CHECK_PLAYBOOK} over ${hosts} hosts (incident lab, CLI in its own process): ${s(r.ms)} wall (target <= 15 s${r.ms <= 15_000 ? ', met' : ', NOT met'}), exit ${r.code}`);
    lines.push(`  ${summary}`);
    lines.push(`  CPU: controller ${(r.cpuMs / 1000).toFixed(1)} s (${(r.cpuMs / hosts).toFixed(2)} ms/host), lab ${(labCpu / 1000).toFixed(1)} s (${(labCpu / hosts).toFixed(2)} ms/host); peak RSS controller ${r.peakRssMb.toFixed(0)} MB, lab ${procRssMb(pid).toFixed(0)} MB; load average ${load0.toFixed(1)} before`);

    // The baseline: the same detection command line, from the product's code (inline: ansible -m
    // raw sends no stdin, so the script rides in the command line).
    const modules = defaultRegistry();
    const playbook = loadPlaybook(CHECK_PLAYBOOK, readFileSync(join(root, CHECK_PLAYBOOK), 'utf8'), modules);
    const play = playbook.plays[0]!;
    const facts = play.facts.map((n) => FACTS[n]!);
    const script = batchProbe(facts, { vars: play.vars }, { nonce: newNonce() });
    const command = renderCommand({ cmd: { script }, become: play.become ? { user: play.becomeUser } : undefined }, true);
    const conns = connsOf(inventoryPath);
    const step = Math.max(1, Math.floor(conns.length / CHECK_BASELINE_SAMPLE));
    const sample = conns.filter((_, i) => i % step === 0).slice(0, CHECK_BASELINE_SAMPLE);
    // JSON args: ansible's free-form splitter cannot take a script this quoted. Jinja delimiters
    // would be templated: a raw block gives them back unchanged.
    const raw = /\{[{%#]/.test(command) ? `{% raw %}${command}{% endraw %}` : command;
    const ans = await ansibleRaw(inventoryPath, sample.map((c) => c.name), dir, JSON.stringify({ _raw_params: raw }));
    if (!ans) {
      lines.push('  ansible: not installed — baseline skipped');
      return lines;
    }
    const complete = (ans.stdout.match(new RegExp(`@@remediate-fact [A-Za-z0-9]+ end ${facts[facts.length - 1]!.name} 0@@`, 'g')) ?? []).length;
    const perHost = ans.ms / sample.length;
    const extrapolated = perHost * hosts;
    const ratio = extrapolated / r.ms;
    lines.push(`  baseline: ansible -m raw -f ${FORKS} running the same detection command (${command.length}-byte batched fact probe with sudo) on ${sample.length === hosts ? `all ${hosts} hosts` : `${sample.length} of the ${hosts} hosts (one in ${step})`}: ${s(ans.ms)} (${ans.ok}/${sample.length} ok, ${complete} complete batches${ans.code ? `, exit ${ans.code}: ${ans.tail.replace(/\s+/g, ' ')}` : ''})${sample.length === hosts ? '' : `; extrapolated linearly to ${hosts} hosts: ${s(extrapolated)}`}`);
    lines.push(`  remediate check ${ratio.toFixed(1)}x faster than ${sample.length === hosts ? 'the' : 'the extrapolated'} baseline (target >= 20x${ratio >= 20 ? ', met' : ', NOT met'})`);
    return lines;
  } finally {
    await labDown(inventoryPath, proc).catch(() => undefined);
  }
}

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
    await labDown(inventoryPath, proc).catch(() => undefined);

    // 5. the whole detection as a user runs it, on a fresh incident lab (the lab above is down)
    lines.push(...(await benchCheck(hosts, dir)));
    return lines.join('\n');
  } finally {
    await labDown(inventoryPath, proc).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // `npx tsx bench/lab.ts check [hosts]`: only the check part.
  if (process.argv[2] === 'check') {
    const dir = mkdtempSync(join(tmpdir(), 'rmd-bench-check-'));
    try { console.log((await benchCheck(Number(process.argv[3] ?? 3000), dir)).join('\n')); } finally { rmSync(dir, { recursive: true, force: true }); }
  } else console.log(await benchLab(Number(process.argv[2] ?? 3000)));
}
