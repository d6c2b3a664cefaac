import test from 'ava';
import { execFileSync } from 'node:child_process';
import { assertEnvName, maskSecrets, shJoin, shQuote } from '../../src/transport/quote.js';
import { HOSTILE } from './hostile.js';

const SHELLS = ['dash', 'bash'] as const;

function printfUnder(shell: string, words: string[]): Buffer {
  return execFileSync(shell, ['-c', `printf '%s|' ${shJoin(words)}`]);
}

for (const shell of SHELLS) {
  for (const [name, value] of HOSTILE) {
    test(`shQuote: ${name} reaches printf '%s' byte-identical under ${shell}`, (t) => {
      t.deepEqual(execFileSync(shell, ['-c', `printf '%s' ${shQuote(value)}`]), Buffer.from(value));
    });
  }
  test(`shJoin: every hostile value stays one word under ${shell}`, (t) => {
    const words = HOSTILE.map(([, v]) => v);
    t.deepEqual(printfUnder(shell, words), Buffer.from(words.map((w) => w + '|').join('')));
  });
  test(`shJoin: a reserved word or assignment as the program name is run as a command under ${shell}`, (t) => {
    for (const first of ['if', 'A=b', 'done', 'while']) {
      const out = execFileSync(shell, ['-c', `${shJoin([first])} 2>&1; echo "rc=$?"`], { encoding: 'utf8' });
      t.regex(out, /rc=127/, `${first} must be looked up as a command (not found), got ${out}`);
    }
  });
}

test('shQuote leaves plain words bare and quotes everything else', (t) => {
  const table: Array<[string, string]> = [
    ['abc', 'abc'],
    ['/usr/sbin/apachectl', '/usr/sbin/apachectl'],
    ['-n', '-n'],
    ['a.b,c:d+e@f%g', 'a.b,c:d+e@f%g'],
    ['', "''"],
    ['a b', "'a b'"],
    ["it's", "'it'\\''s'"],
    ['A=b', "'A=b'"],
    ['~', "'~'"],
    ['if', "'if'"],
    ['$x', "'$x'"],
  ];
  for (const [input, expected] of table) t.is(shQuote(input), expected, JSON.stringify(input));
});

test('shQuote refuses a NUL byte rather than let the remote cut the line short', (t) => {
  t.throws(() => shQuote('a\0b'), { message: /NUL/ });
});

test('assertEnvName accepts shell names and rejects injections', (t) => {
  for (const ok of ['A', '_x', 'LC_ALL', 'a1']) t.is(assertEnvName(ok), ok);
  for (const bad of ['', '1A', 'A B', 'A;id', 'A=B', '$(id)', 'é']) t.throws(() => assertEnvName(bad), { message: /invalid environment variable name/ }, bad);
});

test('maskSecrets masks every secret, longest first, and ignores empty ones', (t) => {
  const table: Array<[string, string[] | undefined, string]> = [
    ['pw=hunter2 again hunter2', ['hunter2'], 'pw=******** again ********'],
    ['abcdef', ['abc', 'abcdef'], '********'],
    ['nothing here', [], 'nothing here'],
    ['nothing here', undefined, 'nothing here'],
    ['keep', [''], 'keep'],
    ["pa$s'w\nd", ["pa$s'w\nd"], '********'],
  ];
  for (const [text, secrets, expected] of table) t.is(maskSecrets(text, secrets), expected);
});

test('shQuote of long values round-trips under dash, on repeat and for distinct values', (t) => {
  const base = HOSTILE.map(([, v]) => v).join("'\n$(x)`;|&") + "'";
  const values = [base.repeat(20), base.repeat(20) + 'x', "'".repeat(3000), base.repeat(20)];
  t.true(values[0].length >= 1024);
  for (const value of [...values, ...values]) {
    t.deepEqual(execFileSync('dash', ['-c', `printf '%s' ${shQuote(value)}`]), Buffer.from(value));
  }
  t.is(shQuote('y'.repeat(2000)), 'y'.repeat(2000), 'a long plain word stays bare');
  t.throws(() => shQuote('z'.repeat(2000) + '\0'), { message: /NUL/ });
});
