// The lab's truth must not come from the product's own tables: src/lab imports nothing from the
// rest of src/ (only node built-ins, ssh2 and yaml).
import test from 'ava';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const labDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/lab');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

test('src/lab imports only its own files, node built-ins, ssh2 and yaml', (t) => {
  const found = files(labDir);
  t.true(found.length > 20);
  const bad: string[] = [];
  for (const f of found) {
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
      const spec = m[1] ?? m[2];
      if (spec.startsWith('node:') || spec === 'ssh2' || spec === 'yaml') continue;
      if (spec.startsWith('.')) {
        const target = resolve(dirname(f), spec);
        if (!relative(labDir, target).startsWith('..')) continue;
      }
      bad.push(`${relative(labDir, f)} imports ${spec}`);
    }
  }
  t.deepEqual(bad, []);
});
