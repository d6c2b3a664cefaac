import test from 'ava';
import { MASK, redact, redactArgv } from '../../src/journal/index.js';

const M = MASK;

const valueCases: { name: string; value: unknown; secrets: string[]; expected: unknown }[] = [
  { name: 'a string', value: 'sudo -S with hunter2 here', secrets: ['hunter2'], expected: `sudo -S with ${M} here` },
  { name: 'every occurrence', value: 'hunter2hunter2', secrets: ['hunter2'], expected: `${M}${M}` },
  { name: 'nested values and keys', value: { a: ['x', { hunter2: 'p=hunter2' }], n: 3, b: true, z: null }, secrets: ['hunter2'], expected: { a: ['x', { [M]: `p=${M}` }], n: 3, b: true, z: null } },
  { name: 'the longer of overlapping secrets first', value: 'pw=abc123xyz', secrets: ['abc', 'abc123xyz'], expected: `pw=${M}` },
  { name: 'empty secrets ignored', value: 'abc', secrets: [''], expected: 'abc' },
  { name: 'no secrets: unchanged', value: { a: 'hunter2' }, secrets: [], expected: { a: 'hunter2' } },
  { name: 'undefined stays undefined', value: undefined, secrets: ['x'], expected: undefined },
  { name: 'a Date via its JSON form', value: { d: new Date(Date.UTC(2026, 0, 2)) }, secrets: ['2026'], expected: { d: `${M}-01-02T00:00:00.000Z` } },
];

for (const c of valueCases) {
  test(`redact: ${c.name}`, (t) => {
    t.deepEqual(redact(c.value, c.secrets), c.expected);
  });
}

test('redact does not modify its input', (t) => {
  const v = { a: ['hunter2'] };
  redact(v, ['hunter2']);
  t.deepEqual(v, { a: ['hunter2'] });
});

const argvCases: { name: string; argv: string[]; expected: string[] }[] = [
  { name: '--password VALUE', argv: ['apply', '--password', 'hunter2', 'site.yml'], expected: ['apply', '--password', M, 'site.yml'] },
  { name: '--become-password=VALUE', argv: ['apply', '--become-password=hunter2'], expected: ['apply', `--become-password=${M}`] },
  { name: 'option at the end with no value', argv: ['apply', '--password'], expected: ['apply', '--password'] },
  {
    name: '-e key=value words: only secret-looking keys',
    argv: ['-e', 'db_password=s3 api_token="a b" user=www-data MY_SECRET=x'],
    expected: ['-e', `db_password=${M} api_token=${M} user=www-data MY_SECRET=${M}`],
  },
  {
    name: '--extra-vars JSON, nested',
    argv: ['--extra-vars', '{"user":"www","db":{"password":"s3","port":5432},"secrets":{"a":"b"}}'],
    expected: ['--extra-vars', `{"user":"www","db":{"password":"${M}","port":5432},"secrets":"${M}"}`],
  },
  { name: '--extra-vars=YAML flow', argv: ["--extra-vars={admin_password: 's3', user: www}"], expected: [`--extra-vars={admin_password: "${M}", user: www}`] },
  { name: '-e with the value attached', argv: ['-edb_password=s3', '-e{"token":"t"}'], expected: [`-edb_password=${M}`, `-e{"token":"${M}"}`] },
  { name: '-e @file is a path, kept', argv: ['-e', '@vars/secret.yml'], expected: ['-e', '@vars/secret.yml'] },
  { name: 'words after -- are positional', argv: ['--', '--password', 'literal'], expected: ['--', '--password', 'literal'] },
  { name: 'unrelated options kept', argv: ['-i', 'hosts.yml', '--limit', 'web*', '--known-hosts', 'kh'], expected: ['-i', 'hosts.yml', '--limit', 'web*', '--known-hosts', 'kh'] },
];

for (const c of argvCases) {
  test(`redactArgv: ${c.name}`, (t) => {
    t.deepEqual(redactArgv(c.argv), c.expected);
  });
}

test('redactArgv takes extra secret option names', (t) => {
  t.deepEqual(redactArgv(['--api-key', 'k1', '--x'], { secretOptions: ['--api-key'] }), ['--api-key', M, '--x']);
});
