// playbooks/imagick.yml's task conditions over facts a host can really have, including a fact
// that could not be gathered (an Unknown): they decide (run or skip), they never error.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { firstFalse } from '../../src/playbook/expr.js';
import { loadPlaybook } from '../../src/playbook/load.js';
import { defaultRegistry } from '../../src/modules/registry.js';

const playbook = loadPlaybook('playbooks/imagick.yml', readFileSync('playbooks/imagick.yml', 'utf8'), defaultRegistry());
const task = (name: string) => playbook.plays[0].tasks.find((t) => t.name?.startsWith(name))!;
const unknown = { unknown: true, reason: 'parser failed' };
const base = { os: { family: 'debian' }, leak: { leaking: true }, apache: unknown, php_extension: unknown };
const scope = (imagemagick: unknown) => ({ ...playbook.plays[0].vars, facts: { ...base, imagemagick }, libgomp_preload: false, gomp_upgrade: { changed: false } });

test('the LD_PRELOAD step skips, not errors, when the imagemagick fact is unknown; runs with a gompPath', (t) => {
  const preload = task('keep libgomp resident');
  t.is(firstFalse(preload.when!, scope(unknown))?.source, 'facts.imagemagick.gompPath | default(none) is not none');
  t.is(firstFalse(preload.when!, scope({ gompPath: null }))?.source, 'facts.imagemagick.gompPath | default(none) is not none');
  t.is(firstFalse(preload.when!, scope({ gompPath: '/usr/lib/x86_64-linux-gnu/libgomp.so.1.0.0' })), undefined);
});

test('the dead-master start skips when the apache fact is unknown', (t) => {
  const start = task('start Apache where its master died');
  t.truthy(firstFalse(start.when!, scope(unknown)));
  t.is(firstFalse(start.when!, { ...scope(unknown), facts: { ...base, apache: { dead: { pid: 1 } } } }), undefined);
});

test('compliance fails closed: a leak no evidence decided fails no-key-leak, as an unknown risk fails not-at-risk', (t) => {
  const assertion = (id: string) => playbook.plays[0].compliance.find((a) => a.id === id)!;
  const cases: [string, unknown, boolean][] = [
    ['no-key-leak', { leaking: false }, true],
    ['no-key-leak', { leaking: true }, false],
    ['no-key-leak', { leaking: null }, false],
    ['not-at-risk', { risk: 'safe' }, true],
    ['not-at-risk', { risk: 'at-risk' }, true],
    ['not-at-risk', { risk: 'critical' }, false],
    ['not-at-risk', { risk: 'unknown' }, false],
  ];
  for (const [id, value, pass] of cases) {
    const facts = { ...base, [id === 'no-key-leak' ? 'leak' : 'risk']: value };
    t.is(firstFalse(assertion(id).that, { ...playbook.plays[0].vars, facts }) === undefined, pass, `${id} ${JSON.stringify(value)}`);
  }
});
