// The project's rule: only src/cli touches `process` (argv, env, exit, kill, execPath, send,
// signals); every library below takes what it needs as parameters. Read from the syntax tree, so
// comments, strings (the shell scripts facts run) and module paths like './shell/process.js'
// do not count, while `process.exit`, `const { env } = process` and `globalThis.process` do.
import test from 'ava';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const srcDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** `line:col code` for each use of the global `process` in a TypeScript source. */
function processUses(fileName: string, text: string): string[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const at = (n: ts.Node) => {
    const { line, character } = sf.getLineAndCharacterOfPosition(n.getStart(sf));
    const stmt = text.slice(n.getStart(sf)).split('\n')[0].trim();
    found.push(`${line + 1}:${character + 1} ${stmt.slice(0, 80)}`);
  };
  const visit = (n: ts.Node): void => {
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)
      && (n.moduleSpecifier.text === 'process' || n.moduleSpecifier.text === 'node:process')) at(n);
    if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword && n.arguments[0] && ts.isStringLiteral(n.arguments[0])
      && /^(node:)?process$/.test(n.arguments[0].text)) at(n);
    if (ts.isIdentifier(n) && n.text === 'process') {
      const p = n.parent;
      const isName = (ts.isPropertyAccessExpression(p) && p.name === n && !(ts.isIdentifier(p.expression) && p.expression.text === 'globalThis'))
        || (ts.isPropertyAssignment(p) && p.name === n)
        || ((ts.isPropertySignature(p) || ts.isPropertyDeclaration(p) || ts.isMethodDeclaration(p) || ts.isMethodSignature(p)) && p.name === n)
        || (ts.isBindingElement(p) && p.propertyName === n)
        || ts.isQualifiedName(p); // NodeJS.Process-style type names
      if (!isName) at(n);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

const rule: [string, string, number][] = [
  ['a call', 'process.exit(1);', 1],
  ['a read', 'const argv = process.argv.slice(2);', 1],
  ['destructured', 'const { env } = process;', 1],
  ['through globalThis', 'globalThis.process.kill(1, 0);', 1],
  ['imported', "import proc from 'node:process';", 1],
  ['a comment', '// the CLI passes a process.kill(pid, 0) probe\nconst x = 1;', 0],
  ['a string', "const s = 'no apache2/httpd process.';", 0],
  ['a module path', "import { Io } from './shell/process.js';", 0],
  ['a property of something else', 'const p = job.process; const o = { process: 1 };', 0],
];
for (const [what, code, n] of rule) {
  test(`the process rule: ${what} ${n ? 'counts' : 'does not count'}`, (t) => {
    t.is(processUses('sample.ts', code).length, n, code);
  });
}

test('only src/cli touches process: no file under src/ outside src/cli uses it', (t) => {
  const all = files(srcDir);
  const outside = all.filter((f) => relative(srcDir, f).split('/')[0] !== 'cli');
  t.true(outside.some((f) => relative(srcDir, f).startsWith('lab/')), 'src/lab is covered');
  t.true(outside.length > 50, `${outside.length} files scanned`);
  const bad = outside.flatMap((f) => processUses(f, readFileSync(f, 'utf8')).map((u) => `src/${relative(srcDir, f)}:${u}`));
  t.deepEqual(bad, []);
});
