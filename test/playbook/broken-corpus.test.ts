// The corpus of broken playbooks: each file says, in `# expect: LINE:COL fragment | fragment`
// comments, every problem the loader must report — at that line and column, with each fragment
// somewhere in the rendered message (what a user reads: message, expected, found, hint).
// `# runtime-expect:` files load fine and fail when a `when` is evaluated with `# runtime-scope:`.
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPlaybook } from '../../src/playbook/load.js';
import { evaluateCondition, TemplateError } from '../../src/playbook/template.js';
import { InputError, renderProblem } from '../../src/source/errors.js';
import type { Problem } from '../../src/source/types.js';
import { testCatalog } from './catalog-fixture.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/playbooks/broken');
const files = readdirSync(dir).filter((f) => f.endsWith('.yml')).sort();

interface Expectation {
  line: number;
  col: number;
  fragments: string[];
}

function expectations(text: string, tag: string): Expectation[] {
  const out: Expectation[] = [];
  for (const m of text.matchAll(new RegExp(`^# ${tag}: (\\d+):(\\d+) (.*)$`, 'gm'))) {
    out.push({ line: Number(m[1]), col: Number(m[2]), fragments: m[3]!.split(' | ') });
  }
  return out.sort((a, b) => a.line - b.line || a.col - b.col);
}

function check(t: import('ava').ExecutionContext, problems: readonly Problem[], wants: Expectation[], text: string) {
  t.is(problems.length, wants.length, problems.map((p) => renderProblem(p)).join('\n'));
  wants.forEach((w, i) => {
    const p = problems[i];
    if (!p) return;
    const rendered = renderProblem(p);
    t.deepEqual([p.pos.line, p.pos.col], [w.line, w.col], rendered);
    for (const f of w.fragments) t.true(rendered.includes(f), `missing "${f}" in:\n${rendered}`);
    // The offending line is shown with a caret under the column.
    t.is(p.lineText, text.split('\n')[w.line - 1]);
    t.true(rendered.split('\n')[2]?.endsWith('^'), rendered);
  });
}

test('the corpus has at least 12 broken playbooks', (t) => {
  t.true(files.length >= 12, `${files.length} files`);
});

for (const file of files) {
  test(`broken/${file}`, (t) => {
    const text = readFileSync(path.join(dir, file), 'utf8');
    const name = `broken/${file}`;
    const runtime = expectations(text, 'runtime-expect');
    if (runtime.length) {
      const pb = loadPlaybook(name, text, testCatalog);
      const scope = JSON.parse(/^# runtime-scope: (.*)$/m.exec(text)![1]!) as Record<string, unknown>;
      const problems: Problem[] = [];
      for (const task of pb.plays.flatMap((p) => p.tasks)) {
        for (const cond of task.when ?? []) {
          try {
            evaluateCondition(cond, scope);
          } catch (e) {
            if (!(e instanceof TemplateError)) throw e;
            problems.push(e.problem);
          }
        }
      }
      for (const p of problems) t.is(p.pos.file, name);
      check(t, problems, runtime, text);
      return;
    }
    const wants = expectations(text, 'expect');
    t.true(wants.length > 0, 'a broken fixture must say what it expects');
    const err = t.throws(() => loadPlaybook(name, text, testCatalog), { instanceOf: InputError });
    for (const p of err!.problems) t.is(p.pos.file, name);
    check(t, err!.problems, wants, text);
  });
}
