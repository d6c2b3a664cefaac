import test from 'ava';
import { editLines, normalizeLineArgs } from '../../src/modules/lineinfile.js';

const PRELOAD = 'export LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libgomp.so.1';
const ENVVARS = '# envvars - default environment variables for apache2ctl\nunset HOME\nexport APACHE_RUN_USER=www-data\n';

const cases: { name: string; text: string | null; args: Record<string, unknown>; want: string }[] = [
  { name: 'append to envvars', text: ENVVARS, args: { line: PRELOAD }, want: ENVVARS + PRELOAD + '\n' },
  { name: 'already present', text: ENVVARS + PRELOAD + '\n', args: { line: PRELOAD }, want: ENVVARS + PRELOAD + '\n' },
  { name: 'regexp replaces the last match', text: 'export LD_PRELOAD=/a\nx\nexport LD_PRELOAD=/b\n', args: { line: PRELOAD, regexp: '^\\s*export\\s+LD_PRELOAD=' }, want: `export LD_PRELOAD=/a\nx\n${PRELOAD}\n` },
  { name: 'regexp, no match: appended', text: 'x\n', args: { line: PRELOAD, regexp: '^export LD_PRELOAD=' }, want: `x\n${PRELOAD}\n` },
  { name: 'BOF', text: 'x\n', args: { line: 'y', insert: 'BOF' }, want: 'y\nx\n' },
  { name: 'create from nothing', text: null, args: { line: PRELOAD, create: true }, want: PRELOAD + '\n' },
  { name: 'absent by regexp removes every match', text: `a\n${PRELOAD}\nb\nexport LD_PRELOAD=/x\n`, args: { state: 'absent', regexp: 'LD_PRELOAD=' }, want: 'a\nb\n' },
  { name: 'absent by line', text: `a\n${PRELOAD}\n`, args: { state: 'absent', line: PRELOAD }, want: 'a\n' },
  { name: 'absent, nothing matches', text: 'a\n', args: { state: 'absent', line: PRELOAD }, want: 'a\n' },
  { name: 'CRLF kept', text: 'a\r\n', args: { line: 'b' }, want: 'a\r\nb\r\n' },
  { name: 'no final newline', text: 'a', args: { line: 'b' }, want: 'a\nb\n' },
];

for (const c of cases) {
  test(`editLines: ${c.name}`, (t) => {
    const args = normalizeLineArgs({ path: '/etc/apache2/envvars', ...c.args });
    const r = editLines(c.text, args);
    if ('error' in r) return t.fail(r.error);
    t.is(r.text, c.want);
    const again = editLines(r.text, args);
    t.true(!('error' in again) && again.text === r.text, 'idempotent');
  });
}

const bad: [string, Record<string, unknown>, RegExp][] = [
  ['relative path', { path: 'envvars', line: 'x' }, /absolute/],
  ['present without line', { path: '/x', regexp: 'a' }, /line is required/],
  ['bad regexp', { path: '/x', line: 'a', regexp: '(' }, /not a valid regular expression/],
  ['two lines', { path: '/x', line: 'a\nb' }, /single line/],
  ['bad mode', { path: '/x', line: 'a', mode: '999' }, /octal/],
];
for (const [name, raw, re] of bad) test(`normalizeLineArgs rejects ${name}`, (t) => { t.throws(() => normalizeLineArgs(raw), { message: re }); });
