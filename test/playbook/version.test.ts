// Table-driven version orderings with vectors from each tool's own test suite:
// php-src ext/standard/tests/versioning/version_compare.phpt, dpkg scripts/t/Dpkg_Version.t and
// lib/dpkg/t/t-version.c, rpm tests/rpmvercmp.at — plus the versions of the Imagick incident.
import test from 'ava';
import {
  compareVersions,
  dpkgVersionCompare,
  looseVersionCompare,
  phpCanonicalize,
  phpVersionCompare,
  rpmVersionCompare,
  rpmvercmp,
  semverCompare,
  strictVersionCompare,
  versionTest,
  type Cmp,
} from '../../src/playbook/version.js';

type Row = [string, string, Cmp];

function table(name: string, fn: (a: string, b: string) => Cmp, rows: Row[]) {
  const seen = new Set<string>();
  for (const [a, b, want] of rows) {
    const key = `${a}\u0000${b}`;
    if (seen.has(key)) continue; // generated rows may repeat a hand-written one
    seen.add(key);
    test(`${name}(${a}, ${b}) = ${want}`, (t) => {
      t.is(fn(a, b), want);
      // Every ordering is antisymmetric: swapping the arguments flips the sign.
      t.is(fn(b, a), (want === 0 ? 0 : -want) as Cmp);
    });
  }
}

// php-src version_compare.phpt: "1.0$f1" vs "1.0$f2" for the special forms, in order.
const phpForms = ['-dev', 'a1', 'b1', 'RC1', '', 'pl1'];
const phpRows: Row[] = [
  ['1', '2', -1],
  ['10', '2', 1],
  ['1.0', '1.1', -1],
  ['1.2', '1.0.1', 1],
  ['1.2(message)', '1.2(message)', 0],
  ['1.0RC1', '1.0rc1', 0],
  ['1.0rc1', '1.0', -1],
  ['1.0', '1.0pl1', -1],
  ['1.0-dev', '1.0', -1],
  // php.net manual examples
  ['5.2', '5.2.0', -1],
  ['5.3.0-dev', '5.3.0', -1],
  ['1.0.0', '1.0', 1],
  ['1.0alpha', '1.0a', 0],
  ['1.0beta2', '1.0b2', 0],
  ['1.0p1', '1.0pl1', 0],
  ['1.0', '1.0.0', -1],
  // The incident: PECL Imagick release candidates are older than the release.
  ['3.5.0RC1', '3.5.0', -1],
  ['3.5.0RC2', '3.5.0RC1', 1],
  ['3.4.4', '3.5.0RC1', -1],
  ['3.7.0', '3.5.0', 1],
  // '~' is not alphanumeric: "~rc" is an unknown word, so below dev, below the release.
  ['3.4.0~rc6', '3.4.0', -1],
  ['3.4.0~rc6', '3.4.0-dev', -1],
  ['3.4.3~rc2', '3.4.3', -1],
  // Unknown words sort before "dev"; numbers after RC and before pl.
  ['1.0foo', '1.0dev', -1],
  ['1.0.1', '1.0pl1', -1],
  ['1.0.1', '1.0RC1', 1],
  ['', '', 0],
  ['', '1', -1],
];
for (let i = 0; i < phpForms.length; i++) {
  for (let j = 0; j < phpForms.length; j++) {
    phpRows.push([`1.0${phpForms[i]}`, `1.0${phpForms[j]}`, Math.sign(i - j) as Cmp]);
  }
}
table('phpVersionCompare', phpVersionCompare, phpRows);

test('phpCanonicalize inserts dots at digit/letter boundaries and folds separators', (t) => {
  t.is(phpCanonicalize('1.0-dev'), '1.0.dev');
  t.is(phpCanonicalize('3.5.0RC1'), '3.5.0.RC.1');
  t.is(phpCanonicalize('1.2(message)'), '1.2.(message.');
  t.is(phpCanonicalize('3.4.0~rc6'), '3.4.0.~rc.6');
  t.is(phpCanonicalize('1__2++3'), '1.2.3');
});

// dpkg scripts/t/Dpkg_Version.t data table (all rows).
const dpkgRows: Row[] = [
  ['1.0-1', '2.0-2', -1],
  ['2.2~rc-4', '2.2-1', -1],
  ['2.2-1', '2.2~rc-4', 1],
  ['1.0000-1', '1.0-1', 0],
  ['1', '0:1', 0],
  ['0', '0:0-0', 0],
  ['2:2.5', '1:7.5', 1],
  ['1:0foo', '0foo', 1],
  ['0:0foo', '0foo', 0],
  ['0foo', '0foo', 0],
  ['0foo-', '0foo', 0],
  ['0foo-', '0foo-0', 0],
  ['0foo', '0fo', 1],
  ['0foo-', '0foo+', -1],
  ['0foo~1', '0foo', -1],
  ['0foo~foo+Bar', '0foo~foo+bar', -1],
  ['0foo~~', '0foo~', -1],
  ['1~', '1', -1],
  ['12345+that-really-is-some-ver-0', '12345+that-really-is-some-ver-10', -1],
  ['0foo-0', '0foo-01', -1],
  ['0foo.bar', '0foobar', 1],
  ['0foo.bar', '0foo1bar', 1],
  ['0foo.bar', '0foo0bar', 1],
  ['0foo1bar-1', '0foobar-1', -1],
  ['0foo2.0', '0foo2', 1],
  ['0foo2.0.0', '0foo2.10.0', -1],
  ['0foo2.0', '0foo2.0.0', -1],
  ['0foo2.0', '0foo2.10', -1],
  ['0foo2.1', '0foo2.10', -1],
  ['1.09', '1.9', 0],
  ['1.0.8+nmu1', '1.0.8', 1],
  ['3.11', '3.10+nmu1', 1],
  ['0.9j-20080306-4', '0.9i-20070324-2', 1],
  ['1.2.0~b7-1', '1.2.0~b6-1', 1],
  ['1.011-1', '1.06-2', 1],
  ['0.0.9+dfsg1-1', '0.0.8+dfsg1-3', 1],
  ['4.6.99+svn6582-1', '4.6.99+svn6496-1', 1],
  ['53', '52', 1],
  ['0.9.9~pre122-1', '0.9.9~pre111-1', 1],
  ['2:2.3.2-2+lenny2', '2:2.3.2-2', 1],
  ['1:3.8.1-1', '3.8.GA-1', 1],
  ['1.0.1+gpl-1', '1.0.1-2', 1],
  ['1a', '1000a', -1],
  ['-0.6.5', '0.9.1', -1],
  // lib/dpkg/t/t-version.c
  ['0:0-00', '0:00-0', 0],
  ['1:2-3', '1:2-3', 0],
  ['0:0-0', '1:0-0', -1],
  ['0:a-0', '0:b-0', -1],
  ['0:0-a', '0:0-b', -1],
  ['0:0:0-0', '0:0:0-0', 0],
  ['  \t0:0-1', '0:0-1', 0],
  // The incident's packages (Ubuntu/Debian php-imagick and libgomp1).
  ['3.4.0~rc6-1ubuntu3', '3.4.0-1', -1],
  ['3.4.0~rc6-1ubuntu3', '3.4.3~rc2-2ubuntu4', -1],
  ['3.4.3~rc2-2ubuntu4', '3.4.4+php8.0+3.4.4-2+deb11u2', -1],
  ['3.4.4+php8.0+3.4.4-2+deb11u2', '3.5.0', -1],
  ['3.4.4+php8.0+3.4.4-2+deb11u2', '3.4.4-1', 1],
  ['3.7.0-4', '3.5.0', 1],
  ['8-20180414-1ubuntu2', '8.4.0-1ubuntu1~18.04', -1],
  ['8.4.0-1ubuntu1~18.04', '8.4.0-1ubuntu1', -1],
  ['12.2.0-14', '10.2.1-6', 1],
];
table('dpkgVersionCompare', dpkgVersionCompare, dpkgRows);

test('dpkg rejects versions dpkg rejects', (t) => {
  for (const bad of ['', '  ', 'a:0-0', 'A:0-0', '-1:0-1', '0:0 0-1', '999999999999999999999999:0-1', '0:']) {
    t.throws(() => dpkgVersionCompare(bad, '1'), undefined, bad);
  }
});

// rpm tests/rpmvercmp.at (all enabled rows, incl. tilde and caret).
const rpmRows: Row[] = [
  ['1.0', '1.0', 0],
  ['1.0', '2.0', -1],
  ['2.0.1', '2.0.1', 0],
  ['2.0', '2.0.1', -1],
  ['2.0.1a', '2.0.1a', 0],
  ['2.0.1a', '2.0.1', 1],
  ['5.5p1', '5.5p1', 0],
  ['5.5p1', '5.5p2', -1],
  ['5.5p10', '5.5p10', 0],
  ['5.5p1', '5.5p10', -1],
  ['10xyz', '10.1xyz', -1],
  ['xyz10', 'xyz10', 0],
  ['xyz10', 'xyz10.1', -1],
  ['xyz.4', 'xyz.4', 0],
  ['xyz.4', '8', -1],
  ['xyz.4', '2', -1],
  ['5.5p2', '5.6p1', -1],
  ['5.6p1', '6.5p1', -1],
  ['6.0.rc1', '6.0', 1],
  ['10b2', '10a1', 1],
  ['10a2', '10b2', -1],
  ['1.0aa', '1.0aa', 0],
  ['1.0a', '1.0aa', -1],
  ['10.0001', '10.0001', 0],
  ['10.0001', '10.1', 0],
  ['10.0001', '10.0039', -1],
  ['4.999.9', '5.0', -1],
  ['20101121', '20101121', 0],
  ['20101121', '20101122', -1],
  ['2_0', '2_0', 0],
  ['2.0', '2_0', 0],
  ['a', 'a', 0],
  ['a+', 'a+', 0],
  ['a+', 'a_', 0],
  ['+a', '+a', 0],
  ['+a', '_a', 0],
  ['+_', '+_', 0],
  ['_+', '+_', 0],
  ['+', '_', 0],
  ['1.0~rc1', '1.0~rc1', 0],
  ['1.0~rc1', '1.0', -1],
  ['1.0~rc1', '1.0~rc2', -1],
  ['1.0~rc1~git123', '1.0~rc1~git123', 0],
  ['1.0~rc1~git123', '1.0~rc1', -1],
  ['1.0^', '1.0^', 0],
  ['1.0^', '1.0', 1],
  ['1.0^git1', '1.0^git1', 0],
  ['1.0^git1', '1.0', 1],
  ['1.0^git1', '1.0^git2', -1],
  ['1.0^git1', '1.01', -1],
  ['1.0^20160101', '1.0^20160101', 0],
  ['1.0^20160101', '1.0.1', -1],
  ['1.0^20160101^git1', '1.0^20160101^git1', 0],
  ['1.0^20160102', '1.0^20160101^git1', 1],
  ['1.0~rc1^git1', '1.0~rc1^git1', 0],
  ['1.0~rc1^git1', '1.0~rc1', 1],
  ['1.0^git1~pre', '1.0^git1~pre', 0],
  ['1.0^git1', '1.0^git1~pre', 1],
];
table('rpmvercmp', rpmvercmp, rpmRows);

// rpm's EVR comparison (epoch, then version, then release; a release beats none).
table('rpmVersionCompare', rpmVersionCompare, [
  ['1:3.2-6', '2:9.4-99', -1],
  ['3:3-1', '2:9.3', 1],
  ['4:429-999999', '4:0.1-2', 1],
  ['0:1.0-1', '1.0-1', 0],
  ['1.0-1', '1.0', 1],
  ['3.5.0-1.el8', '3.4.4-1.el8', 1],
  ['3.5.0~rc1-1.el9', '3.5.0-1.el9', -1],
  ['8.5.0-4.el8_5', '8.5.0-4.el8', 1],
]);

// Ansible's LooseVersion: lists of numbers and words, compared like Python lists.
table('looseVersionCompare', looseVersionCompare, [
  ['1.0', '1.0', 0],
  ['1.2', '1.10', -1],
  ['3.5.0', '3.5', 1],
  ['1.0a', '1.0b', -1],
  // The trap PHP's ordering avoids: loosely, a release candidate is *newer* than the release.
  ['3.5.0RC1', '3.5.0', 1],
  ['3.4.0~rc6', '3.4.0', 1],
]);

test('loose versions refuse a number against a word, like Python', (t) => {
  const err = t.throws(() => looseVersionCompare('1.0a', '1.0.1'));
  t.regex(err!.message, /version_type/);
});

table('strictVersionCompare', strictVersionCompare, [
  ['1.0', '1.0.0', 0],
  ['1.0a1', '1.0', -1],
  ['1.0a2', '1.0b1', -1],
  ['1.10', '1.9', 1],
]);

table('semverCompare', semverCompare, [
  ['1.0.0-alpha', '1.0.0-alpha.1', -1],
  ['1.0.0-alpha.1', '1.0.0-alpha.beta', -1],
  ['1.0.0-alpha.beta', '1.0.0-beta', -1],
  ['1.0.0-beta', '1.0.0-beta.2', -1],
  ['1.0.0-beta.2', '1.0.0-beta.11', -1],
  ['1.0.0-beta.11', '1.0.0-rc.1', -1],
  ['1.0.0-rc.1', '1.0.0', -1],
  ['1.0.0+build.1', '1.0.0', 0],
  ['2.0.0', '10.0.0', -1],
]);

test('versionTest takes every operator spelling and names bad ones', (t) => {
  const rows: [string, string, string, string, boolean][] = [
    ['3.5.0RC1', '3.5.0', '<', 'php', true],
    ['3.5.0RC1', '3.5.0', 'lt', 'php', true],
    ['3.5.0RC1', '3.5.0', '>=', 'php', false],
    ['3.5.0', '3.5.0', '==', 'php', true],
    ['3.5.0', '3.5', '=', 'loose', false],
    ['3.5.0', '3.5', 'ne', 'loose', true],
    ['3.5.0', '3.5', '<>', 'loose', true],
    ['3.4.0~rc6-1ubuntu3', '3.5.0', 'le', 'dpkg', true],
    ['3.4.0~rc6-1ubuntu3', '3.5.0', 'ge', 'dpkg', false],
    ['8.5.0-4.el8', '8.5.0-4.el8', 'eq', 'rpm', true],
    ['1.2.3', '1.2.4', 'gt', 'semver', false],
  ];
  for (const [a, b, op, ty, want] of rows) t.is(versionTest(a, b, op, ty as never), want, `${a} ${op} ${b} (${ty})`);
  t.throws(() => versionTest('1', '2', '=>'), { message: /invalid version operator '=>'/ });
  t.throws(() => versionTest('', '2', '<'), { message: /empty/ });
});

test('compareVersions defaults to loose like Ansible', (t) => {
  t.is(compareVersions('3.5.0RC1', '3.5.0'), 1);
  t.is(compareVersions('3.5.0RC1', '3.5.0', 'php'), -1);
});
