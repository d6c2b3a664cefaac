// Inventory bench: fleets of 3000 and 10,000 hosts written with ranges (racks of 100 under web,
// db and cache groups, two datacentres, group_vars/ files), timed through loadInventory, hostVars
// for every host, a few patterns and the --list JSON. The 10k/3k ratio must stay near 10/3 (linear),
// far from the ~11 of a quadratic loader; ansible-inventory on the same 3000-host file, when
// installed, gives the reference ratio. Standalone: `npx tsx bench/inventory.ts`.
import { execFile } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { hostVars, inventoryListJson, loadInventory, selectHosts } from '../src/inventory/index.js';

const RACK = 100;
const PATTERNS = ['all', 'web:&dc1', 'web*:!rack0001', '~web0[0-9]+\\.', 'db[0:99]', 'dc2:&cache:!db'];

/** An INI inventory of `n` hosts: 60% web, 20% db, 20% cache, in racks of 100, plus group_vars/. */
function writeFleet(dir: string, n: number): string {
  mkdirSync(join(dir, 'group_vars'), { recursive: true });
  const lines: string[] = [];
  const roles: Array<[string, number]> = [['web', Math.round(n * 0.6)], ['db', Math.round(n * 0.2)]];
  roles.push(['cache', n - roles[0][1] - roles[1][1]]);
  let rack = 0;
  const racksByRole = new Map<string, string[]>();
  for (const [role, count] of roles) {
    const racks: string[] = [];
    for (let start = 1; start <= count; start += RACK) {
      const end = Math.min(count, start + RACK - 1);
      const name = `rack${String(++rack).padStart(4, '0')}`;
      racks.push(name);
      lines.push(`[${name}]`, `${role}[${String(start).padStart(5, '0')}:${String(end).padStart(5, '0')}].example.com rack=${rack} weight=${rack % 7}`);
      lines.push(`[${name}:vars]`, `rack_name=${name}`);
    }
    racksByRole.set(role, racks);
    lines.push(`[${role}:children]`, ...racks, `[${role}:vars]`, `role=${role}`, `port=${role === 'db' ? 5432 : 80}`);
  }
  lines.push('[dc1:children]', 'web', '[dc2:children]', 'db', 'cache', '[all:vars]', 'ntp=ntp.example.com');
  writeFileSync(join(dir, 'hosts'), lines.join('\n') + '\n');
  writeFileSync(join(dir, 'group_vars', 'all.yml'), 'site: bench\nlimits: {nofile: 65536}\n');
  writeFileSync(join(dir, 'group_vars', 'web.yml'), 'http_port: 8080\n');
  writeFileSync(join(dir, 'group_vars', 'rack0001.yml'), 'first_rack: true\n');
  return join(dir, 'hosts');
}

interface Timing {
  load: number;
  vars: number;
  patterns: number;
  list: number;
  total: number;
  hosts: number;
}

/** CPU time of this process (user + system) in ms: steadier than wall time on a shared machine. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

async function measure(file: string): Promise<Timing> {
  const env = {};
  const t0 = cpuMs();
  const inv = await loadInventory([file], { cwd: tmpdir(), env });
  const t1 = cpuMs();
  let keys = 0;
  for (const h of inv.hosts) keys += Object.keys(hostVars(inv, h)).length;
  const t2 = cpuMs();
  const opts = { cwd: tmpdir(), readFile: () => '' };
  let selected = 0;
  for (const p of PATTERNS) selected += selectHosts(inv, p, opts).length;
  const t3 = cpuMs();
  const list = JSON.stringify(inventoryListJson(inv));
  const t4 = cpuMs();
  if (keys === 0 || selected === 0 || list.length === 0) throw new Error('bench inventory came out empty');
  return { load: t1 - t0, vars: t2 - t1, patterns: t3 - t2, list: t4 - t3, total: t4 - t0, hosts: inv.hosts.length };
}

/** Per phase, the best of a few runs: the least disturbed by GC and other processes. */
async function best(file: string, runs: number): Promise<Timing> {
  const all: Timing[] = [];
  for (let i = 0; i < runs; i++) all.push(await measure(file));
  const min = (k: keyof Timing) => Math.min(...all.map((t) => t[k]));
  const b = { load: min('load'), vars: min('vars'), patterns: min('patterns'), list: min('list'), total: 0, hosts: all[0].hosts };
  b.total = b.load + b.vars + b.patterns + b.list;
  return b;
}

function which(cmd: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    try {
      accessSync(join(dir, cmd), constants.X_OK);
      return join(dir, cmd);
    } catch {
      /* next */
    }
  }
  return null;
}

/** Wall time of `ansible-inventory -i FILE --list` (its output discarded). */
function timeAnsible(bin: string, file: string, home: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile(
      bin,
      ['-i', file, '--list'],
      { env: { ...process.env, HOME: home, ANSIBLE_LOCAL_TEMP: join(home, 'tmp') }, maxBuffer: 256 * 1024 * 1024 },
      (err) => (err ? reject(err) : resolve(performance.now() - started)),
    );
  });
}

const ms = (x: number) => `${x.toFixed(0).padStart(5)} ms`;

export async function benchInventory(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'remediate-bench-inventory-'));
  try {
    const f3 = writeFleet(join(dir, 'f3000'), 3000);
    const f10 = writeFleet(join(dir, 'f10000'), 10000);
    await measure(f3); // warm-up (JIT, module loading)
    const a = await best(f3, 5);
    const b = await best(f10, 5);
    const row = (t: Timing) =>
      `${String(t.hosts).padStart(6)} hosts: load ${ms(t.load)}  hostVars(all) ${ms(t.vars)}  ${PATTERNS.length} patterns ${ms(t.patterns)}  --list ${ms(t.list)}  total ${ms(t.total)}`;
    const ratio = b.total / a.total;
    const lines = [
      'CPU time per phase, best of 5 runs:',
      row(a),
      row(b),
      `10k/3k ratio: ${ratio.toFixed(2)} (linear ≈ ${(10000 / 3000).toFixed(2)}, quadratic ≈ ${((10000 / 3000) ** 2).toFixed(1)})` +
        (ratio < 5 ? '' : '  <-- NOT LINEAR'),
    ];
    const ansible = which('ansible-inventory');
    if (ansible) {
      const home = join(dir, 'home');
      mkdirSync(home);
      // wall against wall, back to back: ansible-inventory --list vs load + every host's vars + --list
      const theirs = await timeAnsible(ansible, f3, home);
      const w0 = performance.now();
      await measure(f3);
      const ours = performance.now() - w0;
      lines.push(`3000 hosts, wall time: ansible-inventory --list ${ms(theirs)}, remediate ${ms(ours)} (ansible/remediate: ${(theirs / ours).toFixed(1)}x)`);
    } else {
      lines.push('ansible-inventory not installed: no reference timing');
    }
    return lines.join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(await benchInventory());
}
