// Host patterns without Ansible at hand: the expected selections below are what ansible-core 2.14
// answered for the same inventory (test/fixtures/inventories/ini-docs/hosts.ini, the examples of
// Ansible's inventory and pattern docs); the oracle test re-asks Ansible whenever it is installed.
import test from 'ava';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadInventory, PatternError, selectHosts, splitHostPattern } from '../../src/inventory/index.js';
import { fnmatchToRegExp, orderPatterns, pythonRegExp, splitSubscript } from '../../src/inventory/patterns.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const DIR = path.join(here, '..', 'fixtures', 'inventories', 'ini-docs');
const invP = loadInventory(['hosts.ini'], { cwd: DIR, env: {} });
const opts = { cwd: DIR, readFile: (p: string) => readFileSync(path.resolve(DIR, p), 'utf8') };

const ALL = [
  'host3', 'host1', 'host2', 'host4', 'foo.example.com', 'bar.example.com', 'one.example.com', 'two.example.com',
  'three.example.com', '192.0.2.10', '192.0.2.11', 'tomcat1', 'tomcat2', 'tomcat3', 'jenkins1', 'host1.example.com',
];
const WEB = ['host1', 'host2', 'tomcat1', 'tomcat2', 'tomcat3', 'jenkins1'];

const table: Array<[pattern: string, hosts: string[], limit?: string]> = [
  ['all', ALL],
  ['*', ALL],
  ['webservers', ['foo.example.com', 'bar.example.com']],
  ['webservers:dbservers', ['foo.example.com', 'bar.example.com', 'one.example.com', 'two.example.com', 'three.example.com']],
  ['webservers,dbservers', ['foo.example.com', 'bar.example.com', 'one.example.com', 'two.example.com', 'three.example.com']],
  ['webservers:!atlanta', ['bar.example.com']],
  ['webservers:&staging', ['foo.example.com']],
  ['webservers:dbservers:&staging:!phoenix', ['foo.example.com']],
  // order of writing does not matter: regular words first, then &, then !
  ['!atlanta:webservers', ['bar.example.com']],
  ['*.example.com', ['foo.example.com', 'bar.example.com', 'one.example.com', 'two.example.com', 'three.example.com', 'host1.example.com']],
  ['one*.com:dbservers', ['one.example.com', 'two.example.com', 'three.example.com']],
  ['192.0.*', ['192.0.2.10', '192.0.2.11']],
  // a regex is anchored at the start only (re.match): ~(foo|one) matches foo.example.com
  ['~(web|db).*\\.example\\.com', []],
  ['~(foo|one)', ['foo.example.com', 'one.example.com']],
  ['webservers[0]', ['foo.example.com']],
  ['webservers[-1]', ['bar.example.com']],
  ['webservers[0:2]', ['foo.example.com', 'bar.example.com']],
  ['webservers[1:]', ['bar.example.com']],
  ['dbservers[2:0]', ['three.example.com']], // Python's `if end:` makes [2:0] a single index
  // `web*` matches the groups web and webservers, and (it is a glob) host names too
  ['web*', [...WEB, 'foo.example.com', 'bar.example.com']],
  ['!atlanta', ALL.filter((h) => h !== 'foo.example.com' && h !== 'host1.example.com')],
  ['&staging', ['host4', 'foo.example.com', 'host1.example.com']],
  ['ungr*', ['host3']],
  ['al*', ALL], // fnmatch matches the group `all` itself
  ['localhost', ['localhost']], // the implicit localhost
  ['web:localhost', [...WEB, 'localhost']],
  ['g[!1]', ['host4']],
  ['g?', ['host4']],
  ['nomatch', []],
  ['host4,host4,g1', ['host4']],
  ['all', ['host4', 'tomcat2', 'tomcat3'], '@limit.txt'],
  ['webservers:dbservers', ['foo.example.com', 'two.example.com'], 'staging:phoenix'],
];

for (const [pattern, hosts, limit] of table) {
  test(`pattern ${JSON.stringify(pattern)}${limit ? ` --limit ${limit}` : ''}`, async (t) => {
    const inv = await invP;
    t.deepEqual(selectHosts(inv, pattern, { ...opts, ...(limit ? { limit } : {}) }), hosts);
  });
}

test('words matching nothing are reported, the rest still selects', async (t) => {
  const inv = await invP;
  const unmatched: string[] = [];
  t.deepEqual(selectHosts(inv, 'nomatch:webservers:zz*', { ...opts, onUnmatched: (w) => unmatched.push(w) }), ['foo.example.com', 'bar.example.com']);
  t.deepEqual(unmatched, ['nomatch', 'zz*']);
});

test('errors: subscript out of range, bad regex, missing @file', async (t) => {
  const inv = await invP;
  t.throws(() => selectHosts(inv, 'webservers[5]', opts), { instanceOf: PatternError, message: "No hosts matched the subscripted pattern 'webservers[5]'" });
  t.throws(() => selectHosts(inv, '~(', opts), { instanceOf: PatternError, message: 'Invalid host list pattern: ~(' });
  t.throws(() => selectHosts(inv, 'all', { ...opts, limit: '@missing.txt' }), { instanceOf: PatternError, message: /missing\.txt/ });
});

test('deprecated [x-y] subscripts still work, with a warning', async (t) => {
  const inv = await invP;
  const warnings: string[] = [];
  t.deepEqual(selectHosts(inv, 'dbservers[0-1]', { ...opts, onWarning: (m) => warnings.push(m) }), ['one.example.com', 'two.example.com']);
  t.is(warnings.length, 1);
});

// split_host_pattern's docstring example and the ':' separator rules
const splits: Array<[string, string[]]> = [
  ['a,b[1], c[2:3] , d', ['a', 'b[1]', 'c[2:3]', 'd']],
  ['web:db:&staging:!phoenix', ['web', 'db', '&staging', '!phoenix']],
  ['web[1:3]', ['web[1:3]']], // a range, not two words
  ['web[1:3]:db', ['web[1:3]', 'db']],
  ['fe80::1', ['fe80::1']], // an IPv6 address
  ['host:22', ['host:22']], // parses as host:port, so it stays one word
  ['  a  ', ['a']],
  ['', []],
];
for (const [input, words] of splits) {
  test(`split ${JSON.stringify(input)}`, (t) => t.deepEqual(splitHostPattern(input), words));
}

test('order: regular, then &, then !; only &/! means all first', (t) => {
  t.deepEqual(orderPatterns(['!a', '&b', 'c', '', 'd']), ['c', 'd', '&b', '!a']);
  t.deepEqual(orderPatterns(['!a', '&b']), ['all', '&b', '!a']);
});

test('subscripts', (t) => {
  t.deepEqual(splitSubscript('web[0]'), ['web', [0, null]]);
  t.deepEqual(splitSubscript('web[-1]'), ['web', [-1, null]]);
  t.deepEqual(splitSubscript('web[1:]'), ['web', [1, -1]]);
  t.deepEqual(splitSubscript('web[1:3]'), ['web', [1, 3]]);
  t.deepEqual(splitSubscript('~web[1]'), ['~web[1]', null]);
  t.deepEqual(splitSubscript('web[a:b]'), ['web[a:b]', null]);
});

// [glob, name, fnmatch.fnmatchcase answer]
const globs: Array<[string, string, boolean]> = [
  ['web*', 'web01', true], ['web*', 'aweb', false], ['w?b', 'web', true], ['w?b', 'weeb', false],
  ['db[0-9]', 'db5', true], ['db[!0-9]', 'db5', false], ['db[!0-9]', 'dbx', true], ['[]]', ']', true],
  ['a[', 'a[', true], ['*.example.com', 'a.example.com', true], ['*.example.com', 'aXexample.com', false],
  ['Web', 'web', false], ['[z-a]x', 'x', false], ['g[12]', 'g1', true], ['*', 'a\nb', true],
];
for (const [glob, name, expected] of globs) {
  test(`fnmatch ${glob} ~ ${JSON.stringify(name)}`, (t) => t.is(fnmatchToRegExp(glob).test(name), expected));
}

test('Python regex features used in patterns', (t) => {
  t.true(pythonRegExp('(?P<x>web)0\\d').test('web01.example.com'));
  t.true(pythonRegExp('(?i)WEB').test('web1'));
  t.false(pythonRegExp('web\\Z').test('web1'));
  t.false(pythonRegExp('eb').test('web')); // re.match anchors at the start
});
