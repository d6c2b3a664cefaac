// Sources: directories, host lists, scripts, path expansion, and the plugin order for files
// without an extension. Built in a temp dir so each case shows the files it relies on.
import test from 'ava';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hostVars, inventoryListJson, loadInventory, resolveSourcePath } from '../../src/inventory/index.js';
import { InputError } from '../../src/source/errors.js';

const made: string[] = [];
test.after.always(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tree(files: Record<string, string | { text: string; mode: number }>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'remediate-inv-'));
  made.push(dir);
  for (const [name, content] of Object.entries(files)) {
    const p = path.join(dir, name);
    mkdirSync(path.dirname(p), { recursive: true });
    if (typeof content === 'string') writeFileSync(p, content);
    else {
      writeFileSync(p, content.text);
      chmodSync(p, content.mode);
    }
  }
  return dir;
}

test('a host list: ports parsed, ranges kept verbatim, existing hosts not repeated', async (t) => {
  const inv = await loadInventory(['a, b:2222,web[1:2],a,'], { cwd: os.tmpdir(), env: {} });
  t.deepEqual(inv.hosts, ['a', 'b', 'web[1:2]']);
  t.deepEqual(inv.groups.get('ungrouped')!.hosts, ['a', 'b', 'web[1:2]']);
  t.deepEqual(hostVars(inv, 'b'), { ansible_port: 2222 });
});

test('a file that exists wins over the host-list reading of a name with a comma', async (t) => {
  const dir = tree({ 'odd,name': '[g]\nh1\n' });
  const inv = await loadInventory(['odd,name'], { cwd: dir, env: {} });
  t.deepEqual(inv.groups.get('g')!.hosts, ['h1']);
});

test('paths: ~ and $VARS expanded, relative to cwd', (t) => {
  const env = { HOME: '/home/op', INV: 'prod' };
  t.is(resolveSourcePath('~/inv/$INV.yml', { cwd: '/x', env }), '/home/op/inv/prod.yml');
  t.is(resolveSourcePath('${INV}/hosts', { cwd: '/x', env }), '/x/prod/hosts');
  t.is(resolveSourcePath('$UNSET/a', { cwd: '/x', env }), '/x/$UNSET/a');
});

test('files without an extension: YAML first, then INI', async (t) => {
  const dir = tree({ yamlish: 'web:\n  hosts:\n    w1:\n', iniish: 'w2 a=1\n[g]\nw3\n' });
  const inv = await loadInventory(['yamlish', 'iniish'], { cwd: dir, env: {} });
  t.deepEqual(inv.hostsDefined, ['w1', 'w2', 'w3']);
  t.deepEqual(hostVars(inv, 'w2'), { a: 1 });
});

test('a directory: sorted, recursive, Ansible ignore list (.ini, .md, hidden, group_vars)', async (t) => {
  const dir = tree({
    'b.yml': 'gb:\n  hosts:\n    hb:\n',
    'a.yaml': 'ga:\n  hosts:\n    ha:\n',
    'skip.ini': '[never]\nn1\n',
    'notes.md': '# never',
    '.hidden': '[never]\nn2\n',
    'x.retry': 'n3\n',
    'sub/c.json': '{"gc": {"hosts": {"hc": null}}}',
    'group_vars/ga.yml': 'v: 1\n',
  });
  const inv = await loadInventory([dir], { cwd: '/', env: {} });
  t.deepEqual(inv.hostsDefined, ['ha', 'hb', 'hc']);
  t.false(inv.groups.has('never'));
  t.deepEqual(hostVars(inv, 'ha'), { v: 1 });
});

test('an executable without _meta: --host answers are used for every host', async (t) => {
  const script = `#!/bin/sh
case "$1" in
  --list) echo '{"g": {"hosts": ["h1", "h2"], "vars": {"gv": 1}}}' ;;
  --host) echo "{\\"me\\": \\"$2\\"}" ;;
esac
`;
  const dir = tree({ 'inv.sh': { text: script, mode: 0o755 } });
  const inv = await loadInventory(['inv.sh'], { cwd: dir, env: { PATH: process.env.PATH } });
  t.deepEqual(hostVars(inv, 'h2'), { gv: 1, me: 'h2' });
  const list = inventoryListJson(inv) as { g: { hosts: string[] } };
  t.deepEqual(list.g.hosts, ['h1', 'h2']);
});

test('an executable gets the env and cwd it is given', async (t) => {
  const script = `#!/bin/sh
[ "$1" = --list ] && printf '{"g": {"hosts": ["%s"]}, "_meta": {"hostvars": {}}}' "$REMEDIATE_TEST_HOST-$(basename "$PWD")"
`;
  const dir = tree({ 'inv.sh': { text: script, mode: 0o755 }, 'work/.keep': '' });
  const inv = await loadInventory([path.join(dir, 'inv.sh')], { cwd: path.join(dir, 'work'), env: { PATH: process.env.PATH, REMEDIATE_TEST_HOST: 'x' } });
  t.deepEqual(inv.hosts, ['x-work']);
});

test('every source problem is reported at once', async (t) => {
  const dir = tree({ 'a.ini': '[g]\nh1 bad\n', 'b.yml': 'g:\n  hosts: [1]\n' });
  const e = await t.throwsAsync(loadInventory(['a.ini', 'b.yml', 'missing'], { cwd: dir, env: {} }), { instanceOf: InputError });
  t.deepEqual(
    (e as InputError).problems.map((p) => [path.basename(p.pos.file), p.pos.line]),
    [['a.ini', 2], ['b.yml', 2], ['missing', 1]],
  );
});
