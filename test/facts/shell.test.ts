// The record helpers every probe starts with (src/facts/shell.ts), under the shells hosts have.
import test from 'ava';
import { PRELUDE } from '../../src/facts/shell.js';
import { parseRecords } from '../../src/facts/records.js';
import { runSh } from './helpers.js';

const cases: { args: string; want: string }[] = [
  { args: 'tag', want: 'tag' },
  { args: 'tag one', want: 'tag|one' },
  { args: `tag '' ''`, want: 'tag||' },
  { args: `tag 'two words' '%s %d' 'back\\slash' '-n'`, want: 'tag|two words|%s %d|back\\slash|-n' },
  { args: `tag 'a|b' "$(printf 'x\\ty')"`, want: 'tag|a|b|x\ty' },
];

for (const shell of ['dash', 'bash']) {
  test(`${shell}: rec prints its arguments as one record, fields joined by |, verbatim`, (t) => {
    for (const c of cases) {
      const r = runSh(`${PRELUDE}rec ${c.args}`, shell);
      t.is(r.exitCode, 0, c.args);
      t.is(r.stdout, `${c.want}\n`, c.args);
    }
  });

  test(`${shell}: rec leaves word splitting as it found it`, (t) => {
    // the probes split /proc/PID/stat with `set -- $line` right after printing records
    const r = runSh(`${PRELUDE}rec a b c; x='1 2|3'; set -- $x; echo "$#"; IFS=:; rec d e; y='4:5|6'; set -- $y; echo "$#"`, shell);
    t.is(r.stdout, 'a|b|c\n2\nd|e\n2\n');
  });
}

test('records rec prints read back as the fields given', (t) => {
  const r = runSh(`${PRELUDE}rec pidfile /run/apache2/apache2.pid 1234 alive; rec clock 1700000000`);
  const recs = parseRecords(r.stdout);
  t.deepEqual(recs, [{ tag: 'pidfile', value: '/run/apache2/apache2.pid|1234|alive' }, { tag: 'clock', value: '1700000000' }]);
});
