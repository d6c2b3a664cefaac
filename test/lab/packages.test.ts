// The lab's package tools as the product drives them: upgrade, its simulation, and the
// downgrade a rollback runs (yum 3 on RHEL 7, dnf on RHEL 8, apt-get on Debian/Ubuntu), with
// the dependencies a transaction changes listed as the real tools list them.
import test from 'ava';
import { Host, type HostSpec } from '../../src/lab/host.js';
import { compare } from '../../src/modules/version-constraint.js';
import { actionCommand, parseAptSimulation, parseRpmSimulation, type Manager } from '../../src/modules/package-managers.js';

const spec = (distro: HostSpec['distro'], faults: HostSpec['faults'] = {}): HostSpec => ({
  name: 'web-0001', index: 0, distro, address: '127.0.0.1', port: 22, baseline: 7, reloads: 10, rotateMinute: 385,
  gompUpdated: false, listenPort: 80, pidBase: 3426, libBase: 0x7f1234000000, faults,
});
const clock = { now: () => 1764156654 };
const sh = (h: Host, argv: string[]) => h.run(`sudo -n env LC_ALL=C ${argv.map((a) => `'${a}'`).join(' ')}`, { user: 'lab' });

const rpmCases: { distro: HostSpec['distro']; manager: Manager; depHead: RegExp; aborted: RegExp }[] = [
  { distro: 'rhel7', manager: 'yum', depHead: /^Updating for dependencies:\n libgomp +x86_64 +9\.3\.1-2\.el7 /m, aborted: /^Exiting on user command$/m },
  { distro: 'rhel8', manager: 'dnf', depHead: /^Upgrading:\n( \S+ .*\n){2}/m, aborted: /^Operation aborted\.$/m },
  { distro: 'rhel8', manager: 'yum', depHead: /^Upgrading:\n( \S+ .*\n){2}/m, aborted: /^Operation aborted\.$/m },
];

for (const c of rpmCases) {
  test(`${c.distro} ${c.manager}: the Imagick upgrade lists the libgomp it upgrades; downgrades restore the host`, (t) => {
    const h = new Host(spec(c.distro), clock);
    h.machine();
    const before = h.hash();
    const d = h.d;
    const oldImagick = h.packages.get(d.imagickPkg)!;
    const oldGomp = h.packages.get(d.gompPkg)!;
    const target = d.imagickCandidate!.version;

    const sim = sh(h, actionCommand(c.manager, 'upgrade', d.imagickPkg, target, true).argv);
    t.is(sim.exitCode, 1, 'a declined transaction exits 1');
    t.regex(sim.stdout, c.aborted);
    t.regex(sim.stdout, c.depHead);
    const parsed = parseRpmSimulation('sim', sim.stdout + sim.stderr, sim.exitCode);
    t.true(parsed.ok, parsed.error);
    const newGomp = d.imagickCandidate!.gomp.pkgVersion;
    t.deepEqual(parsed.upgrade.sort(), [`${d.gompPkg} ${newGomp}`, `${d.imagickPkg} ${target}`].sort());
    t.is(h.packages.get(d.imagickPkg), oldImagick, 'the simulation changed nothing');
    t.is(h.hash(), before);

    const up = sh(h, actionCommand(c.manager, 'upgrade', d.imagickPkg, target).argv);
    t.is(up.exitCode, 0, up.stderr);
    t.regex(up.stdout, /Complete!\n$/);
    t.is(h.packages.get(d.gompPkg), newGomp);
    // the libgomp it pulled in is one of this distro's own builds, as rpm and the file tell
    const q = sh(h, ['rpm', '-q', '--qf', '%{VERSION}-%{RELEASE}', d.gompPkg]);
    t.regex(q.stdout, new RegExp(`^\\d+\\.\\d+\\.\\d+-[\\d.]+\\.el${c.distro.slice(-1)}$`));
    t.not(h.hash(), before);

    const down = sh(h, actionCommand(c.manager, 'downgrade', d.imagickPkg, oldImagick).argv);
    t.is(down.exitCode, 0, down.stdout + down.stderr);
    t.regex(down.stdout, new RegExp(`^Downgrading:\\n ${d.imagickPkg} +x86_64 +${oldImagick.replace(/\./g, '\\.')} `, 'm'));
    t.regex(down.stdout, /^Downgrade {2}1 Package$/m);
    t.is(h.packages.get(d.imagickPkg), oldImagick);
    t.is(h.packages.get(d.gompPkg), newGomp, 'a downgrade leaves the dependency it does not need');
    const gomp = sh(h, actionCommand(c.manager, 'downgrade', d.gompPkg, oldGomp).argv);
    t.is(gomp.exitCode, 0, gomp.stdout + gomp.stderr);
    t.is(h.hash(), before, 'both downgrades bring the durable state back');

    // refusals: nothing lower than the lowest, a version no repository has, a package not installed
    for (const [argv, out] of [
      [[c.manager, '-y', 'downgrade', `${d.gompPkg}-${oldGomp}`], c.distro === 'rhel7' ? /Only Upgrade available on package/ : /already installed/],
      [[c.manager, '-y', 'downgrade', `${d.imagickPkg}-1.0.0-1`], c.distro === 'rhel7' ? /No package php-pecl-imagick-1\.0\.0-1 available/ : /No match for argument/],
      [[c.manager, '-y', 'downgrade', 'php-pecl-nosuch-1.0-1'], /No package|No match/],
    ] as [string[], RegExp][]) {
      const r = sh(h, argv);
      t.is(r.exitCode, 1, argv.join(' '));
      t.regex(r.stdout, out, argv.join(' '));
      t.regex(r.stderr, /^Error: /m);
    }
    t.is(h.hash(), before);
  });
}

test('ubuntu1804 apt-get: upgrade libgomp1, then the rollback downgrade (needs --allow-downgrades with -y)', (t) => {
  const h = new Host(spec('ubuntu1804'), clock);
  h.machine();
  const before = h.hash();
  const old = h.packages.get('libgomp1')!;
  const target = h.d.gompUpdate!.pkgVersion;
  const up = sh(h, actionCommand('apt', 'upgrade', 'libgomp1', target).argv);
  t.is(up.exitCode, 0, up.stderr);
  t.regex(up.stdout, /^The following packages will be upgraded:\n {2}libgomp1\n1 upgraded, 0 newly installed, 0 to remove and 0 not upgraded\.$/m);
  const sim = sh(h, actionCommand('apt', 'downgrade', 'libgomp1', old, true).argv);
  t.is(sim.exitCode, 0, sim.stderr);
  const parsed = parseAptSimulation('sim', sim.stdout, sim.exitCode, (a, b) => compare(a, b, 'dpkg'));
  t.deepEqual(parsed.downgrade, [`libgomp1 ${target} → ${old}`]);
  const refused = sh(h, ['apt-get', '-y', 'install', `libgomp1=${old}`]);
  t.is(refused.exitCode, 100);
  t.regex(refused.stderr, /^E: Packages were downgraded and -y was used without --allow-downgrades\.$/m);
  t.is(h.packages.get('libgomp1'), target);
  const down = sh(h, actionCommand('apt', 'downgrade', 'libgomp1', old).argv);
  t.is(down.exitCode, 0, down.stderr);
  t.regex(down.stdout, /^The following packages will be DOWNGRADED:\n {2}libgomp1\n0 upgraded, 0 newly installed, 1 downgraded, 0 to remove and 0 not upgraded\.$/m);
  t.is(h.hash(), before);
});

test('apt-get remove removes (it used to install)', (t) => {
  const h = new Host(spec('debian12'), clock);
  const r = sh(h, actionCommand('apt', 'remove', 'libgomp1', null).argv);
  t.is(r.exitCode, 0, r.stderr);
  t.regex(r.stdout, /^The following packages will be REMOVED:\n {2}libgomp1$/m);
  t.false(h.packages.has('libgomp1'));
});
