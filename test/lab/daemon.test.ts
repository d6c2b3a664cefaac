// `lab up|status|advance|down` as the CLI calls them: a detached daemon beside the inventory,
// reached over its control socket; keys and known_hosts derived from the seed.
import test from 'ava';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { parse } from 'yaml';
import { hashLines, LabError, mutationLines, readLabState, startLab, statusSummary } from '../../src/lab/index.js';
import { labAdvance, labDown, labProcess, labStatus, labUp } from '../helpers/lab.js';

function run(host: string, port: number, key: string, knownKey: string, cmd: string): Promise<{ code: number; out: string }> {
  return new Promise((res, rej) => {
    const c = new ssh2.Client();
    c.on('ready', () => c.exec(cmd, (e, s) => {
      if (e) return rej(e);
      let out = '';
      let code = -1;
      s.on('data', (d: Buffer) => { out += d; });
      s.on('exit', (n: number) => { code = n; });
      s.on('close', () => { c.end(); res({ code, out }); });
      s.end();
    })).on('error', rej).connect({
      host, port, username: 'lab', privateKey: key,
      // the key the host presents must be the one known_hosts records
      hostVerifier: (k: Buffer) => k.equals(Buffer.from(knownKey, 'base64')),
    });
  });
}

test('lab up starts a background lab; status, advance and down talk to it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'labd-'));
  const inv = join(dir, 'inventories', 'lab.yml');
  try {
    const up = await labUp({ hosts: 12, profile: 'incident', seed: 5, inventoryPath: inv, basePort: 0 });
    t.true(up.readyMs > 0);
    t.is(up.state.hosts, 12);
    t.not(up.state.pid, process.pid);
    t.deepEqual(readLabState(inv)?.pid, up.state.pid);
    t.true(existsSync(join(dir, 'inventories', '.lab', 'known_hosts')));
    t.is(readFileSync(join(dir, 'inventories', '.lab', '.gitignore'), 'utf8'), '*\n');

    // the inventory names the key and known_hosts; a host answers over ssh with that key
    const doc = parse(readFileSync(inv, 'utf8'));
    const names = Object.keys(doc.all.hosts);
    t.is(names.length, 12);
    const vars = doc.all.vars;
    const key = readFileSync(vars.ansible_ssh_private_key_file, 'utf8');
    const known = readFileSync(vars.remediate_known_hosts_file, 'utf8').trim().split('\n');
    t.is(known.length, 12);
    const st0 = await labStatus(inv, { perHost: true });
    const reachable = st0.perHost!.find((h) => h.faults.length === 0)!;
    const h = doc.all.hosts[reachable.host];
    const line = known.find((l) => l.startsWith(`[${h.ansible_host}]:${h.ansible_port} `))!;
    const r = await run(h.ansible_host, h.ansible_port, key, line.split(' ')[2], 'cat /etc/hostname');
    t.is(r.code, 0);
    t.is(r.out, `${reachable.host}\n`);

    // a second `up` for the same inventory is refused while the first runs
    const again = await t.throwsAsync(labUp({ hosts: 3, profile: 'mixed', seed: 1, inventoryPath: inv, basePort: 0 }));
    t.true(again instanceof LabError && again.code === 'already-running', String(again));

    // advance: logrotate reloads; a leaky master gains one key per day
    const leaky = st0.perHost!.find((x) => x.alive && x.at_risk)!;
    const st1 = await labAdvance(inv, 3);
    t.is(st1.days, 3);
    const after = (await labStatus(inv, { perHost: true })).perHost!.find((x) => x.host === leaky.host)!;
    if (after.alive) t.is(after.keys_in_use, leaky.keys_in_use + 3);
    else t.true(leaky.keys_in_use + 3 > 1024, 'died only at key 1025');

    // the CLI's text forms: a summary, sorted HOST SHA256 lines, HOST MUTATIONS lines
    const full = await labStatus(inv, { perHost: true, hash: true });
    t.regex(statusSummary(full), /^lab: 12 hosts, profile incident, seed 5, 3 day\(s\) advanced\n/);
    const hashes = hashLines(full).trim().split('\n');
    t.is(hashes.length, 12);
    t.deepEqual(hashes, [...hashes].sort());
    t.regex(hashes[0], /^web-0001 [0-9a-f]{64}$/);
    t.regex(mutationLines(full), /^web-0001 \d+\n/);

    const down = await labDown(inv);
    t.true(down.stopped);
    t.is(readLabState(inv), null);
    const gone = await t.throwsAsync(labStatus(inv));
    t.true(gone instanceof LabError && gone.code === 'not-running');
    t.deepEqual(await labDown(inv), { stopped: false, pid: null });
  } finally {
    await labDown(inv).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a lab killed without `down`: status says no lab runs, down clears the stale state, up starts again', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'labk9-'));
  const inv = join(dir, 'lab.yml');
  try {
    const up = await labUp({ hosts: 3, profile: 'mixed', seed: 2, inventoryPath: inv, basePort: 0 });
    labProcess.signal(up.state.pid, 'SIGKILL');
    const until = Date.now() + 10_000;
    while (labProcess.isAlive(up.state.pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    t.false(labProcess.isAlive(up.state.pid));
    t.is(readLabState(inv)?.pid, up.state.pid, 'the killed lab left its state file behind');
    const st = await t.throwsAsync(labStatus(inv));
    t.true(st instanceof LabError && st.code === 'not-running', String(st));
    const adv = await t.throwsAsync(labAdvance(inv, 1));
    t.true(adv instanceof LabError && adv.code === 'not-running', String(adv));
    t.deepEqual(await labDown(inv), { stopped: false, pid: up.state.pid });
    t.is(readLabState(inv), null);
    const again = await labUp({ hosts: 3, profile: 'mixed', seed: 2, inventoryPath: inv, basePort: 0 });
    t.not(again.state.pid, up.state.pid);
    t.is((await labStatus(inv)).hosts, 3);
  } finally {
    await labDown(inv).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad input to lab up names the option and what it expected', async (t) => {
  const e = await t.throwsAsync(labUp({ hosts: 0, profile: 'mixed', seed: 1, inventoryPath: '/nonexistent/lab.yml' }));
  t.regex(e!.message, /--hosts: expected a whole number from 1 to 60000, got 0/);
  const p = await t.throwsAsync(labUp({ hosts: 3, profile: 'chaos' as never, seed: 1, inventoryPath: '/nonexistent/lab.yml' }));
  t.regex(p!.message, /--profile: expected one of incident, mixed, faulty, got "chaos"/);
});

test('the same seed gives the same host keys and client key; another seed does not', async (t) => {
  const keysOf = async (seed: number) => {
    const dir = mkdtempSync(join(tmpdir(), 'labk-'));
    const lab = await startLab({ hosts: 5, profile: 'mixed', seed, inventoryPath: join(dir, 'lab.yml'), basePort: 0 });
    try {
      const known = readFileSync(lab.knownHostsPath, 'utf8').trim().split('\n').map((l) => l.split(' ').slice(1).join(' '));
      return { known, client: readFileSync(lab.privateKeyPath, 'utf8') };
    } finally {
      await lab.close();
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const a = await keysOf(11);
  const b = await keysOf(11);
  const c = await keysOf(12);
  t.deepEqual(a, b);
  t.notDeepEqual(a.known, c.known);
  t.not(a.client, c.client);
  t.is(new Set(a.known).size, 5, 'one key per host');
});
