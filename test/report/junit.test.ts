// The JUnit report against the JUnit schema Jenkins validates with, by xmllint (libxml2).
import test from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { renderJunit, xmlEscape } from '../../src/report/junit.js';
import { buildReport, foldCheckReport } from '../../src/report/check-report.js';
import { applyWaivers, parseWaivers } from '../../src/check/waivers.js';
import { CLOCK, checkEvents } from './check-fixtures.js';

const XSD = path.resolve('test/fixtures/junit/jenkins-junit.xsd');
const NOW = new Date(CLOCK * 1000);
const dir = mkdtempSync(path.join(os.tmpdir(), 'remediate-junit-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

const hasXmllint = spawnSync('xmllint', ['--version']).status === 0;
const xtest = hasXmllint || process.env.CI ? test : test.skip;
if (!hasXmllint) console.warn(process.env.CI ? 'xmllint missing under CI: failing' : 'SKIPPED: xmllint (libxml2-utils) is not installed');

let n = 0;
function validate(xml: string): { ok: boolean; out: string; file: string } {
  const file = path.join(dir, `r${n++}.xml`);
  writeFileSync(file, xml);
  const r = spawnSync('xmllint', ['--noout', '--schema', XSD, file], { encoding: 'utf8' });
  return { ok: r.status === 0, out: r.stdout + r.stderr, file };
}
function xpath(file: string, expr: string): string {
  return execFileSync('xmllint', ['--xpath', expr, file], { encoding: 'utf8' }).trim();
}

const HOSTILE = 'web<1>&"x\']]>\u0001\ud800end';

function fleetReport() {
  const rows = foldCheckReport(checkEvents('2026-11-27T06-00-00Z-ab12', [
    { host: 'ok1', clock: CLOCK },
    { host: 'st0', clock: CLOCK, singleThread: '0', keys: 508, reloads: 500 },
    { host: 'legacy-1', clock: CLOCK, singleThread: '0', imagick: '3.4.4' },
    { host: 'gone', unreachable: 'connect ETIMEDOUT' },
    { host: HOSTILE, clock: CLOCK, singleThread: '0' },
  ]), { now: NOW }).hosts;
  const w = applyWaivers(rows, parseWaivers('w.yml', 'waivers:\n  - {hosts: "legacy-*", assertion: single-thread, justification: "vendor <image> & co", expires: 2026-12-31}\n'), NOW);
  return buildReport({ runId: '2026-11-27T06-00-00Z-ab12', playbook: 'playbooks/imagick.yml', now: NOW, rows: w.rows, waivers: w });
}

xtest('the JUnit report validates against the Jenkins JUnit schema, with hostile names and messages', (t) => {
  const xml = renderJunit(fleetReport(), { hostname: 'controller-1' });
  const v = validate(xml);
  t.true(v.ok, v.out);
});

xtest('one testcase per host × assertion: failures, errors (could not check) and skipped (waived) counted right', (t) => {
  const v = validate(renderJunit(fleetReport()));
  t.true(v.ok, v.out);
  t.is(xpath(v.file, 'count(//testcase)'), '10'); // 5 hosts × 2 assertions
  t.is(xpath(v.file, 'count(//testcase[failure])'), '3'); // st0, legacy-1 imagick, hostile single-thread
  t.is(xpath(v.file, 'count(//testcase[error])'), '2'); // gone × 2
  t.is(xpath(v.file, 'count(//testcase[skipped])'), '1'); // legacy-1 single-thread waived
  t.is(xpath(v.file, 'string(//testsuite/@tests)'), '10');
  t.is(xpath(v.file, 'string(//testsuite/@failures)'), '3');
  t.is(xpath(v.file, 'string(//testsuite/@errors)'), '2');
  t.is(xpath(v.file, 'string(//testsuite/@skipped)'), '1');
  t.is(xpath(v.file, 'string(//testcase[@classname="st0" and @name="single-thread"]/failure/@type)'), 'non-compliant');
  const body = xpath(v.file, 'string(//testcase[@classname="st0" and @name="single-thread"]/failure)');
  t.regex(body, /expected: facts\.php_extension\.apache\.extension\.setSingleThread\.value == '1'/);
  t.regex(body, /observed: \{"facts\.php_extension\.apache\.extension\.setSingleThread\.value":"0"\}/);
  t.regex(xpath(v.file, 'string(//testcase[@classname="legacy-1" and @name="single-thread"]/skipped/@message)'), /waived until 2026-12-31: vendor <image> & co/);
  t.regex(xpath(v.file, 'string(//testcase[@classname="gone"][1]/error/@message)'), /unreachable: connect ETIMEDOUT/);
  // The hostile host name survives as text (control char and lone surrogate replaced).
  t.is(xpath(v.file, 'count(//testcase[starts-with(@classname, "web<1>&")])'), '2');
});

xtest('the schema check is not vacuous: documents missing required parts are refused', (t) => {
  const good = renderJunit(fleetReport());
  t.false(validate(good.replace(/ name="single-thread"/, '')).ok, 'a testcase without a name');
  t.false(validate(good.replace(/(<testsuite [^>]*) errors="2"/, '$1')).ok, 'a testsuite without errors=');
  t.false(validate(good.replace('<properties>', '<props>').replace('</properties>', '</props>')).ok, 'an unknown element');
});

xtest('a run whose hosts were all unreachable before any assertion is known: one error per host', (t) => {
  const r = foldCheckReport(checkEvents('r', [{ host: 'a', unreachable: 'x' }, { host: 'b', unreachable: 'y' }]), { now: NOW });
  const v = validate(renderJunit(r));
  t.true(v.ok, v.out);
  t.is(xpath(v.file, 'count(//testcase[@name="(host)"]/error)'), '2');
});

test('xmlEscape: markup, quotes, newlines in attributes, and characters XML 1.0 cannot carry', (t) => {
  t.is(xmlEscape('a<b>&"c"\n'), 'a&lt;b&gt;&amp;&quot;c&quot;&#10;');
  t.is(xmlEscape('x\u0000y\u001fz'), 'x\ufffdy\ufffdz');
  t.is(xmlEscape('\ud83d\ude00'), '\ud83d\ude00', 'a surrogate pair is one character and stays');
  t.is(xmlEscape('a\ud800b\udc00'), 'a\ufffdb\ufffd');
});
