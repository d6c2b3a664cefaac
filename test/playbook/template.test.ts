import test from 'ava';
import { hasTemplate, parseTemplate, render, renderString, resolveVars, templateProblems, TemplateError } from '../../src/playbook/template.js';
import type { Expr } from '../../src/playbook/types.js';

const pos = { file: 'site.yml', line: 7, col: 14 };
const scope = {
  pkg: 'php-imagick',
  want: '3.5.0',
  n: 3,
  list: ['a', 'b'],
  facts: { os: { distro: 'debian' }, apache: { listen: ['127.0.0.1:8080'] } },
  yes: true,
  nothing: null,
};

const rows: [string, unknown][] = [
  ['plain text', 'plain text'],
  ['{{ n }}', 3], // a lone expression keeps its native type
  ['{{ list }}', ['a', 'b']],
  ['{{ facts.os }}', { distro: 'debian' }],
  ['  {{ n }}', '  3'], // surrounding text makes it a string
  ['{{ pkg }}={{ want }}', 'php-imagick=3.5.0'],
  ['v{{ n + 1 }}', 'v4'],
  ['{{ list }}!', "['a', 'b']!"], // Python str() of a list, like Ansible
  ['{{ yes }}/{{ nothing }}', 'True/None'],
  ['{{ "}}" }}', '}}'], // braces inside a string do not close the expression
  ['{{ {"a": {"b": 1}}.a.b }}', 1],
  ['a {# a comment #}b', 'a b'],
  ['a  {{- n -}}  b', 'a3b'],
  ["{{ facts.apache.listen[0].split(':')[1] | int }}", 8080],
  ["{{ pkg if n > 2 else 'none' }}", 'php-imagick'],
  ['{{ missing | default("-") }}', '-'],
];
for (const [input, want] of rows) {
  test(`render ${JSON.stringify(input)}`, (t) => {
    t.deepEqual(renderString(input, scope, pos), want);
  });
}

test('render walks lists and mappings, leaving keys and non-strings alone', (t) => {
  const args = { cmd: 'apt-get install {{ pkg }}={{ want }}', env: { N: '{{ n }}' }, argv: ['echo', '{{ list }}'], retries: 3, on: true };
  t.deepEqual(render(args, scope, pos), {
    cmd: 'apt-get install php-imagick=3.5.0',
    env: { N: 3 },
    argv: ['echo', ['a', 'b']],
    retries: 3,
    on: true,
  });
});

test('a rendered value is data: shell metacharacters stay literal text', (t) => {
  t.is(renderString('echo {{ evil }}', { evil: '$(rm -rf /); `x`' }, pos), 'echo $(rm -rf /); `x`');
  t.is(renderString('{{ evil }}', { evil: '{{ n }}' }, pos), '{{ n }}'); // not re-rendered
});

type ErrRow = [string, RegExp, number, number, TemplateError['kind']];
const errorRows: ErrRow[] = [
  ['install {{ pkg_version }}', /^undefined variable 'pkg_version'$/, 7, 25, 'undefined'],
  ['{{ facts.os.codename }}', /'facts.os' has no key 'codename'/, 7, 26, 'undefined'],
  ['x {{ n +', /template syntax error: '\{\{' is never closed/, 7, 16, 'syntax'],
  ['{{ n + }}', /template syntax error: expression ends too early/, 7, 21, 'syntax'],
  ['{% if n %}x{% endif %}', /statements .* are not supported/, 7, 14, 'syntax'],
  ['{# never closed', /comment is never closed/, 7, 14, 'syntax'],
  ['line one\n{{ oops }}', /undefined variable 'oops'/, 8, 4, 'undefined'],
];
for (const [input, message, line, col, kind] of errorRows) {
  test(`render error ${JSON.stringify(input)}`, (t) => {
    const err = t.throws(() => renderString(input, scope, pos, { lineText: 'the line' }), { instanceOf: TemplateError });
    t.regex(err!.problem.message, message);
    t.is(err!.kind, kind);
    t.deepEqual(err!.problem.pos, { file: 'site.yml', line, col });
    if (line === pos.line) t.is(err!.problem.lineText, 'the line');
  });
}

test('templateProblems collects syntax problems without throwing', (t) => {
  t.deepEqual(templateProblems('ok {{ n }}', pos), []);
  const problems = templateProblems('{{ n | }}', pos, 'line');
  t.is(problems.length, 1);
  t.is(problems[0]!.pos.col, 21);
  t.is(problems[0]!.lineText, 'line');
});

test('errors point at the template string itself when its position is known', (t) => {
  const s = 'v={{ nope }}';
  const sources: Record<string, Expr> = { [s]: { source: s, pos: { file: 'site.yml', line: 20, col: 12 }, lineText: '      x: "v={{ nope }}"' } };
  const err = t.throws(() => render({ x: s }, scope, pos, { sources }), { instanceOf: TemplateError });
  t.deepEqual(err!.problem.pos, { file: 'site.yml', line: 20, col: 17 });
  t.is(err!.problem.lineText, '      x: "v={{ nope }}"');
});

test('hasTemplate and parseTemplate segments', (t) => {
  t.false(hasTemplate('no braces { here }'));
  t.true(hasTemplate('{{ x }}'));
  const segs = parseTemplate('a{{ x }}b', pos);
  t.deepEqual(segs.map((s) => s.kind), ['text', 'expr', 'text']);
});

test('resolveVars renders vars that refer to each other, in any order', (t) => {
  const out = resolveVars({ target: 'php-imagick>={{ min }}', min: '{{ major }}.5.0', major: 3, list: ['{{ major }}'] }, { n: 1 }, pos);
  t.deepEqual(out, { n: 1, target: 'php-imagick>=3.5.0', min: '3.5.0', major: 3, list: [3] });
});

test('resolveVars names a cycle', (t) => {
  const err = t.throws(() => resolveVars({ a: '{{ b }}', b: '{{ c }}', c: '{{ a }}' }, {}, pos), { instanceOf: TemplateError });
  t.regex(err!.problem.message, /variable 'a' refers to itself: a → b → c → a/);
});

test('resolveVars reports an undefined variable by name', (t) => {
  const err = t.throws(() => resolveVars({ a: '{{ nope }}' }, {}, pos), { instanceOf: TemplateError });
  t.regex(err!.problem.message, /undefined variable 'nope'/);
});

test('a "__proto__" key is plain data in rendered values and dict literals', (t) => {
  const out = render(JSON.parse('{"__proto__": {"polluted": "{{ n }}"}}'), scope, pos) as Record<string, unknown>;
  t.deepEqual(Object.keys(out), ['__proto__']);
  t.is(Object.getPrototypeOf(out), Object.prototype);
  t.deepEqual(Object.getOwnPropertyDescriptor(out, '__proto__')!.value, { polluted: 3 });
  const d = renderString('{{ {"__proto__": 1} }}', scope, pos) as Record<string, unknown>;
  t.is(Object.getPrototypeOf(d), Object.prototype);
  t.deepEqual(Object.keys(d), ['__proto__']);
});
