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
