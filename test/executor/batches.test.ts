import test from 'ava';
import { computeBatches, pctToInt, sliceBatches } from '../../src/executor/batches.js';

// Rows from Ansible's docs ("Controlling playbook execution: strategies and more") and from
// its source (pct_to_int's truncation and floor of 1; a non-positive number = the rest).
const table: Array<{ title: string; total: number; serial: (number | string)[]; want: number[]; pctBase?: number }> = [
  { title: 'docs: 20 hosts, "30%"', total: 20, serial: ['30%'], want: [6, 6, 6, 2] },
  { title: 'docs: [1, 5, "20%"] over 20', total: 20, serial: [1, 5, '20%'], want: [1, 5, 4, 4, 4, 2] },
  { title: 'docs: serial 3 over 6 hosts', total: 6, serial: [3], want: [3, 3] },
  { title: 'docs: [1, 5, 10], last item repeats', total: 30, serial: [1, 5, 10], want: [1, 5, 10, 10, 4] },
  { title: 'docs: ["10%", "20%", "100%"]', total: 20, serial: ['10%', '20%', '100%'], want: [2, 4, 14] },
  { title: 'list longer than needed', total: 3, serial: [1, 5, 10], want: [1, 2] },
  { title: 'no serial: one batch of all', total: 7, serial: [], want: [7] },
  { title: 'a tiny percentage is still 1 host', total: 20, serial: ['1%'], want: Array(20).fill(1) },
  { title: '"0%" is 1 host (pct_to_int floor)', total: 3, serial: ['0%'], want: [1, 1, 1] },
  { title: 'serial 0 is every remaining host', total: 5, serial: [0], want: [5] },
  { title: 'a non-positive item after others takes the rest', total: 10, serial: [2, -1], want: [2, 8] },
  { title: 'numbers as strings', total: 5, serial: ['2'], want: [2, 2, 1] },
  { title: 'float maths truncates like Python: 29% of 100 is 28', total: 100, serial: ['29%'], want: [28, 28, 28, 16] },
  { title: '7% of 3000', total: 3000, serial: ['7%'], want: [...Array(14).fill(210), 60] },
  { title: 'a number larger than the hosts', total: 4, serial: [10], want: [4] },
  { title: 'no hosts, no batches', total: 0, serial: ['30%'], want: [] },
  { title: 'percentages of the play, over what the canary left', total: 18, pctBase: 20, serial: ['30%'], want: [6, 6, 6] },
];

for (const row of table) {
  test(`computeBatches: ${row.title}`, (t) => {
    const got = computeBatches(row.total, row.serial, row.pctBase);
    t.deepEqual(got, row.want);
    t.is(got.reduce((a, b) => a + b, 0), row.total, 'every host is placed exactly once');
  });
}

test('pctToInt follows Ansible: int() truncation for numbers, floor 1 only for percentages', (t) => {
  t.is(pctToInt('50%', 3), 1);
  t.is(pctToInt('99%', 3), 2);
  t.is(pctToInt(2.9, 100), 2);
  t.is(pctToInt(0, 100), 0);
  t.is(pctToInt('-10%', 5), 1, 'int(-0.5) is 0, so the floor of 1 applies');
});

test('serial items Ansible would reject are errors that say what was found', (t) => {
  for (const bad of ['abc', '2.5%', '%', 'ten']) {
    const e = t.throws(() => computeBatches(10, [bad]));
    t.regex(e.message, /expected a whole number or "N%"/);
    t.true(e.message.includes(JSON.stringify(bad)), e.message);
  }
});

test('sliceBatches cuts the ordered hosts into consecutive batches', (t) => {
  const hosts = ['a', 'b', 'c', 'd', 'e'];
  t.deepEqual([...sliceBatches(hosts, computeBatches(5, [1, 2]))], [['a'], ['b', 'c'], ['d', 'e']]);
});
