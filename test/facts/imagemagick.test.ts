import test from 'ava';
import { IMAGEMAGICK_PROBE, hasOpenMP, imagemagickFact, parseConvertVersion, parseImageMagick } from '../../src/facts/imagemagick.js';
import { parsePhpExtension } from '../../src/facts/php-extension.js';
import { classifyGccVersion, classifyGompFile, classifyPackageVersion, gccFromComments } from '../../src/facts/libgomp.js';
import { isUnknown } from '../../src/facts/types.js';
import { fixture, out, runSh, tagged } from './helpers.js';

test('convert -version (captured): OpenMP(4.5) on Debian 12, bare OpenMP on Ubuntu 20.04', (t) => {
  t.deepEqual(parseConvertVersion(fixture('convert-version-debian12.txt')), { version: '6.9.11-60', features: ['Cipher', 'DPC', 'Modules', 'OpenMP(4.5)'], openmp: true });
  t.deepEqual(parseConvertVersion(fixture('convert-version-ubuntu2004.txt')), { version: '6.9.10-23', features: ['Cipher', 'DPC', 'Modules', 'OpenMP'], openmp: true });
  t.false(hasOpenMP('Cipher DPC HDRI Modules'));
  t.false(hasOpenMP(['OpenMPI']));
});

test('our probe captured on Debian 12: the master maps the GCC 12 libgomp, same file as on disk', (t) => {
  const f = parseImageMagick(out(fixture('probe-imagemagick-debian12.txt')));
  t.is(f.masterPid, 17499);
  t.deepEqual(f.magickCore, ['/usr/lib/x86_64-linux-gnu/libMagickCore-6.Q16.so.6.0.0']);
  if (isUnknown(f.libgomp) || f.libgomp === null) return t.fail('libgomp');
  t.like(f.libgomp, { path: '/usr/lib/x86_64-linux-gnu/libgomp.so.1.0.0', deleted: false, replaced: false, hasPauseResourceAll: true });
  t.true(f.libgomp.versionNodes.includes('GOMP_5.0'));
  t.is(f.libgomp.verdict.leaky, false);
  t.like(f.libgompPackage, { name: 'libgomp1', version: '12.2.0-14+deb12u1', verdict: { leaky: false } });
  t.is(f.openmp, null, 'convert on the build machine is a stand-in that fails: unknown, not false');
});

test('without convert, OpenMP comes from Imagick::getFeatures() of the Apache SAPI', async (t) => {
  const f = parseImageMagick(out(fixture('probe-imagemagick-debian12.txt')));
  const php = parsePhpExtension(out(fixture('probe-php_extension-debian12.txt')), 'imagick');
  const r = await imagemagickFact.refine!(f, { vars: {}, run: async () => ({ kind: 'unreachable', reason: 'not used' }), facts: { php_extension: php } });
  t.like(r, { openmp: true, openmpSource: 'imagick-features' });
  const withConvert = parseImageMagick(out(tagged('convert', fixture('convert-version-ubuntu2004.txt').trimEnd()) + '\nconvert|@rc=0'));
  t.like(withConvert, { openmp: true, openmpSource: 'convert', convertVersion: '6.9.10-23' });
});

const map = (range: string, off: string, path: string, deleted = false) => `map|${range} r--p ${off} fe:00 339585    ${path}${deleted ? ' (deleted)' : ''}`;

test('synthetic: a leaky GCC 5 libgomp replaced on disk by an upgrade, still mapped (deleted) by the master', (t) => {
  const old = 'a'.repeat(64);
  const now = 'b'.repeat(64);
  const stdout = [
    'master|3426|pidfile:/run/apache2/apache2.pid', 'dpkg|libgomp1 10.5.0-1ubuntu1~20.04', 'maps-ok|3426',
    map('7f0000000000-7f000000a000', '00000000', '/usr/lib/x86_64-linux-gnu/libgomp.so.1.0.0', true),
    `gomp|7f0000000000-7f000000a000|${old}|${now}|1|/usr/lib/x86_64-linux-gnu/libgomp.so.1.0.0`,
    'gomp-str|7f0000000000-7f000000a000|GOMP_4.0.1', 'gomp-str|7f0000000000-7f000000a000|OACC_2.0',
    'gomp-str|7f0000000000-7f000000a000|GCC: (Ubuntu 5.4.0-6ubuntu1~16.04.12) 5.4.0 20160609',
  ].join('\n');
  const f = parseImageMagick(out(stdout));
  if (isUnknown(f.libgomp) || f.libgomp === null) return t.fail();
  t.like(f.libgomp, { deleted: true, replaced: true, sha256: old, diskSha256: now });
  t.like(f.libgomp.verdict, { leaky: true, gcc: '5.4.0' });
  t.like(f.libgompPackage, { verdict: { leaky: false } }, 'the package says fixed: the hint is wrong for what is mapped');
});

test('synthetic: master without libgomp is a known "none"; unreadable maps or no master are unknown', (t) => {
  t.is(parseImageMagick(out('master|10|proc\nmaps-ok|10')).libgomp, null);
  const denied = parseImageMagick(out('master|10|proc\nmaps-unreadable|cat: /proc/10/maps: Permission denied'));
  t.true(isUnknown(denied.libgomp));
  t.regex((denied.libgomp as { reason: string }).reason, /needs become/);
  t.true(isUnknown(parseImageMagick(out('no-master|no apache2/httpd process is running')).libgomp));
  t.like(parseImageMagick(out('convert|@missing=convert\nrpm|libgomp 4.8.5-44.el7')), { openmp: null, libgompPackage: { name: 'libgomp', version: '4.8.5-44.el7', verdict: { leaky: null } } });
});

const GCC: [string, boolean | null][] = [
  ['5.4.0 20160609', true], ['6.3.0', true], ['7.5.0', true], ['8.0.1 20180414', true], ['8-20180414', true],
  ['8.3.0', null], ['8.4.0', false], ['9.4.0', false], ['10.2.1 20210110', false], ['12.2.0', false], ['4.8.5 20150623', null], ['x', null],
];
for (const [v, leaky] of GCC) test(`GCC ${v} libgomp → ${leaky}`, (t) => t.is(classifyGccVersion(v).leaky, leaky));

const PKG: [string, boolean | null][] = [
  // incident.md's distro matrix
  ['5.3.1-14ubuntu2', true], ['8-20180414-1ubuntu2', true], ['8.4.0-1ubuntu1~18.04', false], ['10.5.0-1ubuntu1~20.04', false],
  ['12.3.0-1ubuntu1~22.04', false], ['6.3.0-18+deb9u1', true], ['8.3.0-6', null], ['10.2.1-6', false], ['12.2.0-14+deb12u1', false], ['4.8.5-44.el7', null],
  // the GCC >= 9 builds an Imagick >= 3.5 upgrade pulls in on RHEL 7 and 8 (lab)
  ['9.3.1-2.el7', false], ['11.2.1-9.el8', false],
];
for (const [v, leaky] of PKG) test(`libgomp package ${v} → ${leaky}`, (t) => t.is(classifyPackageVersion(v).leaky, leaky));

test('GCC from .comment strings: the highest version wins', (t) => {
  t.is(gccFromComments(['GCC: (Ubuntu 8-20180414-1ubuntu2) 8.0.1 20180414 (experimental) [trunk revision 259383]', 'GCC: (GNU) 4.8.5']), '8.0.1 20180414');
  t.is(gccFromComments(['nothing']), null);
});

test('ABI markers of this machine\'s real libgomp say GCC ≥ 9 (fixed); a GCC 7 node set says 5–8', (t) => {
  const strs = runSh(`tr -c '[:print:]' '\\n' < /usr/lib/x86_64-linux-gnu/libgomp.so.1 | grep -E '^(GOMP|GOACC|OACC|OMP)_[0-9.]+$|^omp_pause_resource_all$|^GCC: \\(' | sort -u`).stdout.split('\n').filter(Boolean);
  const real = classifyGompFile({ versionNodes: strs.filter((s) => /_\d/.test(s)), hasPauseResourceAll: strs.includes('omp_pause_resource_all'), gccComments: strs.filter((s) => s.startsWith('GCC')) });
  t.is(real.leaky, false);
  // libgomp1-gcc7 7.5.0 provides (from its RPM metadata): no GOMP_5.0
  const gcc7 = classifyGompFile({ versionNodes: ['GOACC_2.0', 'GOACC_2.0.1', 'GOMP_4.0.1', 'GOMP_4.5', 'OACC_2.0', 'OMP_4.5'], hasPauseResourceAll: false, gccComments: [] });
  t.like(gcc7, { leaky: null, gcc: '5-8' });
});

test('no master (it died of the leak): the libgomp.so.1 on the library path is what to preload', (t) => {
  const disk = 'c'.repeat(64);
  const f = parseImageMagick(out([
    'no-master|no apache2/httpd process is running',
    `disk-gomp|${disk}|/usr/lib/x86_64-linux-gnu/libgomp.so.1.0.0`,
    'disk-gomp-str|GOMP_4.0.1', 'disk-gomp-str|GCC: (Ubuntu 5.4.0-6ubuntu1~16.04.12) 5.4.0 20160609',
  ].join('\n')));
  t.true(isUnknown(f.libgomp), 'nothing is mapped: the mapped libgomp stays unknown');
  t.like(f.libgompOnDisk, { path: '/usr/lib/x86_64-linux-gnu/libgomp.so.1.0.0', sha256: disk, verdict: { leaky: true } });
  t.is(f.gompPath, '/usr/lib/x86_64-linux-gnu/libgomp.so.1.0.0');
  const running = parseImageMagick(out(fixture('probe-imagemagick-debian12.txt')));
  t.is(running.libgompOnDisk, null, 'a running master is asked, not the disk');
  t.is(running.gompPath, '/usr/lib/x86_64-linux-gnu/libgomp.so.1.0.0');
  t.is(parseImageMagick(out('no-master|no apache2/httpd process is running')).gompPath, null);
});

test('the probe with no master finds this machine\'s libgomp.so.1 (dash, real files)', (t) => {
  // Only the no-master branch: M_PID is empty, so the probe must stop after the disk lookup.
  const script = IMAGEMAGICK_PROBE.replace(/^apache_master$/m, 'M_PID=');
  const f = parseImageMagick(out(runSh(script).stdout));
  t.true(f.libgompOnDisk !== null && f.libgompOnDisk.path.startsWith('/'), 'found a libgomp file');
  t.regex(f.gompPath ?? '', /\/libgomp\.so\.1(\.\d+)*$/);
  t.is(f.libgompOnDisk?.verdict.leaky, false, 'this machine\'s GCC ≥ 9 build is fixed');
});
