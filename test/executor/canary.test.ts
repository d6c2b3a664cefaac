import test from 'ava';
import { pickCanary } from '../../src/executor/canary.js';
import type { Canary } from '../../src/playbook/types.js';

const pos = { file: 'site.yml', line: 3, col: 7 };
const hosts = ['deb1', 'deb2', 'rhel1', 'deb3', 'rhel2', 'alma1', 'rhel3', 'deb4', 'alma2', 'deb5'];
const distro: Record<string, string> = { deb: 'debian', rhel: 'rhel', alma: 'alma' };
const keyOf = (h: string) => distro[h.replace(/\d+$/, '')];

// deb1 and rhel1 were unreachable when planned, alma1 and alma2 failed reading facts
const reached = (h: string) => !['deb1', 'rhel1', 'alma1', 'alma2'].includes(h);

const table: Array<{ title: string; canary: Canary | undefined; want: string[]; eligible?: (h: string) => boolean }> = [
  { title: 'no canary', canary: undefined, want: [] },
  { title: 'a count', canary: { count: 2, gates: [] }, want: ['deb1', 'deb2'] },
  { title: 'a percentage of all hosts', canary: { count: '20%', gates: [] }, want: ['deb1', 'deb2'] },
  { title: 'a tiny percentage is one host', canary: { count: '1%', gates: [] }, want: ['deb1'] },
  { title: 'a count of zero picks nobody', canary: { count: 0, gates: [] }, want: [] },
  { title: 'more than there are', canary: { count: 50, gates: [] }, want: hosts },
  { title: 'one per distinct value, first in order of each', canary: { per: { source: '{{ facts.os.distro }}', pos }, gates: [] }, want: ['deb1', 'rhel1', 'alma1'] },
  { title: 'two per distinct value', canary: { count: 2, per: { source: '{{ facts.os.distro }}', pos }, gates: [] }, want: ['deb1', 'deb2', 'rhel1', 'rhel2', 'alma1', 'alma2'] },
  { title: '40% of each value (at least one)', canary: { count: '40%', per: { source: '{{ facts.os.distro }}', pos }, gates: [] }, want: ['deb1', 'deb2', 'rhel1', 'alma1'] },
  { title: 'a count from the hosts the plan reached', canary: { count: 2, gates: [] }, eligible: reached, want: ['deb2', 'deb3'] },
  { title: 'a percentage stays of all hosts, picked from those reached', canary: { count: '30%', gates: [] }, eligible: reached, want: ['deb2', 'deb3', 'rhel2'] },
  { title: 'one per value from those reached; a value with none reached has no canary', canary: { per: { source: '{{ facts.os.distro }}', pos }, gates: [] }, eligible: reached, want: ['deb2', 'rhel2'] },
  { title: 'none reached: no canary', canary: { count: 3, gates: [] }, eligible: () => false, want: [] },
];

for (const row of table) {
  test(`pickCanary: ${row.title}`, (t) => {
    t.deepEqual(pickCanary(hosts, row.canary, keyOf, row.eligible), row.want);
  });
}

test('pickCanary follows the given order (reverse inventory picks the last host of each value)', (t) => {
  const per: Canary = { per: { source: '{{ facts.os.distro }}', pos }, gates: [] };
  t.deepEqual(pickCanary([...hosts].reverse(), per, keyOf), ['deb5', 'alma2', 'rhel3']);
});

test('pickCanary per: without key values is an error naming the expression', (t) => {
  const e = t.throws(() => pickCanary(hosts, { per: { source: '{{ facts.os.distro }}', pos }, gates: [] }));
  t.regex(e.message, /facts\.os\.distro/);
});
