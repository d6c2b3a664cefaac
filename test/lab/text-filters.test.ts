// The lab's sed, awk's numeric strings and `case` patterns against the real dash and GNU sed on this machine: pure text
// in, text out, so no scratch root is needed. Each script runs under `sh -c` on both sides.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { generateFleet } from '../../src/lab/fleet.js';
import { Host } from '../../src/lab/host.js';

const spec = generateFleet({ hosts: 1, profile: 'mixed', seed: 3, basePort: 0 })[0]!;
const host = new Host(spec, { now: () => 1764156654 });

const scripts = [
  // sed: addresses, ranges, quit, line numbers, appends, deletes, no trailing newline
  `printf 'a\\nb\\nc\\n' | sed -n '2p'`,
  `printf 'a\\nb\\nc\\n' | sed '2q'`,
  `printf 'a\\nb\\nc\\n' | sed '='`,
  `printf 'a\\nb\\nc\\n' | sed '/b/a after-b'`,
  `printf 'a\\nb\\nc\\nd\\n' | sed '2,3d'`,
  `printf 'x\\na\\ny\\nb\\nz\\n' | sed -n '/a/,/b/p'`,
  `printf 'one\\ntwo' | sed 's/^/|/'`,
  // a line prefix alone (how probes tag output) takes a path without a line split
  `printf 'one\\n\\ntwo\\n' | sed 's/^/v|/'`,
  `printf '\\n' | sed 's/^/v|/'`,
  `printf '' | sed 's/^/v|/'`,
  `printf 'a\\nb\\n' | sed -n 's/^/v|/'`,
  `printf 'a\\nb\\n' | sed 's/^/<&>/'`,
  `printf 'a\\nb\\n' | sed 's/^/x\\/y|/'`,
  `printf 'a\\nb' | sed -E 's/^/v|/'`,
  `printf 'a\\nb\\nc\\n' | sed '$d'`,
  `printf 'a\\nb\\nc\\n' | sed -n '$p'`,
  `printf 'aaa\\nbab\\n' | sed 's/a/X/2'`,
  `printf 'aaa\\nbab\\n' | sed 's/a/X/g'`,
  `printf 'k=1\\nk=2\\n' | sed -n 's/^k=\\(.*\\)$/v\\1/p'`,
  `printf 'a\\nb\\nc\\n' | sed '2!d'`,
  `printf 'a\\nb\\nc\\n' | sed -e '1d' -e 's/c/C/'`,
  `printf 'a\\nb\\n' | sed '1{s/a/A/;p}'`,
  // awk: fields that look numeric compare as numbers, others as strings
  `printf '10 9\n 5 40\nx 3\n-2 -10\n.5 0.25\n+3 2e0\nabc abd\n' | awk '{ print ($1 < $2), ($1 == $1 + 0) }'`,
  // the environment a command gets follows exported variables only, through writes, export and unset
  `X=1; export X; sh -c 'echo "$X"'; X=2; sh -c 'echo "$X"'; Y=3; sh -c 'echo "$X$Y"'; export Y; sh -c 'echo "$X$Y"'; unset X; sh -c 'echo "[$X]$Y"'; f() { Y=4; }; f; sh -c 'echo "$Y"'; Y=5 sh -c 'echo "$Y"'; sh -c 'echo "$Y"'`,
  // case: literal, quoted and bracket patterns (compiled once), and patterns with expansions
  `for f in x.gz y.log 'z*.gz' ab; do case $f in *.gz) echo "gz $f";; '*'.log) echo "star $f";; [ab]*) echo "ab $f";; *) echo "other $f";; esac; done`,
  `for f in 'z*.gz' zq.gz; do case $f in 'z*'.gz) echo "quoted star $f";; z?.gz) echo "one char $f";; esac; done`,
  `p='*.conf'; for f in a.conf b.ini; do case $f in $p) echo "var $f";; "$p") echo "quoted var $f";; *) echo "no $f";; esac; done`,
  `p='*.conf'; case '*.conf' in "$p") echo literal;; esac`,
];

for (const script of scripts) {
  test(`lab = dash: ${script}`, (t) => {
    const real = spawnSync('/bin/sh', ['-c', script], { encoding: 'latin1' });
    const lab = host.run(`sh -c '${script.replace(/'/g, "'\\''")}'`, { user: 'lab' });
    t.is(lab.stdout, real.stdout, lab.stderr);
    t.is(lab.exitCode, real.status ?? -1);
  });
}
