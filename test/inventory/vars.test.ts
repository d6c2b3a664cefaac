// Merged host vars (Ansible's precedence), groups, magic vars and --list/--graph shapes, on the
// fixture corpus. Expected values are Ansible's answers (the oracle test re-checks them live).
import test from 'ava';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  groupsOf,
  hostMagicVars,
  hostVars,
  inventoryGraph,
  inventoryListJson,
  loadInventory,
  UnknownHostError,
} from '../../src/inventory/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const FIX = path.join(here, '..', 'fixtures', 'inventories');
const load = (dir: string, ...sources: string[]) => loadInventory(sources, { cwd: path.join(FIX, dir), env: {} });

test('precedence: depth beats name, name breaks ties, group_vars/all beats inline child vars', async (t) => {
  const inv = await load('precedence', 'inventory.yml');
  const h1 = hostVars(inv, 'h1');
  // h1 is in role_web (depth 1) and deep, rack_a, rack_b (all depth 3: deep's longest chain is
  // all → p1 → mid → deep, p2 → deep is shorter); equal depths go by name, rack_b applied last
  t.is(h1.level, 'rack_b');
  t.is(h1.rack, 'b');
  t.is(hostVars(inv, 'h5').level, 'deep'); // deep (3) beats mid (2) and p2 (1)
  t.is(h1.quirk, 'group_vars/all beats every inline group var');
  t.is(h1.gv_level, 'rack_a'); // group_vars files: rack_a (depth 3) after dc1 (2) and role_web (1)
  t.is(h1.from_all, 1);
  const h4 = hostVars(inv, 'h4');
  t.is(h4.level, 'host-h4'); // inline host vars beat every group
  t.is(h4.role, 'web'); // zeta has ansible_group_priority 0: sorted before role_web
  t.false('ansible_group_priority' in h4); // an inline priority is not a variable
  t.is(hostVars(inv, 'h3').role, 'omega');
});

test('group_vars/host_vars: first of NAME, NAME.yml, NAME.yaml, NAME.json; folders merged in sorted order', async (t) => {
  const inv = await load('vars-files', 'hosts.ini');
  t.like(hostVars(inv, 'db1'), {
    app_source: 'no-extension file',
    db_order: 'third (json in a subfolder)',
    db_json: true,
    host_file: 'folder b wins (sorted)',
    shared: 'group_vars-all', // group_vars/all beats the inline [app:vars]
    from_inline_app: 'yes',
  });
  t.like(hostVars(inv, 'web1'), { inline: 'host_vars beats inline host vars', shared: 'group_vars-web', http_port: 8080 });
  t.deepEqual(hostVars(inv, 'web3').ports, [80, 443]);
  t.is(hostVars(inv, 'db2').ansible_host, '10.1.0.2');
});

test('several sources: a later source group_vars/parent beats an earlier group_vars/child', async (t) => {
  const inv = await load('multi-source', 'dirA/a.ini', 'dirB/b.yml', 'extra1,extra2:2222,web1');
  t.like(hostVars(inv, 'web1'), {
    src: 'b',
    only_a: 1,
    wv: 'b',
    file_web: 'dirB',
    depth_vs_source: 'dirB parent (shallower, later source wins)',
    everywhere: 'from dirB',
  });
  t.is(hostVars(inv, 'web2').hv, 'dirB host_vars apply to web2 defined in dirA');
  t.is(hostVars(inv, 'extra2').ansible_port, 2222);
  t.deepEqual(inv.hostsDefined?.slice(-2), ['extra1', 'extra2']); // web1 already existed
  t.deepEqual(groupsOf(inv, 'web1'), ['child', 'parent', 'web']);
});

test('ansible_group_priority orders groups of equal depth; in group_vars it is only a variable', async (t) => {
  const inv = await load('priority', 'hosts');
  const h1 = hostVars(inv, 'h1');
  // a_low (priority 10) is applied after b_high (5) although its name sorts first
  t.is(h1.z, 'from-a');
  // depth still comes first: c_mid (a child of parent) is deeper than every priority
  t.is(h1.x, 'from-c');
  t.is(h1.ansible_group_priority, 100);
  t.is(h1.y, 'from-c-file');
});

test('INI typing: host-line and :vars values both go through literal_eval', async (t) => {
  const inv = await load('ini-types', 'inventory');
  t.like(hostVars(inv, 'plain'), { int: 42, hex: 31, lead0: '010', exp: 1000, g_int: 5, g_str: 'hello world', g_comment: 5, g_word_comment: 'foo # comment after a word' });
  t.like(hostVars(inv, 'quotes'), { dq: 1, sq: 2, nested: '3', both: '4', spaced: 'a b c', empty: '', cut: 'a' });
  t.like(hostVars(inv, 'containers'), { bare: [1, 2], noquotes: '{a:1}' });
  t.deepEqual(hostVars(inv, 'containers').dict, { a: 1, b: [2] });
});

test('ungrouped: hosts only under all join ungrouped; a host in another group leaves it', async (t) => {
  const inv = await load('ungrouped', 'hosts.yml');
  t.deepEqual(inv.groups.get('ungrouped')!.hosts, ['loose2', 'loose1']); // loose1 joins at reconcile time
  t.deepEqual(groupsOf(inv, 'loose1'), ['ungrouped']);
  t.deepEqual(groupsOf(inv, 'both'), ['g1', 'g3']);
  t.deepEqual(groupsOf(inv, 'multi'), ['g1', 'g2', 'g3']);
});

test('implicit localhost: local connection and all vars; unknown hosts are an error', async (t) => {
  const inv = await load('ini-docs', 'hosts.ini');
  t.deepEqual(hostVars(inv, 'localhost'), { has_java: false, ansible_connection: 'local' });
  t.throws(() => hostVars(inv, 'nope'), { instanceOf: UnknownHostError });
  // an explicit localhost is a normal host (reached over ssh unless it says otherwise)
  const inv2 = await load('ungrouped', 'hosts.yml');
  t.deepEqual(hostVars(inv2, '127.0.0.1'), hostVars(inv2, 'localhost'));
});

test('hostVars returns copies: mutating one host cannot leak into another', async (t) => {
  const inv = await load('yaml-types', 'hosts.yaml');
  const a = hostVars(inv, 'web2.example.com');
  (a.nested as { list: unknown[] }).list.push('x');
  t.deepEqual((hostVars(inv, 'w1').nested as { list: unknown[] }).list, [1, 'two', { three: 3 }]);
});

test('magic vars from the inventory', async (t) => {
  const inv = await load('ranges', 'hosts.ini');
  t.like(hostMagicVars(inv, 'web001.example.com'), { inventory_hostname: 'web001.example.com', inventory_hostname_short: 'web001', group_names: ['rack', 'web'] });
  t.is(hostMagicVars(inv, '10.0.1.2').inventory_hostname_short, '10.0.1.2');
  t.is(hostMagicVars(inv, 'db01').inventory_file, path.join(FIX, 'ranges', 'hosts.ini'));
});

test('--list with a limit: groups keep the selected hosts, every selected host is in _meta', async (t) => {
  const inv = await load('ungrouped', 'hosts.yml');
  const out = inventoryListJson(inv, ['loose2', 'multi']);
  t.deepEqual(out, {
    _meta: { hostvars: { loose2: {}, multi: {} } },
    all: { children: ['ungrouped', 'g1', 'g2', 'g3'] },
    g1: { hosts: ['multi'] },
    g2: { hosts: ['multi'] },
    g3: { children: ['g1', 'g2'] },
    ungrouped: { hosts: ['loose2'] },
  });
  // without a limit, hosts without vars are left out of _meta like Ansible does
  t.deepEqual(Object.keys((inventoryListJson(inv)._meta as { hostvars: object }).hostvars), ['both', 'localhost']);
});

test('--graph from a group, with a limit', async (t) => {
  const inv = await load('ungrouped', 'hosts.yml');
  t.is(inventoryGraph(inv, ['multi'], { group: 'g3' }), ['@g3:', '  |--@g1:', '  |  |--multi', '  |--@g2:', '  |  |--multi'].join('\n'));
  t.is(inventoryGraph(inv, ['loose1']), ['@all:', '  |--@ungrouped:', '  |  |--loose1'].join('\n'));
  t.throws(() => inventoryGraph(inv, undefined, { group: 'nope' }), { message: /not a group/ });
});
