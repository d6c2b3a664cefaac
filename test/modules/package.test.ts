import test from 'ava';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { decide, normalizePackageArgs, packageModule, planPackage } from '../../src/modules/package.js';
import { actionCommand, parseAptPolicy, parseAptSimulation, parsePackageProbe, parseRpmList, parseRpmSimulation, parseVerify, simulatedDependencies, type PackageState } from '../../src/modules/package-managers.js';
import { compare, parseConstraint, satisfies, type Ordering } from '../../src/modules/version-constraint.js';
import type { Planned } from '../../src/modules/types.js';
import { localContext, planStep } from './local-host.js';

const fx = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const dpkg = (a: string, b: string) => compare(a, b, 'dpkg');

function state(fixture: string, name: string, sim?: { file: string; rc: number }): PackageState {
  const st = parsePackageProbe(fx(fixture), name);
  if (sim) {
    st.simulation = st.manager === 'apt' ? parseAptSimulation('apt-get -s', fx(sim.file), sim.rc, dpkg) : parseRpmSimulation('dnf --assumeno', fx(sim.file), sim.rc);
  }
  return st;
}

// Crafted: Ubuntu 18.04 with the release libgomp1 (leaky) installed and 8.4.0 in -updates.
const BIONIC_LIBGOMP = `manager|apt
dpkg|install ok installed|8-20180414-1ubuntu2
policy|libgomp1:
policy|  Installed: 8-20180414-1ubuntu2
policy|  Candidate: 8.4.0-1ubuntu1~18.04
policy|  Version table:
policy|     8.4.0-1ubuntu1~18.04 500
policy|        500 http://archive.ubuntu.com/ubuntu bionic-updates/main amd64 Packages
policy| *** 8-20180414-1ubuntu2 100
policy|        100 /var/lib/dpkg/status
`;
// Crafted: Debian 10, whose repositories stop at Imagick 3.4.3.
const BUSTER_IMAGICK = `manager|apt
dpkg|install ok installed|3.4.3-4.1
policy|php-imagick:
policy|  Installed: 3.4.3-4.1
policy|  Candidate: 3.4.3-4.1
policy|  Version table:
policy| *** 3.4.3-4.1 500
policy|        500 http://deb.debian.org/debian buster/main amd64 Packages
policy|        100 /var/lib/dpkg/status
`;
const MODIFIED_LIBGOMP = fx('apt-probe-php8.2-imagick.txt') + 'verify|??5??????   /usr/lib/x86_64-linux-gnu/libgomp.so.1.0.0\nverify|??5?????? c /etc/php/8.2/mods-available/imagick.ini\n';

const plans: { name: string; st: () => PackageState; args: Record<string, unknown>; status: Planned['status']; cls?: Planned['class']; summary?: RegExp; reason?: RegExp; inverse?: unknown }[] = [
  { name: 'installed imagick 3.7.0-4 satisfies >= 3.5.0', st: () => state('apt-probe-php8.2-imagick.txt', 'php8.2-imagick'), args: { name: 'php8.2-imagick', version: '>= 3.5.0' }, status: 'ok', summary: /3\.7\.0-4 is installed and satisfies >= 3\.5\.0/ },
  { name: 'no candidate satisfies: skip, not failure', st: () => state('apt-probe-php8.2-imagick.txt', 'php8.2-imagick'), args: { name: 'php8.2-imagick', version: '>= 3.8.0' }, status: 'skip', reason: /no candidate satisfies php8\.2-imagick >= 3\.8\.0: the repositories offer 3\.7\.0-4 \(installed 3\.7\.0-4\)/ },
  { name: 'Debian 10 stops at 3.4.3: skip', st: () => parsePackageProbe(BUSTER_IMAGICK, 'php-imagick'), args: { name: 'php-imagick', version: '>= 3.5.0' }, status: 'skip', reason: /offer 3\.4\.3-4\.1/ },
  { name: 'new install with the real simulation', st: () => state('apt-probe-php8.2-gd.txt', 'php8.2-gd', { file: 'apt-sim-install-php8.2-gd.txt', rc: 0 }), args: { name: 'php8.2-gd' }, status: 'change', cls: 'reversible', summary: /^install php8\.2-gd 8\.2\.36-1~deb12u1 with apt \[install php8\.2-gd 8\.2\.36-1~deb12u1\]$/, inverse: { manager: 'apt', name: 'php8.2-gd', previous: null, previousDownloadable: true, target: '8.2.36-1~deb12u1' } },
  { name: 'a downgrade apt refuses: fail with its reason', st: () => state('apt-probe-apache2.txt', 'apache2', { file: 'apt-sim-downgrade-apache2.txt', rc: 100 }), args: { name: 'apache2', version: '< 2.4.70' }, status: 'fail', reason: /unmet dependencies|Depends: apache2-bin/ },
  { name: 'latest when the candidate is installed: ok', st: () => state('apt-probe-apache2.txt', 'apache2'), args: { name: 'apache2', state: 'latest' }, status: 'ok' },
  { name: 'reinstall on request', st: () => state('apt-probe-php8.2-imagick.txt', 'php8.2-imagick', { file: 'apt-sim-reinstall-php8.2-imagick.txt', rc: 0 }), args: { name: 'php8.2-imagick', reinstall: true }, status: 'change', cls: 'stateless', summary: /reinstall php8\.2-imagick 3\.7\.0-4 .*reinstall php8\.2-imagick 3\.7\.0-4/ },
  { name: 'a package file differs ("newest" but swapped): reinstall, irreversible', st: () => parsePackageProbe(MODIFIED_LIBGOMP, 'php8.2-imagick'), args: { name: 'php8.2-imagick', version: '>= 3.5.0' }, status: 'change', cls: 'irreversible', reason: /1 installed file differs from the package: \/usr\/lib\/x86_64-linux-gnu\/libgomp\.so\.1\.0\.0$/ },
  { name: 'differing files ignored with verify_files: false', st: () => parsePackageProbe(MODIFIED_LIBGOMP, 'php8.2-imagick'), args: { name: 'php8.2-imagick', verify_files: false }, status: 'ok' },
  { name: 'bionic libgomp1 upgrade: previous only in dpkg status → irreversible', st: () => parsePackageProbe(BIONIC_LIBGOMP, 'libgomp1'), args: { name: 'libgomp1', version: '>= 8.4' }, status: 'change', cls: 'irreversible', summary: /upgrade libgomp1 8-20180414-1ubuntu2 → 8\.4\.0-1ubuntu1~18\.04 with apt \[8-20180414-1ubuntu2 is no longer downloadable/ },
  { name: 'dpkg half-configured: fail', st: () => parsePackageProbe(fx('apt-probe-php8.2-imagick.txt').replace('install ok installed', 'install ok half-configured'), 'php8.2-imagick'), args: { name: 'php8.2-imagick' }, status: 'fail', reason: /half-configured.*dpkg --configure -a/ },
  { name: 'unknown package: skip', st: () => parsePackageProbe('manager|apt\n', 'nosuchpkg'), args: { name: 'nosuchpkg' }, status: 'skip', reason: /not known to apt/ },
  { name: 'no manager: fail', st: () => parsePackageProbe('missing|no apt-get, dnf or yum\n', 'x'), args: { name: 'x' }, status: 'fail', reason: /no usable package manager/ },
  { name: 'EL7 Remi via yum: upgrade 3.4.4 → 3.7.0 with the dnf simulation', st: () => state('rpm-probe-php-pecl-imagick-el7.txt', 'php-pecl-imagick', { file: 'dnf-sim-upgrade-php-pecl-imagick.txt', rc: 1 }), args: { name: 'php-pecl-imagick', version: '>= 3.5.0' }, status: 'change', cls: 'reversible', summary: /upgrade php-pecl-imagick 3\.4\.4-1\.el7\.remi → 3\.7\.0-1\.el7\.remi\.7\.4 with yum \[install ImageMagick6-libs 6\.9\.12\.93-1\.el7\.remi; upgrade php-pecl-imagick 3\.7\.0-1\.el7\.remi\.7\.4\]/ },
  { name: 'rpm: simulation says no match: fail', st: () => state('rpm-probe-php-pecl-imagick-el7.txt', 'php-pecl-imagick', { file: 'dnf-sim-nomatch.txt', rc: 1 }), args: { name: 'php-pecl-imagick', version: '>= 3.5.0' }, status: 'fail', reason: /Unable to find a match/ },
  { name: 'rpm: the exact version installed is ok', st: () => state('rpm-probe-php-pecl-imagick-el7.txt', 'php-pecl-imagick'), args: { name: 'php-pecl-imagick', version: '= 3.4.4' }, status: 'ok' },
  { name: 'rpm: a range picks the highest version inside it', st: () => state('rpm-probe-php-pecl-imagick-el7.txt', 'php-pecl-imagick'), args: { name: 'php-pecl-imagick', version: '>= 3.5, < 3.6' }, status: 'change', summary: /upgrade php-pecl-imagick 3\.4\.4-1\.el7\.remi → 3\.5\.1-1\.el7\.remi\.7\.4/ },
  { name: 'pecl: 3.4.4 → latest 3.7.0, no dry run', st: () => parsePackageProbe(fx('pecl-probe-imagick.txt'), 'imagick'), args: { name: 'imagick', version: '>= 3.5.0', manager: 'pecl' }, status: 'change', summary: /upgrade imagick 3\.4\.4 → 3\.7\.0 with pecl \[pecl has no dry run\]/ },
];

for (const c of plans) {
  test(`plan: ${c.name}`, (t) => {
    const p = planPackage(normalizePackageArgs(c.args), c.st());
    t.is(p.status, c.status, p.reason ?? p.summary);
    if (c.cls) t.is(p.class, c.cls);
    if (c.summary) t.regex(p.summary, c.summary);
    if (c.reason) t.regex(p.reason ?? '', c.reason);
    if (c.inverse) t.deepEqual(p.inverse, c.inverse);
  });
}

const sat: [string, string, Ordering, boolean][] = [
  ['3.7.0-4', '>= 3.5.0', 'dpkg', true],
  ['3.4.4+php8.0+3.4.4-2+deb11u2', '>= 3.5.0', 'dpkg', false],
  ['3.4.0~rc6-1ubuntu3', '>= 3.4.0', 'dpkg', false],
  ['3.5.0~rc1-1', '>= 3.5.0', 'dpkg', false],
  ['3.5.0-1', '= 3.5.0', 'dpkg', true],
  ['3.5.0-1', '= 3.5.0-2', 'dpkg', false],
  ['2:8.2+93', '< 9', 'dpkg', true],
  ['2:8.2+93', '>= 1:9', 'dpkg', true],
  ['8-20180414-1ubuntu2', '>= 8.4', 'dpkg', false],
  ['8.4.0-1ubuntu1~18.04', '>= 8.4', 'dpkg', true],
  ['12.2.0-14+deb12u1', '>= 9, < 13', 'dpkg', true],
  ['3.4.4-1.el7.remi', '>= 3.4.4', 'rpm', true],
  ['3.4.4-1.el7.remi', '= 3.4.4', 'rpm', true],
  ['3.5.1-1.el7.remi.7.4', '> 3.5.1-1.el7.remi', 'rpm', true],
  ['1:3.5.0-1', '>= 3.6', 'rpm', false],
  ['3.5.0RC1', '>= 3.5.0', 'php', false],
  ['3.7.0', '3.7.0', 'php', true],
  ['3.7.0', '!= 3.7.0', 'php', false],
];
for (const [v, c, o, want] of sat) test(`satisfies(${v}, "${c}", ${o}) = ${want}`, (t) => t.is(satisfies(v, parseConstraint(c), o), want));

for (const bad of ['', '>=', '=> 3.5', '>= 3.5 4', '>= 3.5,']) {
  test(`parseConstraint rejects ${JSON.stringify(bad)}`, (t) => { t.throws(() => parseConstraint(bad), { message: /constraint/ }); });
}

test('normalize rejects a name that is not a package name', (t) => {
  t.throws(() => normalizePackageArgs({ name: 'php-imagick; rm -rf /' }), { message: /not a package name/ });
  t.throws(() => normalizePackageArgs({ name: '-o=APT::x' }), { message: /not a package name/ });
});

test('parsers: policy version table marks what only dpkg status knows', (t) => {
  const p = parseAptPolicy(BIONIC_LIBGOMP.split('\n').filter((l) => l.startsWith('policy|')).map((l) => l.slice(7)), 'libgomp1');
  t.deepEqual(p, { installed: '8-20180414-1ubuntu2', candidate: '8.4.0-1ubuntu1~18.04', table: [{ version: '8.4.0-1ubuntu1~18.04', downloadable: true }, { version: '8-20180414-1ubuntu2', downloadable: false }] });
  t.deepEqual(parseVerify(['??5??????   /usr/lib/x86_64-linux-gnu/libgomp.so.1.0.0', '??5?????? c /etc/x.ini', 'missing     /usr/lib/y.so', 'S.5....T.  c /etc/php.d/40-imagick.ini', 'S.5....T.    /usr/lib64/libgomp.so.1.0.0']), ['/usr/lib/x86_64-linux-gnu/libgomp.so.1.0.0', '/usr/lib/y.so', '/usr/lib64/libgomp.so.1.0.0']);
  t.deepEqual(parseRpmList(fx('rpm-probe-php-pecl-imagick-el7.txt').split('\n').filter((l) => l.startsWith('list|')).map((l) => l.slice(5)), 'php-pecl-imagick'), { installed: ['3.4.4-1.el7.remi'], available: ['3.4.4-1.el7.remi', '3.5.1-1.el7.remi.7.4', '3.7.0-1.el7.remi.7.4'] });
});

test('parsers: apt simulation lines', (t) => {
  const s = parseAptSimulation('x', 'Inst libgomp1 [8-20180414-1ubuntu2] (8.4.0-1ubuntu1~18.04 Ubuntu:18.04/bionic-updates [amd64])\nInst php-common [2:93] (2:92 Debian:12 [all])\nInst php8.2-gd (8.2.36-1~deb12u1 Debian-Security:12 [amd64])\nRemv php5-imagick [3.1.2-1]\nConf libgomp1 (8.4.0-1ubuntu1~18.04 Ubuntu:18.04/bionic-updates [amd64])\n', 0, dpkg);
  t.deepEqual([s.install, s.upgrade, s.downgrade, s.remove], [['php8.2-gd 8.2.36-1~deb12u1'], ['libgomp1 8-20180414-1ubuntu2 → 8.4.0-1ubuntu1~18.04'], ['php-common 2:93 → 2:92'], ['php5-imagick 3.1.2-1']]);
  // A simulation that removes another package makes the step irreversible, and says so loudly.
  const st = parsePackageProbe(BIONIC_LIBGOMP, 'libgomp1');
  st.simulation = s;
  st.available.push('8-20180414-1ubuntu2');
  const p = planPackage(normalizePackageArgs({ name: 'libgomp1', version: '>= 8.4' }), st);
  t.is(p.class, 'irreversible');
  t.regex(p.summary, /REMOVE php5-imagick 3\.1\.2-1/);
});

const cmds: [Parameters<typeof actionCommand>, string][] = [
  [['apt', 'install', 'php8.2-gd', '8.2.36-1~deb12u1'], 'apt-get -y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold install php8.2-gd=8.2.36-1~deb12u1'],
  [['apt', 'downgrade', 'libgomp1', '8-20180414-1ubuntu2'], 'apt-get -y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold --allow-downgrades install libgomp1=8-20180414-1ubuntu2'],
  [['apt', 'reinstall', 'libgomp1', '12.2.0-14+deb12u1', true], 'apt-get -s -o Debug::NoLocking=1 --reinstall install libgomp1=12.2.0-14+deb12u1'],
  [['apt', 'remove', 'php8.2-gd', null], 'apt-get -y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold remove php8.2-gd'],
  [['dnf', 'upgrade', 'php-pecl-imagick', '3.7.0-1.el8.remi', true], 'dnf --assumeno install php-pecl-imagick-3.7.0-1.el8.remi'],
  [['yum', 'downgrade', 'php-pecl-imagick', '3.4.4-1.el7.remi'], 'yum -y downgrade php-pecl-imagick-3.4.4-1.el7.remi'],
  [['pecl', 'upgrade', 'imagick', '3.7.0'], 'pecl install -f imagick-3.7.0'],
];
for (const [a, want] of cmds) test(`actionCommand ${a.slice(0, 3).join(' ')}${a[4] ? ' (simulate)' : ''}`, (t) => t.is(actionCommand(...a).argv.join(' '), want));

test('decide is what the probe simulates and what plan reports', (t) => {
  const st = state('apt-probe-php8.2-gd.txt', 'php8.2-gd');
  t.deepEqual(decide(normalizePackageArgs({ name: 'php8.2-gd', version: '< 8.2.35' }), st), { kind: 'install', target: '8.2.32-1~deb12u1', why: 'install php8.2-gd 8.2.32-1~deb12u1' });
});

// ---- this machine's real apt, dry run only: nothing is ever installed or removed here.
const hasApt = (() => { try { execFileSync('dpkg-query', ['-W', 'php8.2-imagick'], { stdio: 'ignore' }); return true; } catch { return false; } })();
const real = hasApt ? test : test.skip;
const ctx = localContext();

real('real apt: php8.2-imagick >= 3.5.0 is ok (dpkg --verify included)', async (t) => {
  const p = await planStep(packageModule, ctx, { name: 'php8.2-imagick', version: '>= 3.5.0' });
  t.is(p.status, 'ok', p.reason);
  t.regex(p.summary, /php8\.2-imagick 3\.7\.\d+\S* is installed and satisfies >= 3\.5\.0/);
});

real('real apt: a constraint no candidate satisfies is a skip', async (t) => {
  const p = await planStep(packageModule, ctx, { name: 'php8.2-imagick', version: '>= 99' });
  t.is(p.status, 'skip');
  t.regex(p.reason ?? '', /no candidate satisfies php8\.2-imagick >= 99: the repositories offer 3\.7/);
});

real('real apt: a package not installed plans an install from the real simulation, and installs nothing', async (t) => {
  const name = ['php8.2-gd', 'php8.2-bcmath', 'php8.2-intl'].find((n) => { try { return !/^install ok installed/m.test(execFileSync('dpkg-query', ['-W', '-f=${Status}', n], { stdio: ['ignore', 'pipe', 'ignore'] }).toString()); } catch { return true; } });
  if (!name) return t.pass('all candidates installed');
  const p = await planStep(packageModule, ctx, { name });
  if (p.status === 'skip') return t.pass(`${name} not in this machine's repositories: ${p.reason}`);
  t.is(p.status, 'change', p.reason);
  t.is(p.class, 'reversible');
  t.regex(p.summary, new RegExp(`^install ${name.replace('.', '\\.')} \\S+ with apt \\[install ${name.replace('.', '\\.')} `));
  t.deepEqual((p.inverse as { previous: unknown }).previous, null);
  let after = '';
  try { after = execFileSync('dpkg-query', ['-W', '-f=${Status}', name], { stdio: ['ignore', 'pipe', 'ignore'] }).toString(); } catch { /* still unknown to dpkg */ }
  t.notRegex(after, /install ok installed/);
});

test('dependencies the simulation changes: recorded for rollback, or the step is irreversible when one cannot come back', (t) => {
  const sim = parseRpmSimulation('yum --assumeno install', 'Dependencies Resolved\n====\nUpdating:\n php-pecl-imagick   x86_64   3.7.0-1.el7.remi.7.4   remi-php74   149 k\nUpdating for dependencies:\n libgomp            x86_64   9.3.1-2.el7            base         158 k\n\nTransaction Summary\n====\nUpgrade  1 Package (+1 Dependent package)\nExiting on user command\n', 1);
  t.true(sim.ok);
  t.deepEqual([...simulatedDependencies(sim, 'php-pecl-imagick')], [['libgomp', '9.3.1-2.el7']]);
  const st = () => { const s = state('rpm-probe-php-pecl-imagick-el7.txt', 'php-pecl-imagick'); s.simulation = sim; return s; };
  const args = normalizePackageArgs({ name: 'php-pecl-imagick', version: '>= 3.5.0' });
  const ok = st();
  ok.dependencies = [{ name: 'libgomp', previous: '4.8.5-44.el7', target: '9.3.1-2.el7', previousDownloadable: true }];
  const p = planPackage(args, ok);
  t.is(p.class, 'reversible');
  t.regex(p.summary, /rollback also restores libgomp 4\.8\.5-44\.el7\]$/);
  t.deepEqual((p.inverse as { dependencies: unknown }).dependencies, ok.dependencies);
  const gone = st();
  gone.dependencies = [{ name: 'libgomp', previous: '4.8.5-39.el7', target: '9.3.1-2.el7', previousDownloadable: false }];
  const q = planPackage(args, gone);
  t.is(q.class, 'irreversible');
  t.regex(q.summary, /rollback cannot restore libgomp 4\.8\.5-39\.el7 \(no longer downloadable; 9\.3\.1-2\.el7 stays\)/);
  // dnf's "Removing dependent packages:" rows are removals, not part of the previous section
  const rm = parseRpmSimulation('dnf --assumeno remove', 'Dependencies resolved.\nRemoving:\n libgomp   x86_64   8.5.0-22.el8_10   @baseos   300 k\nRemoving dependent packages:\n ImageMagick6-libs   x86_64   6.9.12.93-1.el8.remi   @remi   9.1 M\n\nTransaction Summary\nRemove  2 Packages\nOperation aborted.\n', 1);
  t.deepEqual(rm.remove, ['libgomp 8.5.0-22.el8_10', 'ImageMagick6-libs 6.9.12.93-1.el8.remi']);
});
