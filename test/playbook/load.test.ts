import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPlaybook, loadPlaybookFile, sha256Of } from '../../src/playbook/load.js';
import { render } from '../../src/playbook/template.js';
import type { Expr, Playbook } from '../../src/playbook/types.js';
import { InputError } from '../../src/source/errors.js';
import { testCatalog } from './catalog-fixture.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const validPath = path.join(here, '../fixtures/playbooks/valid/imagick-example.yml');
const text = readFileSync(validPath, 'utf8');
const lines = text.split('\n');
const F = 'valid/imagick-example.yml';
const pos = (line: number, col: number) => ({ file: F, line, col });
const expr = (source: string, line: number, col: number): Expr => ({ source, pos: pos(line, col), lineText: lines[line - 1]! });

test('a valid playbook loads into exactly the typed values', (t) => {
  const pb = loadPlaybook(F, text, testCatalog);
  const expected: Omit<Playbook, 'templates'> = {
    file: F,
    sha256: sha256Of(text),
    plays: [
      {
        name: 'Imagick single-thread fix',
        hosts: 'apache,debian:!canary_excluded',
        pos: pos(2, 3),
        vars: { min_version: '3.5.0', ini_dir: '/etc/php/8.2/apache2/conf.d', drop_in: '{{ ini_dir }}/99-imagick-single-thread.ini' },
        facts: ['os', 'php_extension'],
        become: true,
        becomeUser: 'root',
        tasks: [
          {
            name: 'Set imagick.set_single_thread for Apache',
            pos: pos(25, 7),
            module: 'copy',
            args: { dest: '{{ drop_in }}', content: 'imagick.set_single_thread=1\n', mode: '0644' },
            argsPos: pos(26, 7),
            when: [expr('facts.php_extension.loaded', 31, 11), expr("facts.php_extension.version is version(min_version, '<', 'php')", 32, 11)],
            notify: ['graceful'],
            retries: 0,
            delayMs: 5000,
            ignoreErrors: false,
          },
          {
            name: 'command',
            pos: pos(34, 7),
            module: 'command',
            args: { cmd: 'apache2ctl -t' },
            argsPos: pos(34, 7),
            register: 'syntax',
            until: expr('syntax.rc == 0', 36, 14),
            notify: [],
            retries: 5,
            delayMs: 2000,
            timeoutMs: 30_000,
            throttle: 10,
            ignoreErrors: true,
            become: false,
          },
          {
            name: 'assert',
            pos: pos(43, 7),
            module: 'assert',
            args: { that: ['syntax.rc == 0'] },
            argsPos: pos(43, 7),
            notify: [],
            retries: 0,
            delayMs: 5000,
            ignoreErrors: false,
          },
        ],
        handlers: [
          {
            name: 'restart apache',
            pos: pos(46, 7),
            module: 'shell',
            args: { script: 'apache2ctl graceful' },
            argsPos: pos(48, 7),
            notify: [],
            retries: 0,
            delayMs: 5000,
            ignoreErrors: false,
            becomeUser: 'www-data',
            listen: ['graceful'],
          },
        ],
        rollout: {
          canary: {
            per: expr('{{ facts.os.distro }}', 13, 13),
            gates: [expr('leak.keys_per_reload == 0', 15, 11), expr('apache.alive', 16, 11)],
          },
          serial: [1, '5%', '25%', '100%'],
          maxFailPercentage: 2,
          concurrency: 20,
          order: 'sorted',
          pause: { seconds: 90 },
          maxInFlightPerGroup: { lb_pool_a: 2, rack_12: 5 },
          unreachableCountsAsFailed: false,
        },
        compliance: [
          {
            id: 'imagick-single-thread',
            pos: pos(51, 7),
            description: 'Imagick does not start OpenMP threads in Apache',
            that: [expr('facts.php_extension.single_thread == 1', 53, 13)],
          },
          {
            id: 'imagick-version',
            pos: pos(54, 7),
            that: [
              expr("facts.php_extension.version is version('3.5.0', '>=', 'php')", 56, 11),
              expr('facts.php_extension.version is defined', 57, 11),
            ],
          },
        ],
        rollback: 'batch',
      },
      {
        name: 'all',
        hosts: 'all',
        pos: pos(59, 3),
        vars: {},
        facts: [],
        become: false,
        tasks: [],
        handlers: [],
        rollout: { serial: [], concurrency: 50, order: 'inventory', unreachableCountsAsFailed: false },
        compliance: [],
        rollback: 'host',
      },
    ],
  };
  const { templates, ...rest } = pb;
  t.deepEqual(rest, expected);
  // Template strings are recorded where they are, for render-time errors.
  t.deepEqual(templates!['{{ drop_in }}'], expr('{{ drop_in }}', 27, 16));
  t.deepEqual(templates!['{{ ini_dir }}/99-imagick-single-thread.ini'], expr('{{ ini_dir }}/99-imagick-single-thread.ini', 10, 15));
});

test('render errors in module args point at the string in the file', (t) => {
  const pb = loadPlaybook(F, text, testCatalog);
  const task = pb.plays[0]!.tasks[0]!;
  const err = t.throws(() => render(task.args, {}, task.argsPos, { sources: pb.templates! }), { instanceOf: InputError });
  t.deepEqual(err!.problems[0]!.pos, pos(27, 19));
  t.regex(err!.problems[0]!.message, /undefined variable 'drop_in'/);
});

test('loadPlaybookFile hashes the bytes and names the file as given', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'remediate-pb-'));
  const file = path.join(dir, 'site.yml');
  const body = '- hosts: web\n  tasks:\n    - command: "true"\n';
  writeFileSync(file, body);
  const pb = await loadPlaybookFile(file, testCatalog, 'site.yml');
  t.is(pb.file, 'site.yml');
  t.is(pb.sha256, '' + sha256Of(Buffer.from(body)));
  t.is(pb.plays[0]!.tasks[0]!.module, 'command');
  await t.throwsAsync(loadPlaybookFile(path.join(dir, 'missing.yml'), testCatalog), { code: 'ENOENT' });
});

test('a module schema validates its arguments with positions and its own words', (t) => {
  const bad = '- hosts: web\n  tasks:\n    - copy: {dest: /x, contnet: y}\n';
  const err = t.throws(() => loadPlaybook('c.yml', bad, testCatalog), { instanceOf: InputError });
  t.deepEqual(
    err!.problems.map((p) => [p.pos.line, p.pos.col, p.message, p.hint]),
    [
      [3, 13, "missing required key 'content'", undefined],
      [3, 24, "unknown key 'contnet'", "did you mean 'content'?"],
    ],
  );
});

test('module condition fields are checked as expressions at load', (t) => {
  const bad = '- hosts: web\n  tasks:\n    - assert:\n        that: ["x ==", "y"]\n';
  const err = t.throws(() => loadPlaybook('a.yml', bad, testCatalog), { instanceOf: InputError });
  t.deepEqual(err!.problems.map((p) => [p.pos.line, p.pos.col]), [[4, 21]]);
  t.regex(err!.problems[0]!.message, /expression syntax error/);
});

test('a lone expression in when may keep its braces; mixed templates may not', (t) => {
  const ok = '- hosts: web\n  tasks:\n    - command: ls\n      when: "{{ a == 1 }}"\n';
  const pb = loadPlaybook('w.yml', ok, testCatalog);
  t.is(pb.plays[0]!.tasks[0]!.when![0]!.source, '{{ a == 1 }}');
  const bad = '- hosts: web\n  tasks:\n    - command: ls\n      when: "{{ a }} == 1"\n';
  const err = t.throws(() => loadPlaybook('w.yml', bad, testCatalog), { instanceOf: InputError });
  t.is(err!.problems[0]!.message, 'a condition is a bare expression, not a template');
});

test('YAML booleans in when become expressions', (t) => {
  const pb = loadPlaybook('b.yml', '- hosts: web\n  tasks:\n    - command: ls\n      when: false\n', testCatalog);
  t.is(pb.plays[0]!.tasks[0]!.when![0]!.source, 'false');
});

test('canary shorthand and defaults', (t) => {
  const pb = loadPlaybook('c.yml', '- hosts: web\n  rollout:\n    canary: 2\n    serial: 10%\n', testCatalog);
  t.deepEqual(pb.plays[0]!.rollout.canary, { count: 2, gates: [] });
  t.deepEqual(pb.plays[0]!.rollout.serial, ['10%']);
  const pb2 = loadPlaybook('c.yml', '- hosts: web\n  rollout:\n    canary: {gates: [ok]}\n', testCatalog);
  t.is(pb2.plays[0]!.rollout.canary!.count, 1);
});

test('rollout host_timeout: a duration above 0; bad values point at themselves', (t) => {
  const ok = [['15m', 900_000], ['90', 90_000], ['1h 30m', 5_400_000]] as const;
  for (const [v, ms] of ok) t.is(loadPlaybook('h.yml', `- hosts: web\n  rollout:\n    host_timeout: ${v}\n`, testCatalog).plays[0]!.rollout.hostTimeoutMs, ms, v);
  t.is(loadPlaybook('h.yml', '- hosts: web\n', testCatalog).plays[0]!.rollout.hostTimeoutMs, undefined, 'none by default');
  const bad = [['0', /a host_timeout of 0 would fail every host/], ['soon', /expected a duration like 30s, 5m, 1h/i]] as const;
  for (const [v, re] of bad) {
    const err = t.throws(() => loadPlaybook('h.yml', `- hosts: web\n  rollout:\n    host_timeout: ${v}\n`, testCatalog), { instanceOf: InputError });
    t.deepEqual(err!.problems.map((p) => [p.pos.line, p.pos.col]), [[3, 19]], v);
    t.regex(`${err!.problems[0]!.message} expected ${err!.problems[0]!.expected ?? ''}`, re, v);
  }
});
