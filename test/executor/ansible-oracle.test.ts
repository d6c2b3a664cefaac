// Ansible is the oracle for the rollout's stop rules: the same fleet (which hosts fail, which
// are unreachable) is run through real `ansible-playbook` and through runRollout, and the
// batches each one ran must be the same. Needs ansible-core (.ci/run installs it).
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runRollout } from '../../src/executor/rollout.js';
import type { HostResult } from '../../src/executor/types.js';
import { Fleet, hostNames, rollout } from './fleet.js';

const run = promisify(execFile);

async function hasAnsible(): Promise<boolean> {
  try {
    await run('ansible-playbook', ['--version']);
    return true;
  } catch {
    return false;
  }
}
// Without ansible-core these tests show as skipped, never as passed.
const oracle = (await hasAnsible()) ? test : test.skip;

interface Case {
  title: string;
  hosts: number;
  serial: (number | string)[];
  maxFailPercentage?: number;
  fails: string[];
  unreachable: string[];
}

const cases: Case[] = [
  {
    // batch 1: 2 of 5 unreachable (40%) does not count toward the percentage in Ansible;
    // batch 2: 1 of 5 failed is 20%, equal, goes on; batch 3: 2 of 5 failed is over: stop.
    title: 'max_fail_percentage 20: unreachable not counted, equal goes on, over stops',
    hosts: 20,
    serial: [5],
    maxFailPercentage: 20,
    fails: ['h07', 'h11', 'h12'],
    unreachable: ['h03', 'h04'],
  },
  {
    // no max_fail_percentage: 4 of 5 failed goes on; a batch failed or unreachable to the last host stops.
    title: 'no max_fail_percentage: only a wholly failed batch stops',
    hosts: 15,
    serial: ['30%', 5],
    fails: ['h01', 'h02', 'h03', 'h08', 'h09', 'h10', 'h11'],
    unreachable: ['h07'],
  },
];

async function ansibleBatches(dir: string, c: Case): Promise<string[][]> {
  const inv = hostNames(c.hosts)
    .map((h) => (c.unreachable.includes(h) ? `${h} ansible_connection=ssh ansible_host=127.0.0.1 ansible_port=1` : `${h} ansible_connection=local`))
    .join('\n');
  const play = [
    '- hosts: all',
    '  gather_facts: false',
    `  serial: ${JSON.stringify(c.serial)}`,
    ...(c.maxFailPercentage !== undefined ? [`  max_fail_percentage: ${c.maxFailPercentage}`] : []),
    '  tasks:',
    // Only the unreachable hosts need a connection attempt; skipped hosts still show in the batch.
    '    - raw: "true"',
    '      when: inventory_hostname in unreachable',
    '    - fail: {msg: injected}',
    '      when: inventory_hostname in fails',
  ].join('\n');
  await writeFile(join(dir, 'inventory.ini'), `${inv}\n`);
  await writeFile(join(dir, 'play.yml'), `${play}\n`);
  const env = {
    ...process.env,
    ANSIBLE_STDOUT_CALLBACK: 'default',
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_HOST_KEY_CHECKING: 'False',
    ANSIBLE_FORKS: '50',
    ANSIBLE_RETRY_FILES_ENABLED: 'False',
    ANSIBLE_LOCAL_TEMP: join(dir, 'tmp'),
    ANSIBLE_REMOTE_TMP: join(dir, 'rtmp'),
    ANSIBLE_CONFIG: join(dir, 'none.cfg'),
  };
  const args = ['-i', 'inventory.ini', 'play.yml', '-e', JSON.stringify({ fails: c.fails, unreachable: c.unreachable })];
  // A failed or unreachable host makes ansible-playbook exit non-zero; its JSON is what counts.
  const out = await run('ansible-playbook', args, { cwd: dir, env, maxBuffer: 16 << 20 }).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
  return batchesOf(out.stdout);
}

/**
 * ansible-playbook's default output: each serial batch is a `PLAY [all]` section, and its first
 * task has a line per host of the batch (ok, changed, skipping, fatal … UNREACHABLE). Read from
 * the default callback: Debian's ansible-core has no `json` one (that is in ansible.posix).
 */
function batchesOf(stdout: string): string[][] {
  const batches: string[][] = [];
  let tasks = 0;
  for (const line of stdout.split('\n')) {
    if (/^PLAY \[/.test(line)) { batches.push([]); tasks = 0; continue; }
    if (/^TASK \[/.test(line)) { tasks++; continue; }
    const m = /^(?:ok|changed|skipping|fatal|failed): \[([^\]]+)\]/.exec(line);
    if (m && tasks === 1 && batches.length) batches[batches.length - 1].push(m[1]);
  }
  return batches.map((b) => b.sort());
}

async function remediateBatches(c: Case): Promise<string[][]> {
  const outcome = (h: string): Partial<HostResult> => (c.unreachable.includes(h) ? { status: 'unreachable' } : c.fails.includes(h) ? { status: 'failed' } : { status: 'ok' });
  const fleet = new Fleet({ outcome });
  // Ansible's own setting: unreachable hosts do not count toward max_fail_percentage.
  const r = rollout({ serial: c.serial, maxFailPercentage: c.maxFailPercentage, unreachableCountsAsFailed: false, concurrency: 50 });
  await runRollout(fleet.options(hostNames(c.hosts), r));
  return fleet.of('batch.start').map((b) => b.hosts.filter((h) => fleet.started.includes(h)).sort());
}

for (const c of cases) {
  oracle(`same batches as ansible-playbook: ${c.title}`, async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'remediate-oracle-'));
    try {
      const [theirs, ours] = await Promise.all([ansibleBatches(dir, c), remediateBatches(c)]);
      t.true(theirs.length > 1, `ansible ran ${theirs.length} batches`);
      t.deepEqual(ours, theirs);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}
