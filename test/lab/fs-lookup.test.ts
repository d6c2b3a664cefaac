// Fs.lookup names what it found by its canonical path, however the path was written.
import test from 'ava';
import { dir, file, Fs, FsError, link, ROOT } from '../../src/lab/fs.js';

function tree(): Fs {
  const root = dir({
    etc: dir({ apache2: dir({ 'apache2.conf': file('x'), '.hidden': file('h'), '..odd': file('o') }), 'php.ini': link('/etc/apache2/apache2.conf') }),
    var: dir({ log: dir({ apache2: link('../../etc/apache2') }) }),
  });
  return new Fs(root, { now: () => 0 });
}

const cases: [string, string, string, string][] = [
  // written as, cwd, canonical path, parent
  ['/etc/apache2/apache2.conf', '/', '/etc/apache2/apache2.conf', '/etc/apache2'],
  ['/etc//apache2/./apache2.conf', '/', '/etc/apache2/apache2.conf', '/etc/apache2'],
  ['/etc/apache2/../apache2/apache2.conf', '/', '/etc/apache2/apache2.conf', '/etc/apache2'],
  ['apache2.conf', '/etc/apache2', '/etc/apache2/apache2.conf', '/etc/apache2'],
  ['/etc/apache2/.hidden', '/', '/etc/apache2/.hidden', '/etc/apache2'],
  ['/etc/apache2/..odd', '/', '/etc/apache2/..odd', '/etc/apache2'],
  ['/etc/apache2/', '/', '/etc/apache2', '/etc'],
  ['/etc', '/', '/etc', '/'],
  ['/etc/php.ini', '/', '/etc/apache2/apache2.conf', '/etc/apache2'],
  ['/var/log/apache2/apache2.conf', '/', '/etc/apache2/apache2.conf', '/etc/apache2'],
  ['/etc/apache2/missing.conf', '/', '/etc/apache2/missing.conf', '/etc/apache2'],
];

for (const [p, cwd, path, parentPath] of cases) {
  test(`lookup ${p} (cwd ${cwd}) -> ${path}`, (t) => {
    const r = tree().lookup(p, ROOT, true, cwd);
    t.false(r instanceof FsError);
    t.like(r, { path, parentPath });
  });
}
