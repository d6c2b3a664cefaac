import test from 'ava';
import { orderHosts } from '../../src/executor/order.js';

const hosts = ['web10', 'db2', 'web2', 'app1', 'Web1'];

const table = [
  { order: 'inventory', want: ['web10', 'db2', 'web2', 'app1', 'Web1'] },
  { order: 'reverse_inventory', want: ['Web1', 'app1', 'web2', 'db2', 'web10'] },
  // Python's sorted(): code point order, so "Web1" < "app1" and "web10" < "web2".
  { order: 'sorted', want: ['Web1', 'app1', 'db2', 'web10', 'web2'] },
  { order: 'reverse_sorted', want: ['web2', 'web10', 'db2', 'app1', 'Web1'] },
] as const;

for (const row of table) {
  test(`order ${row.order}`, (t) => {
    const input = [...hosts];
    t.deepEqual(orderHosts(input, row.order), row.want);
    t.deepEqual(input, hosts, 'the input list is not modified');
  });
}

test('shuffle is a permutation, reproducible from its seed', (t) => {
  const many = Array.from({ length: 200 }, (_, i) => `h${i}`);
  const a = orderHosts(many, 'shuffle', 42);
  t.deepEqual(orderHosts(many, 'shuffle', 42), a, 'same seed, same order');
  t.deepEqual([...a].sort(), [...many].sort(), 'every host exactly once');
  t.notDeepEqual(a, many, 'it did move hosts');
  t.notDeepEqual(orderHosts(many, 'shuffle', 43), a, 'another seed, another order');
});

test('shuffle spreads hosts: each of 4 hosts lands first roughly a quarter of the time', (t) => {
  const counts = new Map<string, number>();
  for (let seed = 0; seed < 4000; seed++) {
    const first = orderHosts(['a', 'b', 'c', 'd'], 'shuffle', seed)[0];
    counts.set(first, (counts.get(first) ?? 0) + 1);
  }
  for (const h of ['a', 'b', 'c', 'd']) {
    const n = counts.get(h) ?? 0;
    t.true(n > 850 && n < 1150, `${h} first ${n} times of 4000`);
  }
});
