// The playbook road for arguments: YAML → the module's schema (positioned problems) → normalize.
import test from 'ava';
import { canaryReloadModule } from '../../src/modules/canary-reload.js';
import { iniModule } from '../../src/modules/ini.js';
import { lineinfileModule } from '../../src/modules/lineinfile.js';
import { packageModule } from '../../src/modules/package.js';
import { serviceModule } from '../../src/modules/service.js';
import type { Module } from '../../src/modules/types.js';
import { validate, withDefaults } from '../../src/source/schema.js';
import { parseYaml } from '../../src/source/yaml.js';

function args(m: Module, text: string): { value: unknown; problems: string[] } {
  const { doc, ctx, problems } = parseYaml('play.yml', text);
  if (problems.length) throw new Error(problems[0]!.message);
  const r = validate(doc.contents, m.schema, ctx);
  return { value: withDefaults(m.schema, r.value), problems: r.problems.map((p) => `${p.pos.line}:${p.pos.col} ${p.message} (expected ${p.expected ?? "?"})`) };
}

const good: [Module, string, Record<string, unknown>][] = [
  [packageModule, 'name: php-imagick\nversion: ">= 3.5.0"\n', { name: 'php-imagick', version: [{ op: '>=', version: '3.5.0' }], state: 'present', manager: 'auto', reinstall: false, verify_files: true }],
  [packageModule, 'libgomp1\n', { name: 'libgomp1', state: 'present' }],
  [iniModule, 'path: /etc/php/8.2/apache2/conf.d/99-remediate-imagick.ini\nkey: imagick.set_single_thread\nvalue: 1\n', { key: 'imagick.set_single_thread', value: '1', create: true, spaces: true }],
  [lineinfileModule, 'path: /etc/apache2/envvars\nline: export LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libgomp.so.1\nregexp: ^export LD_PRELOAD=\n', { state: 'present', create: false, insert: 'EOF' }],
  [serviceModule, 'name: apache2\nstate: restarted\nstagger: 10m\npre_restart: /usr/local/bin/lb drain\n', { state: 'restarted', stagger: 600_000, timeout: 60_000, pre_restart: '/usr/local/bin/lb drain' }],
  [canaryReloadModule, 'reloads: 20\nreload_timeout: 1m\n', { reloads: 20, reload_timeout: 60_000, max_key_growth: 0, keys: 'auto', error_log: 'auto' }],
];
for (const [m, text, want] of good) {
  test(`${m.name}: ${JSON.stringify(text.split('\n')[0])} validates and normalizes`, (t) => {
    const r = args(m, text);
    t.deepEqual(r.problems, []);
    const raw = typeof r.value === 'object' && r.value !== null ? (r.value as Record<string, unknown>) : { name: r.value };
    t.like(m.normalize!(raw) as object, want);
  });
}

const bad: [Module, string, RegExp][] = [
  [serviceModule, 'state: bounced\n', /^1:8 .*'reloaded', 'restarted', 'started', 'stopped'/],
  [serviceModule, 'state: reloaded\nstager: 10m\n', /^2:1 .*stager/],
  [canaryReloadModule, 'reloads: -3\n', /^1:10 /],
  [packageModule, 'name: php-imagick\nstate: newest\n', /^2:8 /],
];
for (const [m, text, re] of bad) {
  test(`${m.name}: ${JSON.stringify(text)} is a positioned problem`, (t) => {
    const r = args(m, text);
    t.true(r.problems.some((p) => re.test(p)), r.problems.join('\n'));
  });
}
