// Caches the lab shares between hosts and sessions must not change an answer: quoted pieces of a
// word merged into one, a rotated log's gzip stream remembered beside its text, parse trees
// reused across hosts, content digests kept per file node.
import test from 'ava';
import { gunzipSync } from 'node:zlib';
import { gzipLog, knownGunzip } from '../../src/lab/gz-memo.js';
import { generateFleet } from '../../src/lab/fleet.js';
import { Host } from '../../src/lab/host.js';
import { buildTree, coreBinaries, LabMachine } from '../../src/lab/machine.js';
import { dir } from '../../src/lab/fs.js';

const machine = () => new LabMachine({ hostname: 'm', root: buildTree([...coreBinaries(true), ['/tmp', dir({}, { mode: 0o1777 })]]), now: () => 1_700_000_000 });

const words: [string, string][] = [
  [`printf '%s|' 'a'\\''b'`, "a'b|"],
  [`printf '%s|' '' ''"" x''`, '||x|'],
  [`printf '%s|' \\*'*'"*"`, '***|'],
  [`x='1 2'; printf '%s|' 'p'$x'q'`, 'p1|2q|'],
  [`printf '%s|' 'a'\\ 'b'`, 'a b|'],
  [`case 'a*' in 'a'\\*) echo lit;; *) echo glob;; esac`, 'lit\n'],
  [`cd /tmp && : > 'f x' && echo 'f'* 'f'\\*`, 'f x f*\n'],
];
for (const [script, out] of words) {
  test(`adjacent quoted pieces make one word as in dash: ${script}`, (t) => {
    const r = machine().run(script, { user: 'root' });
    t.is(r.stdout, out);
    t.is(r.exitCode, 0);
  });
}

test('a rotated log the lab gzipped inflates to its text, by zlib and by the memo alike', (t) => {
  for (const text of ['', 'one line\n', '[Mon Jan 01 00:00:01.000000 2024] [mpm_prefork:notice] [pid 1] AH00163\n'.repeat(40)]) {
    const gz = gzipLog(text);
    t.is(gunzipSync(Buffer.from(gz, 'latin1')).toString('latin1'), text);
    t.is(knownGunzip(gz), text);
    t.is(gzipLog(text), gz);
  }
  t.is(knownGunzip('\x1f\x8b not one of ours'), undefined);
});

test('two hosts running the same probe answer for themselves; a write on one changes neither the files nor the digest of the other', (t) => {
  const [a, b] = generateFleet({ hosts: 2, profile: 'mixed', seed: 9, basePort: 0 }).map((s) => new Host({ ...s, distro: 'debian12' }, { now: () => 1_700_000_000 }));
  const probe = `for f in /etc/hostname /proc/[0-9]*/comm; do read -r x < "$f"; printf '%s\\n' "$x"; done | sort | tr '\\n' ' '`;
  const ra = a.run(probe, { user: 'root' });
  const rb = b.run(probe, { user: 'root' });
  t.true(ra.stdout.includes(a.spec.name) && !ra.stdout.includes(b.spec.name));
  t.true(rb.stdout.includes(b.spec.name) && !rb.stdout.includes(a.spec.name));
  const before = b.hash();
  a.run(`printf 'changed\\n' > /etc/php.ini 2>/dev/null; printf 'x' >> /etc/apache2/ports.conf`, { user: 'root' });
  t.is(b.run('cat /etc/apache2/ports.conf', { user: 'root' }).stdout.includes('x'), false);
  t.is(b.hash(), before);
  t.not(a.hash(), before);
});
