import test from 'ava';
import { OS_PROBE, osFact, osFamily, parseOs, parseOsRelease } from '../../src/facts/os.js';
import { fixture, out, runSh, tagged } from './helpers.js';

test('os-release of Debian 12 and Ubuntu 20.04 (captured)', (t) => {
  const d = parseOsRelease(fixture('os-release-debian12.txt'));
  t.is(d.ID, 'debian');
  t.is(d.VERSION_ID, '12');
  t.is(d.PRETTY_NAME, 'Debian GNU/Linux 12 (bookworm)');
  t.is(d.VERSION_CODENAME, 'bookworm');
  const u = parseOsRelease(fixture('os-release-ubuntu2004.txt'));
  t.is(u.ID, 'ubuntu');
  t.is(u.ID_LIKE, 'debian');
  t.is(u.VERSION_ID, '20.04');
  t.is(u.PRETTY_NAME, 'Ubuntu 20.04 LTS');
});

test('os-release quoting: double quotes with escapes, single quotes, bare (synthetic)', (t) => {
  t.deepEqual(parseOsRelease('A="x \\"y\\" \\$z"\nB=\'q w\'\nC=bare\n# comment\nnot a line'), { A: 'x "y" $z', B: 'q w', C: 'bare' });
});

const TABLE: { name: string; stdout: string; expect: Partial<ReturnType<typeof parseOs>> }[] = [
  {
    name: 'Ubuntu 20.04 with systemd (captured os-release, synthetic probe lines)',
    stdout: ['clock|1795770000', 'tz|+0200', 'arch|x86_64', 'init|systemd', 'tool|apt-get', 'tool|dpkg-query', tagged('osr', fixture('os-release-ubuntu2004.txt'))].join('\n'),
    expect: { id: 'ubuntu', idLike: ['debian'], versionId: '20.04', family: 'debian', packageManager: 'apt', packageDb: 'dpkg', initSystem: 'systemd', clockEpoch: 1795770000, tzOffset: '+0200', codename: 'focal' },
  },
  {
    name: 'CentOS 7 with yum and rpm (synthetic)',
    stdout: ['clock|1700000000', 'init|systemd', 'tool|yum', 'tool|rpm', 'osr|NAME="CentOS Linux"', 'osr|VERSION_ID="7"', 'osr|ID="centos"', 'osr|ID_LIKE="rhel fedora"', 'osr|PRETTY_NAME="CentOS Linux 7 (Core)"', 'rhr|CentOS Linux release 7.9.2009 (Core)'].join('\n'),
    expect: { id: 'centos', versionId: '7', family: 'rhel', packageManager: 'yum', packageDb: 'rpm', prettyName: 'CentOS Linux 7 (Core)' },
  },
  {
    name: 'Rocky 9: dnf is preferred over yum (synthetic)',
    stdout: ['clock|1700000000', 'init|systemd', 'tool|dnf', 'tool|yum', 'tool|rpm', 'osr|ID="rocky"', 'osr|ID_LIKE="rhel centos fedora"', 'osr|VERSION_ID="9.3"'].join('\n'),
    expect: { family: 'rhel', packageManager: 'dnf', packageDb: 'rpm' },
  },
  {
    name: 'a container without systemd, no os-release, no clock (synthetic)',
    stdout: ['init|other|tini', 'osr-missing|no /etc/os-release or /usr/lib/os-release'].join('\n'),
    expect: { id: null, family: 'unknown', initSystem: 'other', pid1: 'tini', clockEpoch: null, packageManager: null, problems: ['no /etc/os-release or /usr/lib/os-release', 'no known package manager (apt-get, dnf, yum, zypper, apk)', 'host clock unreadable (date +%s)'] },
  },
];
for (const c of TABLE) {
  test(`parseOs: ${c.name}`, (t) => {
    const v = parseOs(out(c.stdout));
    for (const [k, want] of Object.entries(c.expect)) t.deepEqual((v as any)[k], want, k);
  });
}

test('families', (t) => {
  t.is(osFamily('almalinux', ['rhel', 'centos', 'fedora']), 'rhel');
  t.is(osFamily('linuxmint', ['ubuntu', 'debian']), 'debian');
  t.is(osFamily('opensuse-leap', ['suse', 'opensuse']), 'suse');
  t.is(osFamily('weird', []), 'unknown');
});

test('our own probe, captured on Debian 12, and run here now under dash', (t) => {
  const cap = parseOs(out(fixture('probe-os-debian12.txt')));
  t.like(cap, { id: 'debian', versionId: '12', family: 'debian', packageManager: 'apt', packageDb: 'dpkg', arch: 'x86_64' });
  t.true((cap.clockEpoch ?? 0) > 1.7e9);
  const before = Math.floor(Date.now() / 1000);
  const now = osFact.parse(runSh(OS_PROBE), { vars: {} });
  t.true(now.clockEpoch !== null && Math.abs(now.clockEpoch - before) < 60, 'host clock is date +%s');
  t.is(now.initSystem, require_systemd() ? 'systemd' : 'other');
  t.deepEqual(now.problems, []);
});

function require_systemd(): boolean {
  return runSh('[ -d /run/systemd/system ] && echo yes').stdout.trim() === 'yes';
}
