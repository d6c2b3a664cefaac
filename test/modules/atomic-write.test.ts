// The atomic write under real dash: the bytes are checked against their sha256 before the
// rename, so a stdin cut off by a dying controller never replaces a file with a truncated one.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { atomicWriteScript, sha256 } from '../../src/modules/copy.js';

const content = 'export APACHE_RUN_USER=www-data\nexport LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libgomp.so.1\n';
const b64 = Buffer.from(content).toString('base64');

const cases: { title: string; stdin: string; code: 0 | 'nonzero'; after: 'new' | 'old' }[] = [
  { title: 'all bytes arrive: written', stdin: b64 + '\n', code: 0, after: 'new' },
  { title: 'stdin cut off at once (EOF): nothing written', stdin: '', code: 'nonzero', after: 'old' },
  { title: 'stdin cut off mid-way, on a base64 boundary: nothing written', stdin: b64.slice(0, 24), code: 'nonzero', after: 'old' },
  { title: 'stdin cut off mid-way, off a boundary: nothing written', stdin: b64.slice(0, 25), code: 'nonzero', after: 'old' },
];

for (const c of cases) {
  test(c.title, (t) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'remediate-atomic-'));
    const target = path.join(dir, 'envvars');
    writeFileSync(target, 'export APACHE_RUN_USER=www-data\n');
    const r = spawnSync('/bin/dash', ['-c', atomicWriteScript(target, '0644', undefined, undefined, sha256(b64))], { input: c.stdin, encoding: 'utf8' });
    if (c.code === 0) t.is(r.status, 0, r.stderr);
    else {
      t.not(r.status, 0);
      t.regex(r.stderr, /not the ones sent \(sha256 differs|invalid input/);
    }
    t.is(readFileSync(target, 'utf8'), c.after === 'new' ? content : 'export APACHE_RUN_USER=www-data\n');
    t.deepEqual(readdirSync(dir), ['envvars'], 'no temp file left behind');
  });
}
