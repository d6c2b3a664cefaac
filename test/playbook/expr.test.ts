// The expression language, table-driven: values with Python/Jinja semantics, and errors that
// name what went wrong and where (the column inside the file, from the expression's position).
import test from 'ava';
import { compileExpr, evaluateCondition, evaluateExpr, exprProblems, firstFalse, TemplateError } from '../../src/playbook/expr.js';
import { undefinedVariableOf } from '../../src/playbook/template.js';
import type { Expr } from '../../src/playbook/types.js';

const scope = {
  facts: {
    os: { distro: 'debian', version: '11' },
    php: { version: '3.5.0RC1', loaded: true, modules: ['imagick', 'gd'], single_thread: 0 },
    pkg: { version: '3.4.4+php8.0+3.4.4-2+deb11u2' },
    libgomp: { version: '8-20180414-1ubuntu2' },
    keys: 1017,
  },
  result: { rc: 0, stdout: 'ok\n', stdout_lines: ['ok'] },
  want: '3.5.0',
  n: 7,
  ratio: 2.5,
  empty: '',
  nothing: null,
  flag: 'yes',
  items: [3, 1, 2],
  names: ['b', 'a', 'b'],
};

// Expressions start at line 4, column 9 of "play.yml" (like `  when: <expr>`).
const at = (source: string): Expr => ({ source, pos: { file: 'play.yml', line: 4, col: 9 }, lineText: `  when: ${source}` });

const values: [string, unknown][] = [
  // literals
  ['42', 42],
  ['-3.5', -3.5],
  ["'single' ~ \"double\"", 'singledouble'],
  ["'it\\'s'", "it's"],
  ['true and True', true],
  ['none is none', true],
  ['None', null],
  ['[1, 2, [3]]', [1, 2, [3]]],
  ["{'a': 1, 'b': [true]}", { a: 1, b: [true] }],
  ['(1, 2)', [1, 2]],
  // lookups
  ['facts.os.distro', 'debian'],
  ["facts['os']['version']", '11'],
  ['facts.php.modules[0]', 'imagick'],
  ['facts.php.modules.1', 'gd'],
  ['facts.php.modules[-1]', 'gd'],
  ['result.stdout_lines[0]', 'ok'],
  ["names[1:]", ['a', 'b']],
  ["'abcdef'[::2]", 'ace'],
  // arithmetic
  ['n + 1', 8],
  ['n - 10', -3],
  ['n * 2', 14],
  ['n / 2', 3.5],
  ['n // 2', 3],
  ['n % 3', 1],
  ['-7 % 3', 2],
  ['2 ** 10', 1024],
  ['1 + 2 * 3', 7],
  ['(1 + 2) * 3', 9],
  ["'ab' * 2", 'abab'],
  ['[1] + [2]', [1, 2]],
  ["'v' ~ n ~ '.0'", 'v7.0'],
  // comparisons and logic
  ['n == 7', true],
  ['n == 7.0', true],
  ["'7' == 7", false],
  ['n != 8', true],
  ['1 < n <= 7', true],
  ['1 < n < 7', false],
  ["'abc' < 'abd'", true],
  ["'imagick' in facts.php.modules", true],
  ["'imagick' not in facts.php.modules", false],
  ["'ebi' in facts.os.distro", true],
  ["'os' in facts", true],
  ['not facts.php.loaded', false],
  ['n > 5 and n < 10', true],
  ['empty or "fallback"', 'fallback'],
  ['n > 5 or undefined_is_never_evaluated', true],
  ['nothing and undefined_is_never_evaluated', null],
  ["'big' if n > 5 else 'small'", 'big'],
  ["'big' if n > 50 else 'small'", 'small'],
  // filters
  ["missing | default('x')", 'x'],
  ["facts.nope.deeper | default('x')", 'x'],
  ["empty | default('x')", ''],
  ["empty | default('x', true)", 'x'],
  ["missing | d(3)", 3],
  ["'42' | int", 42],
  ["'42.9' | int", 42],
  ["'abc' | int", 0],
  ["'abc' | int(-1)", -1],
  ["'2.5' | float", 2.5],
  ['n | string', '7'],
  ['facts.php.loaded | string', 'True'],
  ["'DeBiAn' | lower", 'debian'],
  ["'x' | upper", 'X'],
  ['facts.php.modules | length', 2],
  ["'abc' | length", 3],
  ['facts | count', 5],
  ['flag | bool', true],
  ["'no' | bool", false],
  ['facts.php.modules | join(", ")', 'imagick, gd'],
  ['items | join', '312'],
  ['items | sort', [1, 2, 3]],
  ['items | max', 3],
  ['names | unique', ['b', 'a']],
  ['names | first', 'b'],
  ['-3 | abs', 3],
  ['ratio | round', 3],
  ["' x ' | trim", 'x'],
  ["'a-b-c' | replace('-', '.')", 'a.b.c'],
  ["'a,b' | split(',')", ['a', 'b']],
  ['facts.keys | ansible.builtin.int', 1017],
  // tests
  ['facts.php is defined', true],
  ['facts.apache is defined', false],
  ['facts.apache.mpm is defined', false],
  ['facts.apache.mpm is undefined', true],
  ['missing is not defined', true],
  ['nothing is none', true],
  ['n is number and n is integer', true],
  ['ratio is float', true],
  ['want is string', true],
  ['facts is mapping', true],
  ['items is sequence', true],
  ['n is odd', true],
  ['n is divisibleby(7)', true],
  ["facts.os.distro is match('deb')", true],
  ["facts.os.distro is search('bia')", true],
  ['facts.php.loaded is true', true],
  // version comparisons
  ["facts.php.version is version('3.5.0', '<', 'php')", true],
  ["facts.php.version is version('3.5.0', '<', version_type='php')", true],
  ["facts.php.version is version(want, 'lt', version_type='php')", true],
  ["facts.php.version is version('3.5.0', '>')", true], // loose: RC1 sorts after the release
  ["'3.5.0' is version('3.5.0')", true], // default operator: eq
  ["'1.0.0' is version('1.0', '>', strict=true)", false],
  ["facts.pkg.version is version('3.5.0', '<', 'dpkg')", true],
  ["facts.libgomp.version is version('8.4.0-1ubuntu1~18.04', '<', 'dpkg')", true],
  ["'3.4.0~rc6-1ubuntu3' is version('3.4.3~rc2-2ubuntu4', '<', 'dpkg')", true],
  ["'8.5.0-4.el8_5' is version('8.5.0-4.el8', '>', 'rpm')", true],
  ["'1.2.3-beta' is version('1.2.3', '<', 'semver')", true],
  ["facts.php.version | version_compare('3.5.0', '>=', 'php')", false],
  ['facts.php.version is not version("3.5.0", ">=", "php")', true],
  // methods
  ["facts.os.distro.startswith('deb')", true],
  ["'a b  c'.split()", ['a', 'b', 'c']],
  ["'  x '.strip()", 'x'],
  ["facts.os.get('codename', 'bullseye')", 'bullseye'],
  ['facts.os.keys() | list', ['distro', 'version']],
  // `{{ }}` around a bare expression is tolerated
  ['{{ n + 1 }}', 8],
];
for (const [source, want] of values) {
  test(`value: ${source}`, (t) => {
    t.deepEqual(evaluateExpr(at(source), scope), want);
  });
}

type ErrRow = { source: string; kind: TemplateError['kind']; col: number; message: RegExp; hint?: RegExp; variable?: string };
const errors: ErrRow[] = [
  { source: 'pkg_version == 1', kind: 'undefined', col: 9, message: /^undefined variable 'pkg_version'$/, hint: /define 'pkg_version'/, variable: 'pkg_version' },
  { source: 'n > 1 and pkgs[0]', kind: 'undefined', col: 19, message: /^undefined variable 'pkgs' \(in 'pkgs\[0\]'\)$/, variable: 'pkgs[0]' },
  { source: "facts.apache.mpm == 'event'", kind: 'undefined', col: 15, message: /^undefined variable 'facts.apache.mpm': 'facts' has no key 'apache'$/, variable: 'facts.apache.mpm' },
  { source: 'result.stdot', kind: 'undefined', col: 16, message: /'result' has no key 'stdot' \(did you mean 'stdout'\?\)/, variable: 'result.stdot' },
  { source: 'facts.php.modules[5]', kind: 'undefined', col: 27, message: /has no item 5 \(it has 2\)/ },
  { source: 'wnat', kind: 'undefined', col: 9, message: /did you mean 'want'\?/ },
  { source: 'missing | int', kind: 'undefined', col: 9, message: /undefined variable 'missing'/ },
  { source: 'facts.php.version >= 3.5', kind: 'type', col: 27, message: /cannot compare a string '3.5.0RC1' with a number 3.5 using '>='/, hint: /is version\('3.5', '>=', 'php'\)/ },
  { source: "n + 'x'", kind: 'type', col: 11, message: /cannot add an integer 7 and a string 'x'/ },
  { source: 'n / 0', kind: 'value', col: 11, message: /division by zero/ },
  { source: "n | lenght", kind: 'syntax', col: 11, message: /unknown filter 'lenght'/, hint: /did you mean 'length'\?/ },
  { source: 'n is definde', kind: 'syntax', col: 11, message: /unknown test 'definde'/, hint: /did you mean 'defined'\?/ },
  { source: "want is version('3.5', '=>')", kind: 'value', col: 14, message: /invalid version operator '=>'/ },
  { source: "want is version('3.5', '<', 'debian')", kind: 'value', col: 14, message: /unknown version_type 'debian'/ },
  { source: "'1.0a' is version('1.0.1', '<')", kind: 'value', col: 16, message: /as loose versions/ },
  { source: 'n ==', kind: 'syntax', col: 13, message: /expression syntax error: expression ends too early/ },
  { source: 'n = 7', kind: 'syntax', col: 11, message: /unexpected '='/ },
  { source: "'unclosed", kind: 'syntax', col: 9, message: /unterminated string/ },
  { source: 'a && b', kind: 'syntax', col: 11, message: /unexpected character '&' \(use 'and'\)/ },
  { source: '(n + 1', kind: 'syntax', col: 15, message: /expected '\)' to close the parenthesis/ },
  { source: 'n and and n', kind: 'syntax', col: 15, message: /unexpected 'and'/ },
  { source: 'lookup("env", "HOME")', kind: 'syntax', col: 9, message: /unknown function 'lookup'/ },
  { source: "n.upper()", kind: 'type', col: 11, message: /an integer has no method 'upper'/ },
  { source: 'facts.php.modules | first | upper | abs', kind: 'type', col: 43, message: /filter 'abs' needs a number, found a string 'IMAGICK'/ },
];
for (const row of errors) {
  test(`error: ${row.source}`, (t) => {
    const err = t.throws(() => evaluateExpr(at(row.source), scope), { instanceOf: TemplateError });
    const p = err!.problem;
    t.is(err!.kind, row.kind);
    t.is(p.pos.file, 'play.yml');
    t.is(p.pos.line, 4);
    t.is(p.pos.col, row.col, p.message);
    t.regex(p.message, row.message);
    if (row.hint) t.regex(p.hint ?? '', row.hint);
    t.is(p.lineText, `  when: ${row.source}`);
    if (row.variable) t.is(undefinedVariableOf(err), row.variable);
    // The error is an InputError: it renders like any other bad input.
    t.is(err!.problems.length, 1);
  });
}

test('conditions must be booleans, like ansible-core 2.19', (t) => {
  t.true(evaluateCondition(at('result.rc == 0'), scope));
  t.false(evaluateCondition(at('facts.php.single_thread == 1'), scope));
  const err = t.throws(() => evaluateCondition(at('result.stdout'), scope), { instanceOf: TemplateError });
  t.is(err!.problem.message, 'a condition must be true or false');
  t.is(err!.problem.found, "a string 'ok\\n'");
  t.is(err!.problem.pos.col, 9);
});

test('firstFalse returns the first failing condition of a list', (t) => {
  const conds = [at('n > 1'), at('n > 10'), at('missing')];
  t.is(firstFalse(conds, scope)?.source, 'n > 10');
  t.is(firstFalse([at('n > 1')], scope), undefined);
});

test('compile once, evaluate per host', (t) => {
  const c = compileExpr(at("facts.os.distro in ['debian', 'ubuntu']"));
  t.true(evaluateCondition(c, scope));
  t.false(evaluateCondition(c, { ...scope, facts: { os: { distro: 'rocky' } } }));
});

test('exprProblems reports syntax errors without throwing, positioned', (t) => {
  t.deepEqual(exprProblems(at('n > 1')), []);
  const [p] = exprProblems(at('n >'));
  t.is(p!.pos.col, 12);
  t.is(p!.expected, 'a value');
  t.is(p!.found, 'the end of the expression');
});

test('an expression on several lines reports the right line', (t) => {
  const e: Expr = { source: 'n > 1 and\n  missing_var', pos: { file: 'p.yml', line: 10, col: 7 } };
  const err = t.throws(() => evaluateExpr(e, scope), { instanceOf: TemplateError });
  t.deepEqual(err!.problem.pos, { file: 'p.yml', line: 11, col: 3 });
});

test('scope values are data: no prototype lookups leak through', (t) => {
  t.throws(() => evaluateExpr(at('facts.constructor'), scope), { message: /has no key 'constructor'/ });
  t.throws(() => evaluateExpr(at("facts['__proto__']"), scope), { message: /has no key '__proto__'/ });
  t.throws(() => evaluateExpr(at('toString'), scope), { message: /undefined variable 'toString'/ });
});
