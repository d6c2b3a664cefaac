// JUnit XML for CI systems: one testcase per host × assertion (classname = host, name =
// assertion id), so a CI's test view lists exactly which host fails which rule. Non-compliant
// is a <failure>, could-not-check an <error>, a waived failure <skipped> with the waiver.
// Follows the JUnit schema Jenkins validates against (test/fixtures/junit/).
import type { AssertionRow, CheckReport, HostCheckRow } from './check-report.js';

/** XML 1.0 text: escape markup and drop the characters XML cannot carry at all. */
export function xmlEscape(s: string): string {
  return s
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '\uFFFD')
    // lone surrogates (half of a pair) are not characters either
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\r/g, '&#13;')
    .replace(/\n/g, '&#10;')
    .replace(/\t/g, '&#9;');
}

/** Element text keeps its newlines readable. */
function xmlText(s: string): string {
  return xmlEscape(s).replace(/&#10;/g, '\n').replace(/&#9;/g, '\t');
}

function attrs(a: Record<string, string | number | undefined>): string {
  return Object.entries(a)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${xmlEscape(String(v))}"`)
    .join('');
}

function detail(row: HostCheckRow, a: AssertionRow): string {
  const lines: string[] = [];
  if (a.expected !== undefined) lines.push(`expected: ${a.expected}`);
  if (a.observed !== undefined) lines.push(`observed: ${JSON.stringify(a.observed)}`);
  if (a.msg) lines.push(`message: ${a.msg}`);
  if (row.risk) lines.push(`risk: ${row.risk}${row.risk_reason ? ` (${row.risk_reason})` : ''}`);
  return lines.join('\n');
}

function testcase(row: HostCheckRow, a: AssertionRow): string {
  const head = `    <testcase${attrs({ classname: row.host, name: a.id, time: '0' })}`;
  switch (a.status) {
    case 'pass':
      return `${head}/>`;
    case 'fail':
      return `${head}>\n      <failure${attrs({ type: 'non-compliant', message: a.msg ?? `${a.id} failed` })}>${xmlText(detail(row, a))}</failure>\n    </testcase>`;
    case 'waived':
      return `${head}>\n      <skipped${attrs({ message: `waived until ${a.waiver?.expires}: ${a.waiver?.justification} (${a.waiver?.at})` })}/>\n    </testcase>`;
    case 'error':
      return `${head}>\n      <error${attrs({ type: row.status === 'unreachable' ? 'unreachable' : 'error', message: a.msg ?? row.reason })}>${xmlText(detail(row, a))}</error>\n    </testcase>`;
  }
}

/** A host with no assertion result at all (unreachable before any play assertion was known). */
function hostCase(row: HostCheckRow): string {
  return `    <testcase${attrs({ classname: row.host, name: '(host)', time: '0' })}>\n      <error${attrs({ type: row.status, message: row.reason })}/>\n    </testcase>`;
}

export function renderJunit(r: CheckReport, o: { hostname?: string } = {}): string {
  const cases: string[] = [];
  let tests = 0, failures = 0, errors = 0, skipped = 0;
  for (const row of r.hosts) {
    if (row.assertions.length === 0) {
      if (row.status === 'compliant') continue; // nothing to assert: no testcase to show
      cases.push(hostCase(row));
      tests++;
      errors++;
      continue;
    }
    for (const a of row.assertions) {
      cases.push(testcase(row, a));
      tests++;
      if (a.status === 'fail') failures++;
      else if (a.status === 'error') errors++;
      else if (a.status === 'waived') skipped++;
    }
  }
  const name = `remediate check${r.playbook ? ` ${r.playbook}` : ''}`;
  const counts = { tests, failures, errors, skipped };
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs({ name, tests, failures, errors, time: '0' })}>`,
    `  <testsuite${attrs({ name, ...counts, time: '0', timestamp: r.generated_at.replace(/\.\d+Z$/, ''), hostname: o.hostname, id: r.run_id })}>`,
    '    <properties>',
    `      <property name="run_id" value="${xmlEscape(r.run_id)}"/>`,
    `      <property name="exit_code" value="${r.exit_code}"/>`,
    '    </properties>',
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
