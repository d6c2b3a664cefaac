// The building blocks Ansible's INI plugin relies on, against answers taken from CPython 3.11
// (ast.literal_eval, shlex.split(comments=True)) and Ansible's range expansion docs.
import test from 'ava';
import { iniValue, literalEval } from '../../src/inventory/pyliteral.js';
import { shlexSplit, ShlexError } from '../../src/inventory/shlex.js';
import { expandHostPattern, parseAddress } from '../../src/inventory/ranges.js';

// [input, value literal_eval gives] — or RAW when Python raises ValueError/SyntaxError (the INI
// plugin then keeps the text as it is).
const RAW = Symbol('raw');
const literals: Array<[string, unknown]> = [
  ['42', 42], ['-7', -7], ['+5', 5], ['--1', RAW], ['0x1F', 31], ['0o17', 15], ['0b101', 5], ['1_000', 1000],
  ['010', RAW], ['00', 0], ['0', 0], ['1.5', 1.5], ['1e3', 1000], ['.5', 0.5], ['1.', 1], ['1.5e-3', 0.0015],
  ['1__0', RAW], ['1_0.5', 10.5], ['0e0', 0], ['-1.5', -1.5],
  ['True', true], ['False', false], ['true', RAW], ['None', null], ['none', RAW],
  ["'a'", 'a'], ['"b"', 'b'], ["'a' 'b'", 'ab'], ["'a' \"b\"", 'ab'], ["r'\\n'", '\\n'], ["'\\n'", '\n'],
  ["'\\x41\\101'", 'AA'], ["'\\u00e9'", 'é'], ["u'x'", 'x'], ["b'x'", 'x'], ["f'x'", RAW], ["'a\\'b'", "a'b"], ['"""tri"""', 'tri'],
  ['[1, 2]', [1, 2]], ['[1, 2,]', [1, 2]], ['(1, 2)', [1, 2]], ['(1,)', [1]], ['()', []], ['(1)', 1], ['-(2)', -2],
  ['1,2', [1, 2]], ['1,', [1]], ["{'a': 1, 'b': [2]}", { a: 1, b: [2] }], ['{}', {}], ["{1: 'x', True: 'y'}", { 1: 'y' }],
  ["{'a': -1}", { a: -1 }], ["[1, [2, {'k': None}]]", [1, [2, { k: null }]]],
  ['{a:1}', RAW], ['1+2', RAW], ['foo()', RAW], ['a.b', RAW], ['hello', RAW], ['hello world', RAW], ['x=1', RAW], ['[--1]', RAW],
  ['5 # comment', 5], ['foo # comment', RAW], ['', RAW], ['  7', 7],
  ['"\'03#pa33w0rd\'"', "'03#pa33w0rd'"], ["'03#pa33w0rd'", '03#pa33w0rd'],
];

for (const [input, expected] of literals) {
  test(`literal_eval ${JSON.stringify(input)} → ${expected === RAW ? 'stays a string' : JSON.stringify(expected)}`, (t) => {
    const r = literalEval(input);
    if (expected === RAW) {
      t.false(r.ok);
      t.is(iniValue(input), input);
    } else {
      t.true(r.ok);
      t.deepEqual(r.ok ? r.value : undefined, expected);
      t.deepEqual(iniValue(input), expected);
    }
  });
}

// [line, words shlex.split(line, comments=True) returns]
const shlexCases: Array<[string, string[]]> = [
  ['web1 a=1 b="2 3"', ['web1', 'a=1', 'b=2 3']],
  ["h x='a b' y=c", ['h', 'x=a b', 'y=c']],
  ['h a=b#c d=e', ['h', 'a=b']],
  ['h # comment', ['h']],
  ['h a="x#y"', ['h', 'a=x#y']],
  ['h a=x\\ y', ['h', 'a=x y']],
  ['h a="x\\"y"', ['h', 'a=x"y']],
  ["h a='x\\y'", ['h', 'a=x\\y']],
  ['h a="x\\y"', ['h', 'a=x\\y']],
  ['h a="" b=c', ['h', 'a=', 'b=c']],
  ["h a=\"'03#pa33w0rd'\"", ['h', "a='03#pa33w0rd'"]],
  ['h\ta=1', ['h', 'a=1']],
  ['h a=1 ;b=2', ['h', 'a=1', ';b=2']],
  ['h "quoted host"', ['h', 'quoted host']],
  ['h a=b"c d"e', ['h', 'a=bc de']],
];
for (const [line, words] of shlexCases) {
  test(`shlex ${JSON.stringify(line)}`, (t) => {
    t.deepEqual(shlexSplit(line).map((w) => w.value), words);
  });
}

test('shlex reports where an unclosed quote starts and a dangling backslash', (t) => {
  const e = t.throws(() => shlexSplit('h a="unclosed'), { instanceOf: ShlexError });
  t.is(e?.message, 'No closing quotation');
  t.is(e?.offset, 4);
  t.is(t.throws(() => shlexSplit('h a=\\'), { instanceOf: ShlexError })?.message, 'No escaped character');
});

test('shlex gives each word its start column', (t) => {
  t.deepEqual(shlexSplit('  web1   a=1 "b c"=2').map((w) => w.start), [2, 9, 13]);
});

// [host pattern, hosts, port] — Ansible's inventory docs and expand_hostname_range rules
const ranges: Array<[string, string[], number?]> = [
  ['www[01:03].example.com', ['www01.example.com', 'www02.example.com', 'www03.example.com']],
  ['db-[a:f].example.com', ['db-a', 'db-b', 'db-c', 'db-d', 'db-e', 'db-f'].map((h) => `${h}.example.com`)],
  ['www[01:10:4].example.com', ['www01.example.com', 'www05.example.com', 'www09.example.com']],
  ['web[8:11]', ['web8', 'web9', 'web10', 'web11']],
  ['web[:2]', ['web0', 'web1', 'web2']],
  ['rack[1:2]-node[a:b]', ['rack1-nodea', 'rack1-nodeb', 'rack2-nodea', 'rack2-nodeb']],
  ['app[1:3]:2222', ['app1', 'app2', 'app3'], 2222],
  ['web1.example.com:22', ['web1.example.com'], 22],
  ['[2001:db8::1]:2222', ['2001:db8::1'], 2222],
  ['10.0.[0:1].1', ['10.0.0.1', '10.0.1.1']],
  ['plain', ['plain']],
];
for (const [pattern, hosts, port] of ranges) {
  test(`host pattern ${pattern}`, (t) => {
    const got = expandHostPattern(pattern);
    t.deepEqual(got.hosts, hosts);
    t.is(got.port, port);
  });
}

test('letter ranges follow string.ascii_letters (a..z then A..Z)', (t) => {
  t.deepEqual(expandHostPattern('n[y:B]').hosts, ['ny', 'nz', 'nA', 'nB']);
  t.throws(() => expandHostPattern('n[B:y]'), { message: /begin <= end/ });
});

const badRanges: Array<[string, RegExp]> = [
  ['web[01:100]', /equal-length/],
  ['web[1:]', /end value/],
  ['web[1:2:3:4]', /begin:end or begin:end:step/],
  ['web[x1:3]', /invalid literal/],
];
for (const [pattern, message] of badRanges) {
  test(`bad range ${pattern}`, (t) => {
    t.throws(() => expandHostPattern(pattern), { message });
  });
}

test('parse_address: ports, IPv6, ranges only when allowed', (t) => {
  t.deepEqual(parseAddress('host:22', false), { host: 'host', port: 22 });
  t.deepEqual(parseAddress('::1', false), { host: '::1' });
  t.deepEqual(parseAddress('web[1:2]', true), { host: 'web[1:2]' });
  t.is(parseAddress('web[1:2]', false), null);
  t.is(parseAddress('bad host', false), null);
});
