import test from 'ava';
import { parseAptPolicy, parseDnfList, parseDpkgQuery, parsePeclList, parseRpmQuery, upstreamVersion } from '../../src/facts/packages.js';
import { extensionName, loadsExtension, parsePhpExtension, parsePhpR, parsePhpRi, phpExtensionFact } from '../../src/facts/php-extension.js';
import { isUnknown } from '../../src/facts/types.js';
import { fixture, out, tagged } from './helpers.js';

test('php -r on Debian 12 (captured): 3.7.0, set_single_thread=1, OpenMP(4.5)', (t) => {
  t.deepEqual(parsePhpR(fixture('php-r-imagick-debian12.txt')), { version: '3.7.0', setSingleThread: { present: true, value: '1' }, features: ['Cipher', 'DPC', 'Modules', 'OpenMP(4.5)'] });
});

test('php -r on Ubuntu 20.04 (captured): 3.4.4, no set_single_thread (bool(false)), OpenMP', (t) => {
  t.deepEqual(parsePhpR(fixture('php-r-imagick-3.4.4-ubuntu2004.txt')), { version: '3.4.4', setSingleThread: { present: false }, features: ['Cipher', 'DPC', 'Modules', 'OpenMP'] });
});

test('php --ri imagick (captured): versions and directives; 3.4.4 has no set_single_thread', (t) => {
  const d = parsePhpRi(fixture('php-ri-imagick-3.7.0-debian12.txt'));
  t.is(d.version, '3.7.0');
  t.deepEqual(d.directives['imagick.set_single_thread'], { local: '1', master: '1' });
  t.deepEqual(d.directives['imagick.shutdown_sleep_count'], { local: '10', master: '10' });
  const u = parsePhpRi(fixture('php-ri-imagick-3.4.4-ubuntu2004.txt'));
  t.is(u.version, '3.4.4');
  t.false('imagick.set_single_thread' in u.directives);
  t.deepEqual(Object.keys(u.directives), ['imagick.locale_fix', 'imagick.skip_version_check', 'imagick.progress_monitor']);
});

test('which ini lines load the extension (the Ubuntu layout line is captured)', (t) => {
  const layout = fixture('layout-ubuntu2004.txt').split('\n');
  t.true(loadsExtension(layout.find((l) => l.startsWith('extension='))!, 'imagick'));
  for (const [line, want] of [
    ['extension=imagick', true], ['extension = "imagick.so" ; comment', true], ['extension=/usr/lib/php/20190902/imagick.so', true],
    ['; extension=imagick.so', false], ['extension=imagickx.so', false], ['extension=gd.so', false], ['imagick.set_single_thread=1', false],
  ] as const) t.is(loadsExtension(line, 'imagick'), want, line);
});

test('our probe captured on Debian 12: Apache SAPI 8.2 loads imagick 3.7.0 via a symlink into mods-available', (t) => {
  const f = parsePhpExtension(out(fixture('probe-php_extension-debian12.txt')), 'imagick');
  t.deepEqual(f.problems, []);
  t.truthy(f.apache);
  t.like(f.apache, { layout: 'debian', phpVersion: '8.2', enabledInApache: true, iniFile: '/etc/php/8.2/apache2/php.ini', scanDir: '/etc/php/8.2/apache2/conf.d', phpBinary: '/usr/bin/php8.2' });
  const ext = f.apache!.extension;
  if (isUnknown(ext)) return t.fail(ext.reason);
  t.like(ext, { loaded: true, version: '3.7.0', setSingleThread: { present: true, value: '1' }, openmp: true, phpVersion: '8.2.36' });
  t.is(ext.ini['imagick.shutdown_sleep_count'], '10');
  t.deepEqual(f.apache!.loadedBy, [{ path: '/etc/php/8.2/apache2/conf.d/20-imagick.ini', symlink: true, target: '/etc/php/8.2/mods-available/imagick.ini' }]);
  t.deepEqual(f.packages, [{ name: 'php-imagick', version: '3.7.0-4', source: 'dpkg' }, { name: 'php8.2-imagick', version: '3.7.0-4', source: 'dpkg' }]);
  t.deepEqual(f.candidates, [
    { name: 'php-imagick', installed: '3.7.0-4', candidate: '3.7.0-4', source: 'apt-cache' },
    { name: 'php8.2-imagick', installed: '3.7.0-4', candidate: '3.7.0-4', source: 'apt-cache' },
  ]);
});

test('synthetic: Ubuntu 20.04 with 3.4.4 (captured php -r lines), a drop-in setting, CLI-only PHP 8.1 alongside', (t) => {
  const stdout = [
    'sapi|debian|7.4|1|/etc/php/7.4/apache2/php.ini|/etc/php/7.4/apache2/conf.d', 'php-bin|/usr/bin/php7.4',
    'php|@begin', tagged('php', fixture('php-r-imagick-3.4.4-ubuntu2004.txt').trimEnd()), 'php|@end', 'php|@php=7.4.3', 'php|@loaded=1', 'php|@hasclass=1',
    'inifile|1|/etc/php/7.4/mods-available/imagick.ini|/etc/php/7.4/apache2/conf.d/20-imagick.ini',
    'inifile|0|/etc/php/7.4/apache2/conf.d/99-remediate-imagick.ini|/etc/php/7.4/apache2/conf.d/99-remediate-imagick.ini',
    'inif|/etc/php/7.4/apache2/conf.d/20-imagick.ini', 'iniline|2:extension=imagick.so',
    'inif|/etc/php/7.4/apache2/conf.d/99-remediate-imagick.ini', 'iniline|1:imagick.set_single_thread=1',
    'sapi|debian|8.1|0|/etc/php/8.1/apache2/php.ini|/etc/php/8.1/apache2/conf.d', 'php-missing|no php8.1 or php CLI to read the apache2 configuration with',
    tagged('dpkg', fixture('dpkg-query-ubuntu2004.txt').trimEnd()),
    'policy|php-imagick:', 'policy|  Installed: 3.4.4-4', 'policy|  Candidate: 3.4.4-4',
  ].join('\n');
  const f = parsePhpExtension(out(stdout), 'imagick');
  t.is(f.sapis.length, 2);
  t.is(f.apache?.phpVersion, '7.4');
  const ext = f.apache!.extension;
  if (isUnknown(ext)) return t.fail();
  t.like(ext, { version: '3.4.4', setSingleThread: { present: false }, openmp: true });
  t.deepEqual(f.apache!.settings, [{ file: '/etc/php/7.4/apache2/conf.d/99-remediate-imagick.ini', line: 1, text: 'imagick.set_single_thread=1' }]);
  t.true(isUnknown(f.sapis[1].extension));
  t.deepEqual(f.packages.find((p) => p.name === 'php7.4-imagick'), { name: 'php7.4-imagick', version: null, source: 'dpkg' }, 'no version: not installed');
  t.like((f.candidates as { candidate: string }[])[0], { candidate: '3.4.4-4' });
});

test('synthetic RHEL: shared /etc/php.ini + /etc/php.d, rpm, pecl, yum candidate wrapped over two lines', (t) => {
  const stdout = [
    'sapi|rhel||1|/etc/php.ini|/etc/php.d', 'php-bin|/usr/bin/php',
    'php|PHP Warning:  Module "imagick" is already loaded in Unknown on line 0',
    'php|@begin', 'php|3.4.4', 'php|bool(false)', 'php|Cipher DPC Modules OpenMP ', 'php|@end', 'php|@loaded=1', 'php|@hasclass=1',
    'inifile|0|/etc/php.d/40-imagick.ini|/etc/php.d/40-imagick.ini', 'inif|/etc/php.d/40-imagick.ini', 'iniline|2:extension = imagick.so',
    'rpm|php-pecl-imagick 3.4.4-1.el7.remi', 'rpm|package php-imagick is not installed',
    'yum|Available Packages', 'yum|php-pecl-imagick.x86_64', 'yum|                          3.7.0-1.el7.remi                remi-php74',
    'pecl|Installed packages, channel pecl.php.net:', 'pecl|=========================================', 'pecl|Package Version State', 'pecl|imagick 3.4.4   stable',
  ].join('\n');
  const f = parsePhpExtension(out(stdout), 'imagick');
  t.like(f.apache, { layout: 'rhel', phpVersion: null, enabledInApache: true });
  const ext = f.apache!.extension;
  if (isUnknown(ext)) return t.fail(ext.reason);
  t.like(ext, { version: '3.4.4', setSingleThread: { present: false } });
  t.deepEqual(f.apache!.loadedBy, [{ path: '/etc/php.d/40-imagick.ini', symlink: false, target: '/etc/php.d/40-imagick.ini' }]);
  t.deepEqual(f.packages, [
    { name: 'php-pecl-imagick', version: '3.4.4-1.el7.remi', source: 'rpm' },
    { name: 'php-imagick', version: null, source: 'rpm' },
    { name: 'imagick', version: '3.4.4', source: 'pecl' },
  ]);
  t.deepEqual(f.candidates, [{ name: 'php-pecl-imagick', installed: null, candidate: '3.7.0-1.el7.remi', source: 'yum' }]);
});

test('synthetic: no PHP for Apache at all', (t) => {
  const f = parsePhpExtension(out('dpkg|dpkg-query: no packages found matching php-imagick'), 'imagick');
  t.is(f.apache, null);
  t.deepEqual(f.problems, ['no Apache PHP configuration (/etc/php/X.Y/apache2 or /etc/php.ini)']);
  t.deepEqual(f.packages, []);
  t.true(isUnknown(f.candidates));
});

test('package parsers on captured output', (t) => {
  t.deepEqual(parseDpkgQuery(fixture('dpkg-query-debian12.txt')).map((p) => `${p.name}=${p.version}`), [
    'apache2=2.4.71-1~deb12u1', 'libapache2-mod-php8.2=8.2.36-1~deb12u1', 'libgomp1=12.2.0-14+deb12u1', 'libmagickcore-6.q16-6=8:6.9.11.60+dfsg-1.6+deb12u15', 'php-imagick=3.7.0-4', 'php8.2-imagick=3.7.0-4',
  ]);
  t.deepEqual(parseAptPolicy(fixture('apt-cache-policy-debian12.txt')), [
    { name: 'php8.2-imagick', installed: '3.7.0-4', candidate: '3.7.0-4', source: 'apt-cache' },
    { name: 'php-imagick', installed: '3.7.0-4', candidate: '3.7.0-4', source: 'apt-cache' },
  ]);
});

test('package parsers on synthetic output (RHEL, pecl, not-installed, dnf)', (t) => {
  t.deepEqual(parseAptPolicy('php-imagick:\n  Installed: (none)\n  Candidate: 3.4.3~rc2-2ubuntu4\n'), [{ name: 'php-imagick', installed: null, candidate: '3.4.3~rc2-2ubuntu4', source: 'apt-cache' }]);
  t.deepEqual(parseRpmQuery('libgomp 4.8.5-44.el7\npackage x is not installed'), [{ name: 'libgomp', version: '4.8.5-44.el7', source: 'rpm' }, { name: 'x', version: null, source: 'rpm' }]);
  t.deepEqual(parseDnfList('Last metadata expiration check: 0:01:02 ago.\nInstalled Packages\nphp-pecl-imagick.x86_64    3.5.1-1.el9.remi    @remi\nAvailable Packages\nphp-pecl-imagick.x86_64    3.7.0-1.el9.remi    remi\n'), [{ name: 'php-pecl-imagick', installed: '3.5.1-1.el9.remi', candidate: '3.7.0-1.el9.remi', source: 'dnf' }]);
  t.deepEqual(parsePeclList('No packages installed'), []);
  t.is(upstreamVersion('8:6.9.11.60+dfsg-1.6+deb12u15'), '6.9.11.60+dfsg');
  t.is(upstreamVersion('3.4.4+php8.0+3.4.4-2+deb11u2'), '3.4.4+php8.0+3.4.4');
});

test('the extension name comes from vars, validated (it reaches a shell and PHP)', (t) => {
  t.is(extensionName({ vars: {} }), 'imagick');
  t.is(extensionName({ vars: { php_extension_name: 'gd' } }), 'gd');
  t.throws(() => extensionName({ vars: { php_extension_name: "x'; rm -rf /" } }), { message: /php_extension_name must match/ });
  t.regex(phpExtensionFact.probe({ vars: { php_extension_name: 'gd' } }), /^EXT=gd$/m);
});
