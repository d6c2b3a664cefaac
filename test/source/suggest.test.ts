import test from 'ava';
import { didYouMean, editDistance } from '../../src/source/suggest.js';

const distances: [string, string, number][] = [
  ['', '', 0],
  ['', 'abc', 3],
  ['hosts', 'hosts', 0],
  ['hots', 'hosts', 1],
  ['serail', 'serial', 1], // a swap is one edit (Damerau)
  ['kitten', 'sitting', 3],
  ['tsaks', 'tasks', 1],
  ['rollout', 'rollback', 4],
];
for (const [a, b, d] of distances) {
  test(`editDistance(${JSON.stringify(a)}, ${JSON.stringify(b)}) = ${d}`, (t) => {
    t.is(editDistance(a, b), d);
    t.is(editDistance(b, a), d);
  });
}

const keywords = ['name', 'hosts', 'vars', 'facts', 'tasks', 'handlers', 'rollout', 'compliance', 'rollback', 'max_fail_percentage'];
const guesses: [string, string | undefined][] = [
  ['hots', 'hosts'],
  ['Hosts', 'hosts'],
  ['taks', 'tasks'],
  ['handler', 'handlers'],
  ['rolout', 'rollout'],
  ['complience', 'compliance'],
  ['max-fail-percentage', 'max_fail_percentage'],
  ['gather_facts', undefined],
  ['xyz', undefined],
  ['become', undefined],
];
for (const [word, want] of guesses) {
  test(`didYouMean(${word}) = ${want}`, (t) => {
    t.is(didYouMean(word, keywords), want);
  });
}
