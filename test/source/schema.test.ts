// Table-driven validation: each row is YAML text, a schema, and either the value it yields or the
// problems it reports (line, column, message, expected, found, hint) — what a user would read.
import test from 'ava';
import type { Schema } from '../../src/source/schema-types.js';
import { describeExpected, parseDuration, validate } from '../../src/source/schema.js';
import { parseYaml } from '../../src/source/yaml.js';

function run(text: string, schema: Schema) {
  const { doc, ctx, problems } = parseYaml('t.yml', text);
  if (problems.length) throw new Error(`bad test YAML: ${problems[0]!.message}`);
  return validate(doc.contents, schema, ctx);
}

const obj = (fields: Record<string, Schema>, extra: Partial<Extract<Schema, { type: 'object' }>> = {}): Schema => ({
  type: 'object',
  fields: Object.fromEntries(Object.entries(fields).map(([k, s]) => [k, { schema: s }])),
  ...extra,
});

type Ok = { text: string; schema: Schema; value: unknown };
const okRows: [string, Ok][] = [
  ['string', { text: 'hello', schema: { type: 'string' }, value: 'hello' }],
  ['number where a string is expected keeps its text', { text: '3.10', schema: { type: 'string' }, value: '3.10' }],
  ['int', { text: '42', schema: { type: 'int', min: 0 }, value: 42 }],
  ['number', { text: '2.5', schema: { type: 'number', max: 100 }, value: 2.5 }],
  ['bool true', { text: 'true', schema: { type: 'bool' }, value: true }],
  ['bool yes (Ansible, YAML 1.1)', { text: 'yes', schema: { type: 'bool' }, value: true }],
  ['bool Off', { text: 'Off', schema: { type: 'bool' }, value: false }],
  ['count', { text: '5', schema: { type: 'count-or-percent' }, value: 5 }],
  ['count as string', { text: '"5"', schema: { type: 'count-or-percent' }, value: 5 }],
  ['percent', { text: '30%', schema: { type: 'count-or-percent' }, value: '30%' }],
  ['percent leading zero normalised', { text: '"05%"', schema: { type: 'count-or-percent' }, value: '5%' }],
  ['duration seconds number', { text: '10', schema: { type: 'duration' }, value: 10_000 }],
  ['duration 1h30m', { text: '1h30m', schema: { type: 'duration' }, value: 5_400_000 }],
  ['duration 250ms', { text: '250ms', schema: { type: 'duration' }, value: 250 }],
  ['list', { text: '[1, 2]', schema: { type: 'list', items: { type: 'int' } }, value: [1, 2] }],
  ['single item list', { text: 'x', schema: { type: 'list', items: { type: 'string' }, single: true }, value: ['x'] }],
  ['empty list', { text: 'v:', schema: obj({ v: { type: 'list', items: { type: 'int' } } }), value: { v: [] } }],
  ['map', { text: '{a: 1, b: 2}', schema: { type: 'map', values: { type: 'int' } }, value: { a: 1, b: 2 } }],
  [
    'object defaults fill in, nested too',
    {
      text: 'a: 1',
      schema: {
        type: 'object',
        fields: {
          a: { schema: { type: 'int' } },
          b: { schema: { type: 'string' }, default: 'dflt' },
          r: { schema: { type: 'object', fields: { c: { schema: { type: 'int' }, default: 50 } } }, default: {} },
        },
      },
      value: { a: 1, b: 'dflt', r: { c: 50 } },
    },
  ],
  ['object scalar shorthand', { text: 'ls -l', schema: obj({ cmd: { type: 'string' }, chdir: { type: 'string' } }, { scalarField: 'cmd' }), value: { cmd: 'ls -l' } }],
  ['oneOf picks the matching option', { text: '[a, b]', schema: { type: 'oneOf', expected: 'x', options: [{ type: 'string' }, { type: 'list', items: { type: 'string' } }] }, value: ['a', 'b'] }],
  ['any', { text: '{a: [1, {b: c}]}', schema: { type: 'any' }, value: { a: [1, { b: 'c' }] } }],
];
for (const [name, row] of okRows) {
  test(`valid: ${name}`, (t) => {
    const r = run(row.text, row.schema);
    t.deepEqual(r.problems, []);
    t.deepEqual(r.value, row.value);
  });
}

type Want = { line: number; col: number; message: string; expected?: string; found?: string; hint?: RegExp };
const badRows: [string, string, Schema, Want[]][] = [
  ['integer given a word', 'retries: ten', obj({ retries: { type: 'int' } }), [
    { line: 1, col: 10, message: "wrong type for 'retries'", expected: 'an integer', found: "a string 'ten'" },
  ]],
  ['integer given a float', 'n: 1.5', obj({ n: { type: 'int' } }), [{ line: 1, col: 4, message: "wrong type for 'n'", found: 'a number 1.5' }]],
  ['out of range', 'p: 150', obj({ p: { type: 'number', min: 0, max: 100 } }), [
    { line: 1, col: 4, message: "invalid value for 'p'", expected: 'a number from 0 to 100', found: 'an integer 150' },
  ]],
  ['empty value points at the key', 'hosts:\nname: x', obj({ hosts: { type: 'string' }, name: { type: 'string' } }), [
    { line: 1, col: 1, message: "wrong type for 'hosts'", expected: 'a string', found: 'an empty value' },
  ]],
  ['boolean in a string field', 'user: true', obj({ user: { type: 'string' } }), [{ line: 1, col: 7, message: "wrong type for 'user'", found: 'a boolean true' }]],
  ['list where a string is expected', 'name: [a]', obj({ name: { type: 'string' } }), [{ line: 1, col: 7, message: "wrong type for 'name'", found: 'a list' }]],
  ['unknown key with did-you-mean', 'hots: web', obj({ hosts: { type: 'string' }, name: { type: 'string' } }, { name: 'a play' }), [
    { line: 1, col: 1, message: "unknown key 'hots' in a play", expected: 'one of hosts, name', hint: /did you mean 'hosts'\?/ },
  ]],
  ['unknown key with an explicit hint', 'gather_facts: no', obj({ facts: { type: 'string' } }, { unknownKeyHints: { gather_facts: 'use facts:' } }), [
    { line: 1, col: 1, message: "unknown key 'gather_facts'", hint: /use facts:/ },
  ]],
  ['missing required key at the mapping', 'name: x\nvars: {}', {
    type: 'object', name: 'a play', fields: { name: { schema: { type: 'string' } }, vars: { schema: { type: 'any' } }, hosts: { schema: { type: 'string' }, required: true } },
  }, [{ line: 1, col: 1, message: "missing required key 'hosts' in a play", expected: "'hosts': a string" }]],
  ['enum with did-you-mean', 'rollback: hosts', obj({ rollback: { type: 'string', enum: ['host', 'batch', 'run', 'none'] } }), [
    { line: 1, col: 11, message: "unknown value 'hosts' for 'rollback'", expected: "one of 'host', 'batch', 'run', 'none'", hint: /did you mean 'host'\?/ },
  ]],
  ['percent with a space', 'serial: [1, "30 %"]', obj({ serial: { type: 'list', items: { type: 'count-or-percent' } } }), [
    { line: 1, col: 13, message: "invalid value for item 2 of 'serial'", found: "a string '30 %'", hint: /write '30%' without spaces/ },
  ]],
  ['percent over 100', 's: 150%', obj({ s: { type: 'count-or-percent' } }), [{ line: 1, col: 4, message: "invalid value for 's'", hint: /between 1% and 100%/ }]],
  ['zero count', 's: 0', obj({ s: { type: 'count-or-percent' } }), [{ line: 1, col: 4, message: "invalid value for 's'", hint: /at least 1/ }]],
  ['fractional percent', 's: 12.5%', obj({ s: { type: 'count-or-percent' } }), [{ line: 1, col: 4, message: "invalid value for 's'", hint: /whole numbers/ }]],
  ['bad duration', 'timeout: 10 minutes', obj({ timeout: { type: 'duration' } }), [
    { line: 1, col: 10, message: "invalid value for 'timeout'", expected: 'a duration like 30s, 5m, 1h or a number of seconds', found: "a string '10 minutes'" },
  ]],
  ['too few items', 'that: []', obj({ that: { type: 'list', items: { type: 'string' }, minItems: 1 } }), [
    { line: 1, col: 7, message: "too few items in 'that'", expected: 'at least 1 item', found: '0 items' },
  ]],
  ['oneOf with no matching shape', 'hosts: {a: 1}', obj({ hosts: { type: 'oneOf', expected: 'a pattern or a list of patterns', options: [{ type: 'string' }, { type: 'list', items: { type: 'string' } }] } }), [
    { line: 1, col: 8, message: "wrong value for 'hosts'", expected: 'a pattern or a list of patterns', found: 'a mapping' },
  ]],
  ['oneOf reports the precise problem of the option with the same shape', 'hosts: [a, 3]', obj({ hosts: { type: 'oneOf', expected: 'x', options: [{ type: 'string' }, { type: 'list', items: { type: 'string', enum: ['a'] } }] } }), [
    { line: 1, col: 12, message: "unknown value '3' for item 2 of 'hosts'" },
  ]],
  ['every problem is collected, not just the first', 'a: x\nb: y\nc: 1\nzz: 2', obj({ a: { type: 'int' }, b: { type: 'bool' }, c: { type: 'string', enum: ['q'] } }), [
    { line: 1, col: 4, message: "wrong type for 'a'" },
    { line: 2, col: 4, message: "wrong type for 'b'" },
    { line: 3, col: 4, message: "unknown value '1' for 'c'" },
    { line: 4, col: 1, message: "unknown key 'zz'" },
  ]],
];
for (const [name, text, schema, wants] of badRows) {
  test(`invalid: ${name}`, (t) => {
    const r = run(text, schema);
    t.is(r.problems.length, wants.length, JSON.stringify(r.problems, null, 1));
    wants.forEach((w, i) => {
      const p = r.problems[i]!;
      t.is(p.pos.file, 't.yml');
      t.is(p.pos.line, w.line, p.message);
      t.is(p.pos.col, w.col, p.message);
      t.is(p.message, w.message);
      if (w.expected !== undefined) t.is(p.expected, w.expected);
      if (w.found !== undefined) t.is(p.found, w.found);
      if (w.hint) t.regex(p.hint ?? '', w.hint);
      t.is(p.lineText, text.split('\n')[w.line - 1]);
    });
  });
}

test('describeExpected says what each schema accepts', (t) => {
  t.is(describeExpected({ type: 'int', min: 1 }), 'an integer of at least 1');
  t.is(describeExpected({ type: 'bool' }), 'true or false');
  t.is(describeExpected({ type: 'count-or-percent' }), 'a positive integer or a percentage like "30%"');
  t.is(describeExpected({ type: 'object', name: 'a canary', scalarField: 'count', fields: { count: { schema: { type: 'int' } } } }), 'a canary (a mapping) or an integer');
});

test('parseDuration', (t) => {
  const rows: [string | number, number | undefined][] = [
    [0, 0], [1.5, 1500], ['30s', 30_000], ['5m', 300_000], ['2h', 7_200_000], ['1d', 86_400_000],
    ['1m 30s', 90_000], ['10', 10_000], ['-1', undefined], ['soon', undefined], [-3, undefined], ['5 m', undefined],
  ];
  for (const [input, want] of rows) t.is(parseDuration(input), want, String(input));
});

test('a "__proto__" key in YAML stays an own data key', (t) => {
  const r = run('vars:\n  __proto__: {polluted: 1}\n  nested: {__proto__: {x: 1}}\n', obj({ vars: { type: 'map', values: { type: 'any' } } }));
  const vars = (r.value as { vars: Record<string, unknown> }).vars;
  t.deepEqual(r.problems, []);
  t.is(Object.getPrototypeOf(vars), Object.prototype);
  t.deepEqual(Object.keys(vars), ['__proto__', 'nested']);
  const nested = vars['nested'] as Record<string, unknown>;
  t.is(Object.getPrototypeOf(nested), Object.prototype);
  t.deepEqual(Object.keys(nested), ['__proto__']);
  t.is(({} as Record<string, unknown>)['polluted'], undefined);
});
