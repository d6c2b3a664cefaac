import test from 'ava';
import { isMap, isSeq } from 'yaml';
import { contentPosOf, lineAt, pairsOf, parseYaml, posOf, toJS } from '../../src/source/yaml.js';

test('positions are 1-based line and column of the node', (t) => {
  const { doc, lineCounter, problems } = parseYaml('a.yml', 'plays:\n  - hosts: web\n    name: "x"\n');
  t.deepEqual(problems, []);
  const plays = (doc.contents as any).get('plays', true);
  const play = plays.items[0];
  t.deepEqual(posOf('a.yml', lineCounter, play), { file: 'a.yml', line: 2, col: 5 });
  t.deepEqual(posOf('a.yml', lineCounter, play.get('name', true)), { file: 'a.yml', line: 3, col: 11 });
});

test('duplicate keys are reported at the second one, naming the first line', (t) => {
  const text = '- hosts: web\n  name: a\n  tasks: []\n  hosts: db\n';
  const { problems } = parseYaml('d.yml', text);
  t.is(problems.length, 1);
  const [p] = problems;
  t.deepEqual(p!.pos, { file: 'd.yml', line: 4, col: 3 });
  t.is(p!.message, "duplicate key 'hosts' (first at line 1)");
  t.is(p!.lineText, '  hosts: db');
});

test('duplicate keys are found in nested mappings too, each once', (t) => {
  const text = 'a:\n  b: 1\n  b: 2\n  c: {x: 1, x: 2}\n';
  const { problems } = parseYaml('n.yml', text);
  t.deepEqual(
    problems.map((p) => [p.pos.line, p.pos.col, p.message]),
    [
      [3, 3, "duplicate key 'b' (first at line 2)"],
      [4, 13, "duplicate key 'x' (first at line 4)"],
    ],
  );
});

const syntaxCases: [string, string, number, number][] = [
  ['unclosed flow sequence', 'a: [1, 2\nb: 3\n', 2, 1],
  ['bad indentation', 'a:\n  b: 1\n c: 2\n', 3, 1],
  ['nested compact mapping', 'a: b: c\n', 1, 4],
  ['tab indentation', 'a:\n\tb: 1\n', 2, 1],
];
for (const [name, text, line, col] of syntaxCases) {
  test(`YAML syntax error is positioned: ${name}`, (t) => {
    const { problems } = parseYaml('s.yml', text);
    t.true(problems.length >= 1);
    t.regex(problems[0]!.message, /^YAML syntax error: /);
    t.is(problems[0]!.pos.line, line);
    t.is(problems[0]!.pos.col, col);
    t.is(problems[0]!.lineText, lineAt(text, line));
  });
}

test('merge keys are expanded and explicit keys win', (t) => {
  const { doc, problems } = parseYaml('m.yml', 'base: &b {a: 1, c: 1}\nm:\n  <<: *b\n  a: 2\n');
  t.deepEqual(problems, []);
  const m = (doc.contents as any).get('m', true);
  t.true(isMap(m));
  const pairs = pairsOf(m, doc);
  t.deepEqual(pairs.map((p) => [String((p.key as any).value), toJS(p.value, doc)]), [['a', 2], ['c', 1]]);
  t.deepEqual(toJS(doc.contents, doc), { base: { a: 1, c: 1 }, m: { a: 2, c: 1 } });
});

test('contentPosOf skips the opening quote and finds a block scalar body', (t) => {
  const text = 'a: "x {{ y }}"\nb: |\n    line one\n';
  const { doc, ctx } = parseYaml('c.yml', text);
  const a = (doc.contents as any).get('a', true);
  const b = (doc.contents as any).get('b', true);
  t.deepEqual(contentPosOf(ctx, a), { file: 'c.yml', line: 1, col: 5 });
  t.deepEqual(contentPosOf(ctx, b), { file: 'c.yml', line: 3, col: 5 });
});

test('lineAt returns the line or undefined past the end', (t) => {
  t.is(lineAt('a\r\nb\nc', 2), 'b');
  t.is(lineAt('a\nb', 3), undefined);
  t.true(isSeq(parseYaml('x', '- 1').doc.contents));
});
