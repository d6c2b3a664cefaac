// Broken inventories must fail with every problem at file:line:col, the offending line and a
// caret, and say what was expected. One row per file in test/fixtures/inventories/broken/.
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadInventory } from '../../src/inventory/index.js';
import { InputError, renderProblem } from '../../src/source/errors.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const BROKEN = path.join(here, '..', 'fixtures', 'inventories', 'broken');

interface Expect {
  /** file relative to BROKEN when it differs from the source (vars files) */
  file?: string;
  line: number;
  col: number;
  message: RegExp;
  /** the caret line is shown (the loader had the text) */
  caret?: boolean;
}

const rows: Array<[source: string, expected: Expect[]]> = [
  ['section-type.ini', [{ line: 3, col: 6, message: /section \[web:host\] has unknown type 'host'/ }]],
  ['host-var-word.ini', [{ line: 2, col: 14, message: /expected key=value host variable, found 'oops'/ }]],
  ['unclosed-quote.ini', [{ line: 3, col: 13, message: /no closing quotation/ }]],
  ['undefined-child.ini', [{ line: 2, col: 1, message: /\[prod:children\] includes undefined group: web/ }]],
  ['vars-undefined-group.ini', [{ line: 4, col: 2, message: /\[db:vars\] is for a group that is not defined: db/ }]],
  ['bad-range.ini', [{ line: 3, col: 1, message: /equal-length begin and end/ }]],
  ['section-space.ini', [{ line: 1, col: 1, message: /invalid section entry '\[web servers\]'/ }]],
  ['trailing-colon.ini', [{ line: 2, col: 1, message: /trailing ':' is reserved for a port/ }]],
  ['children-extra.ini', [{ line: 4, col: 1, message: /expected a group name in \[p:children\]/ }]],
  ['vars-no-equals.ini', [{ line: 4, col: 1, message: /expected key=value in \[web:vars\]/ }]],
  ['loop.ini', [{ line: 8, col: 1, message: /recursive dependency loop/ }]],
  ['priority.ini', [{ line: 4, col: 24, message: /ansible_group_priority.*int/ }]],
  [
    'several.ini',
    [
      { line: 2, col: 6, message: /found 'x'/ },
      { line: 3, col: 8, message: /no closing quotation/ },
      { line: 4, col: 6, message: /unknown type 'oops'/ },
      { line: 8, col: 1, message: /expected key=value in \[ok:vars\]/ },
    ],
  ],
  ['syntax.yml', [{ line: 6, col: 8, message: /YAML syntax error: All mapping items must start at the same column/ }]],
  ['hosts-list.yml', [{ line: 4, col: 14, message: /invalid "hosts" entry for "web" group/ }]],
  ['host-number.yml', [{ line: 3, col: 5, message: /host pattern 123 must be a string/ }]],
  ['host-vars-list.yml', [{ line: 4, col: 7, message: /invalid variables for host 'web1'/ }]],
  ['bad-range.yml', [{ line: 3, col: 5, message: /invalid host range 'web\[1:\]'.*end value/ }]],
  ['top-list.yml', [{ line: 1, col: 1, message: /should be a dictionary, got: list/ }]],
  ['plugin.yml', [{ line: 1, col: 1, message: /inventory plugins are not supported/ }]],
  ['child-list.yml', [{ line: 5, col: 9, message: /x is not a known host nor group/ }]],
  ['priority.yml', [{ line: 3, col: 29, message: /ansible_group_priority.*int/ }]],
  ['vars-list/hosts.ini', [{ file: 'vars-list/group_vars/web.yml', line: 1, col: 1, message: /vars file must be a mapping/ }]],
  ['vars-syntax/hosts.ini', [{ file: 'vars-syntax/host_vars/web1.yml', line: 2, col: 4, message: /YAML syntax error: Flow sequence/ }]],
  ['fails.sh', [{ line: 1, col: 1, message: /fails\.sh --list failed \(exit code 3\): boom/, caret: false }]],
  ['not-json.sh', [{ line: 1, col: 1, message: /did not print valid JSON/, caret: false }]],
  ['not-executable.sh', [{ line: 1, col: 1, message: /starts with #! but is not executable/, caret: false }]],
  ['inventory.toml', [{ line: 1, col: 1, message: /TOML inventories are not supported/, caret: false }]],
  ['no-such-file.yml', [{ line: 1, col: 1, message: /inventory source not found/, caret: false }]],
];

for (const [source, expected] of rows) {
  test(`broken inventory ${source}`, async (t) => {
    const err = await t.throwsAsync(loadInventory([source], { cwd: BROKEN, env: {} }), { instanceOf: InputError });
    const problems = (err as InputError).problems;
    t.is(problems.length, expected.length, problems.map((p) => renderProblem(p)).join('\n'));
    expected.forEach((e, i) => {
      const p = problems[i];
      t.is(p.pos.file, path.join(BROKEN, e.file ?? source));
      t.deepEqual([p.pos.line, p.pos.col], [e.line, e.col], renderProblem(p));
      t.regex(p.message, e.message);
      const rendered = renderProblem(p);
      if (e.caret === false) t.is(p.lineText, undefined);
      else {
        // the offending line is quoted and the caret sits under the column
        const lines = rendered.split('\n');
        t.is(lines.length, 3, rendered);
        t.is(lines[2].indexOf('^') - lines[2].indexOf('|') - 2, e.col - 1, rendered);
      }
    });
  });
}

test('a YAML inventory keeps going past keys Ansible skips, with positioned warnings', async (t) => {
  const inv = await loadInventory(['yaml-types/hosts.yaml'], { cwd: path.join(BROKEN, '..'), env: {} });
  const warnings = (inv.warnings ?? []).map((w) => `${w.pos.line}:${w.pos.col} ${w.message}`);
  t.deepEqual(warnings, [
    "47:7 skipping unexpected key (unexpected) in group (weird), only \"vars\", \"children\" and \"hosts\" are valid",
    '48:7 skipping key (listy) in group (weird): it is not a mapping, it is a list',
  ]);
  t.true(inv.groups.has('weird'));
});

test('a key given twice in a YAML inventory: the last wins, with a warning at the second', async (t) => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'remediate-dup-'));
  writeFileSync(path.join(tmp, 'inv.yml'), 'web:\n  hosts:\n    w1: {a: 1}\n    w1: {a: 2}\n');
  t.teardown(() => rmSync(tmp, { recursive: true, force: true }));
  const inv = await loadInventory(['inv.yml'], { cwd: tmp, env: {} });
  t.deepEqual(inv.ownVars.get('w1'), { a: 2 });
  t.deepEqual(inv.warnings?.map((w) => [w.pos.line, w.pos.col, w.message]), [[4, 5, "duplicate key 'w1' (first at line 3): the last one is used, as Ansible does"]]);
});
