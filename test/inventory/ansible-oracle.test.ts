// Ansible is the oracle: for every fixture, `ansible-inventory --list` and `--graph` must equal
// what remediate computes, and Ansible's host selection for each pattern must equal selectHosts.
// Each fixture costs one Python process (ansible_oracle.py runs the ansible-inventory CLI class
// and the InventoryManager code behind `ansible PATTERN --list-hosts` in-process); a last test runs
// the real executables on a few cases to show they agree. Without Ansible installed these tests
// are skipped with a notice, and fail when CI is set.
import test from 'ava';
import { execFile } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pLimit from 'p-limit';
import { inventoryGraph, inventoryListJson, loadInventory, PatternError, selectHosts, type Inventory } from '../../src/inventory/index.js';
import { cases, type OracleCase, type Query } from './oracle-cases.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURES = path.join(here, '..', 'fixtures', 'inventories');
const HELPER = path.join(here, 'ansible_oracle.py');

function which(cmd: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(dir, cmd);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return null;
}

const ansibleInventory = which('ansible-inventory');
const ansible = which('ansible');
// The interpreter Ansible itself runs on (Debian: /usr/bin/python3), from its #! line.
const python = ansibleInventory ? (/^#!\s*(\S+)/.exec(readFileSync(ansibleInventory, 'utf8'))?.[1] ?? 'python3') : null;

const home = mkdtempSync(path.join(os.tmpdir(), 'remediate-ansible-oracle-'));
writeFileSync(path.join(home, 'ansible.cfg'), '');
test.after.always(() => rmSync(home, { recursive: true, force: true }));
const ansibleEnv: Record<string, string> = {
  ...(process.env as Record<string, string>),
  HOME: home,
  ANSIBLE_CONFIG: path.join(home, 'ansible.cfg'),
  ANSIBLE_LOCAL_TEMP: path.join(home, 'tmp'),
  ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED: 'True',
  ANSIBLE_INVENTORY_UNPARSED_FAILED: 'True',
  ANSIBLE_HOST_PATTERN_MISMATCH: 'ignore',
  ANSIBLE_LOCALHOST_WARNING: 'False',
  ANSIBLE_DEPRECATION_WARNINGS: 'False',
  ANSIBLE_NOCOLOR: '1',
  PYTHONDONTWRITEBYTECODE: '1',
};

// Ansible starts slowly (~0.5 s of CPU): a few at a time on a small machine.
const limit = pLimit(Math.max(2, Math.min(4, os.cpus().length)));

function run(cmd: string, args: string[], cwd: string, input?: string): Promise<string> {
  return limit(
    () =>
      new Promise<string>((resolve, reject) => {
        const child = execFile(cmd, args, { cwd, env: ansibleEnv, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
          if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${stderr || err.message}`));
          else resolve(stdout);
        });
        if (input !== undefined) child.stdin!.end(input);
      }),
  );
}

function sourceArgs(c: OracleCase): string[] {
  return c.sources.flatMap((s) => ['-i', s.includes(',') ? s : path.resolve(FIXTURES, c.dir, s)]);
}

async function loadMine(c: OracleCase): Promise<Inventory> {
  const cwd = path.join(FIXTURES, c.dir);
  return loadInventory(c.sources, { cwd, env: process.env });
}

function query(q: string | Query): Query {
  return typeof q === 'string' ? { pattern: q } : q;
}

function mySelection(inv: Inventory, c: OracleCase, q: Query): { hosts: string[] } | { error: string } {
  const cwd = path.join(FIXTURES, c.dir);
  try {
    return {
      hosts: selectHosts(inv, q.pattern, {
        cwd,
        readFile: (p) => readFileSync(path.resolve(cwd, p), 'utf8'),
        ...(q.limit !== undefined ? { limit: q.limit } : {}),
      }),
    };
  } catch (e) {
    if (e instanceof PatternError) return { error: e.message };
    throw e;
  }
}

if (!ansibleInventory || !ansible || !python) {
  const why = 'ansible-core is not installed (no ansible-inventory/ansible in PATH): the Ansible oracle tests cannot run';
  if (process.env.CI) {
    test('Ansible oracle: ansible-core must be installed in CI', (t) => {
      t.fail(`${why}. .ci/run installs Debian's ansible-core; install it with: apt-get install -y ansible-core`);
    });
  } else {
    test('Ansible oracle: skipped', (t) => {
      t.log(`SKIPPED: ${why}. Install it (apt-get install -y ansible-core) to compare with Ansible.`);
      t.pass();
    });
    for (const c of cases) test.skip(`Ansible oracle: ${c.name}`, () => {});
  }
} else {
  type Out = { out: string } | { error: string };
  const text = (o: Out, what: string): string => {
    if ('error' in o) throw new Error(`${what} failed in Ansible: ${o.error}`);
    return o.out;
  };

  for (const c of cases) {
    test(`Ansible oracle: ${c.name}`, async (t) => {
      const cwd = path.join(FIXTURES, c.dir);
      const args = sourceArgs(c);
      const queries = c.queries.map(query);
      const cli = [[...args, '--list'], [...args, '--graph'], ...(c.graphVars ? [[...args, '--graph', '--vars']] : [])];
      const request = { sources: args.filter((_, i) => i % 2 === 1), cli, queries };
      const [answer, inv] = await Promise.all([run(python, [HELPER], cwd, JSON.stringify(request)), loadMine(c)]);
      const theirs = JSON.parse(answer) as { cli: Out[]; hosts: Array<{ hosts: string[] } | { error: string }> };

      t.deepEqual(inventoryListJson(inv), JSON.parse(text(theirs.cli[0], '--list')), 'ansible-inventory --list');
      t.is(inventoryGraph(inv), text(theirs.cli[1], '--graph').trimEnd(), 'ansible-inventory --graph');
      if (c.graphVars) {
        t.is(inventoryGraph(inv, undefined, { vars: true }), text(theirs.cli[2], '--graph --vars').trimEnd(), 'ansible-inventory --graph --vars');
      }
      queries.forEach((q, i) => {
        const label = `pattern ${JSON.stringify(q.pattern)}${q.limit !== undefined ? ` --limit ${JSON.stringify(q.limit)}` : ''}`;
        const mine = mySelection(inv, c, q);
        const expected = theirs.hosts[i];
        if ('error' in expected) t.true('error' in mine, `${label}: Ansible fails (${expected.error}), remediate gave ${JSON.stringify(mine)}`);
        else t.deepEqual(mine, expected, label);
      });
    });
  }

  // The helper must say what the real executables say: a few runs of `ansible-inventory` and
  // `ansible PATTERN --list-hosts` as processes (selections picked where Ansible's order is stable).
  const listChecks = ['multi-source', 'script-meta'];
  const hostChecks: Array<[string, Query]> = [
    ['ini-docs', { pattern: 'webservers:dbservers:&staging:!phoenix' }],
    ['ini-docs', { pattern: 'all', limit: '@limit.txt' }],
    ['ranges', { pattern: 'rack:!web-*:!db1' }],
    ['multi-source', { pattern: 'all' }],
    ['name-clash', { pattern: 'd*' }],
  ];
  test('Ansible oracle: the real ansible-inventory and ansible executables agree', async (t) => {
    const lists = listChecks.map(async (dir) => {
      const c = cases.find((x) => x.dir === dir)!;
      const cwd = path.join(FIXTURES, dir);
      const [list, graph, inv] = await Promise.all([
        run(ansibleInventory, [...sourceArgs(c), '--list'], cwd),
        run(ansibleInventory, [...sourceArgs(c), '--graph'], cwd),
        loadMine(c),
      ]);
      t.deepEqual(inventoryListJson(inv), JSON.parse(list), `${dir}: ansible-inventory --list`);
      t.is(inventoryGraph(inv), graph.trimEnd(), `${dir}: ansible-inventory --graph`);
    });
    const hosts = hostChecks.map(async ([dir, q]) => {
      const c = cases.find((x) => x.dir === dir)!;
      const cwd = path.join(FIXTURES, dir);
      const limitArgs = q.limit !== undefined ? ['--limit', q.limit] : [];
      const [out, inv] = await Promise.all([run(ansible, [q.pattern, ...sourceArgs(c), ...limitArgs, '--list-hosts'], cwd), loadMine(c)]);
      const lines = out.split('\n');
      const start = lines.findIndex((l) => /^\s*hosts \(\d+\):/.test(l));
      const listed = lines.slice(start + 1).map((l) => l.trim()).filter(Boolean);
      t.deepEqual(mySelection(inv, c, q), { hosts: listed }, `${dir}: ansible ${q.pattern} ${limitArgs.join(' ')}`);
    });
    await Promise.all([...lists, ...hosts]);
  });
}
