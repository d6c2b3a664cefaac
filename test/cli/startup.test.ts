// The CLI loads what the command it runs needs: `--version`, `--help` and `lab status` do not pay
// for SSH, the journal's SQLite or zx (loading every command's modules made each start ~0.3 s
// slower). ssh2, better-sqlite3 and zx are CommonJS, so Node lists them in require.cache once loaded.
import test from 'ava';
import { createRequire } from 'node:module';
import { cli } from '../helpers/cli.js';

const loaded = () => Object.keys(createRequire(import.meta.url).cache).filter((k) => /node_modules\/(zx|ssh2|better-sqlite3)\//.test(k)).map((k) => k.replace(/.*node_modules\//, ''));

test.serial('--version and --help load neither ssh2, better-sqlite3 nor zx', async (t) => {
  const v = await cli(['--version']);
  t.is(v.code, 0);
  t.regex(v.out, /^\d+\.\d+\.\d+/);
  const h = await cli(['--help']);
  t.is(h.code, 0);
  t.deepEqual(loaded(), []);
});

test.serial('a command loads its own modules when it runs (the journal for `runs`)', async (t) => {
  const r = await cli(['runs', '--journal', '/nonexistent-dir/j.db']);
  t.not(r.code, 70, r.err);
  t.true(loaded().some((k) => k.startsWith('better-sqlite3/')), 'the journal is SQLite');
  t.false(loaded().some((k) => k.startsWith('zx/')), 'no local step ran');
});
