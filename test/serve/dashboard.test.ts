// The dashboard and the HTML report in a real headless Chromium (Debian's chromium, driven by
// playwright-core): no console errors, the chart's counts as rendered, a host's evidence.
import test from 'ava';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startServer, type Server } from '../../src/serve/server.js';
import { renderHtml } from '../../src/report/html.js';
import { writeAtomic } from '../../src/cli/commands/check-extras.js';
import { EXPECTED_BUCKETS, FLEET, SERVER_NOW, seededFleet } from './fleet.js';
import { foldCheckReport } from '../../src/report/check-report.js';
import { checkEvents } from '../report/check-fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available) console.warn(process.env.CI ? 'chromium missing under CI: failing' : 'SKIPPED: dashboard tests need Debian\'s chromium (apt-get install -y chromium)');
const btest = available || process.env.CI ? test.serial : test.serial.skip;

const s = seededFleet();
let server: Server;
let ctx: BrowserContext;
const profile = mkdtempSync(path.join(os.tmpdir(), 'remediate-chromium-'));

test.before(async () => {
  server = await startServer({ journal: s.journal, port: 0, now: () => SERVER_NOW });
  if (!available && !process.env.CI) return;
  ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
test.after.always(async () => {
  await ctx?.close();
  await server?.close();
  s.cleanup();
  rmSync(profile, { recursive: true, force: true });
});

/** A page that records console errors, page errors, failed and foreign requests. */
async function watchedPage(origin: string): Promise<{ page: Page; problems: string[] }> {
  const page = await ctx.newPage();
  const problems: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('request', (r) => { if (!r.url().startsWith(origin)) problems.push(`foreign request: ${r.url()}`); });
  return { page, problems };
}

async function bars(page: Page): Promise<Record<string, number>> {
  const rendered = await page.$$eval('svg.death-weeks g.bar', (gs) => gs.map((g) => ({
    key: g.getAttribute('data-bucket')!,
    shown: Number(g.querySelector('text.count, text')!.textContent),
    height: Number(g.querySelector('rect')!.getAttribute('height')),
  })));
  // The number drawn above each bar is what a person reads; the tallest bar must carry the largest.
  const max = Math.max(...rendered.map((b) => b.shown));
  const tallest = Math.max(...rendered.map((b) => b.height));
  if (!rendered.filter((b) => b.height === tallest).every((b) => b.shown === max)) throw new Error(`the tallest bar is not the largest count: ${JSON.stringify(rendered)}`);
  const out: Record<string, number> = {};
  for (const b of rendered) if (b.shown > 0) out[b.key] = b.shown;
  return out;
}

btest('the fleet page loads without console errors and its chart shows the hosts per week until death', async (t) => {
  const { page, problems } = await watchedPage(server.url);
  await page.goto(server.url);
  await page.waitForSelector('body[data-view="fleet"]', { timeout: 15_000 });
  t.deepEqual(await bars(page), EXPECTED_BUCKETS);
  // The same counts the API reports (the chart is not hard-coded to the fixture).
  const api = await (await fetch(new URL('api/summary', server.url))).json() as { weeks: { buckets: { key: string; count: number }[] } };
  t.deepEqual(await bars(page), Object.fromEntries(api.weeks.buckets.filter((b) => b.count > 0).map((b) => [b.key, b.count])));
  const card = async (name: string) => page.$eval(`[data-card="${name}"] b`, (e) => e.textContent);
  t.is(await card('hosts'), String(FLEET.length));
  t.is(await card('critical'), '5');
  t.is(await card('non-compliant'), '1');
  t.is(await card('not checked'), '1');
  t.deepEqual(await page.$$eval('table.hosts tr[data-host]', (rows) => rows.slice(0, 3).map((r) => r.getAttribute('data-host'))), ['dead1', 'd1', 'd2']);
  t.is(await page.$$eval('svg.compliance g.run', (g) => g.length), 2, 'compliance over time: one bar per check run');
  t.deepEqual(await page.$$eval('table.runs tr[data-run]', (rows) => rows.map((r) => r.getAttribute('data-run'))), ['check-2', 'check-1']);
  t.deepEqual(problems, []);
  await page.close();
});

btest('a host\'s page shows its evidence: versions, libgomp, keys in use, reloads, and its assertions', async (t) => {
  const { page, problems } = await watchedPage(server.url);
  await page.goto(server.url);
  await page.waitForSelector('body[data-view="fleet"]');
  await page.click('table.hosts tr[data-host="d1"] a');
  await page.waitForSelector('body[data-view="host"]');
  t.is(page.url(), `${server.url}#/host/d1`);
  const evidence = Object.fromEntries(await page.$$eval('table.evidence tr[data-evidence]', (rows) => rows.map((r) => [r.getAttribute('data-evidence'), r.querySelector('td')!.textContent])));
  t.is(evidence['apache.version'], '2.4.62');
  t.is(evidence['apache.reloads'], '1012');
  t.is(evidence['php_extension.version'], '3.7.0');
  t.is(evidence['imagemagick.libgomp'], '/usr/lib/x86_64-linux-gnu/libgomp.so.1.0.0');
  t.regex(evidence.pthread_keys, /^1020 \(measured\): read from pid 3426/);
  t.regex(evidence.leak, /^leaking by keys-vs-reloads: 1020 keys in use after 1012 reloads/);
  t.regex(await page.textContent('#host-risk') ?? '', /risk: critical, keys in use 1020 \(measured\), reloads left 4, dies 2026-12-01/);

  await page.goto(`${server.url}#/host/st0`);
  await page.waitForFunction(() => document.querySelector('#host-name')?.textContent === 'st0');
  const row = await page.$$eval('table.assertions tr[data-assertion="single-thread"] td', (tds) => tds.map((td) => td.textContent));
  t.deepEqual(row.slice(0, 2), ['single-thread', 'non-compliant']);
  t.is(row[3], '{"facts.php_extension.apache.extension.setSingleThread.value":"0"}');
  t.is(await page.$$eval('table.history tr', (r) => r.length - 1), 2, 'both runs in its history');

  await page.goto(`${server.url}#/host/${encodeURIComponent('<img src=x onerror=alert(1)>')}`);
  await page.waitForSelector('body[data-view="error"]');
  t.regex(await page.textContent('#error') ?? '', /HTTP 404/);
  t.deepEqual(problems.filter((p) => !/404/.test(p)), [], 'only the deliberate 404 is reported');
  await page.close();
});

btest('the HTML report file opens offline: no requests, no console errors, the same chart', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'remediate-html-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const report = foldCheckReport(checkEvents('check-2', [...FLEET, { host: '<script>alert(1)</script>' }]), { now: SERVER_NOW });
  const file = path.join(dir, 'report.html');
  writeAtomic(file, renderHtml(report, { now: SERVER_NOW }));
  const { page, problems } = await watchedPage(`file://${file}`);
  await page.goto(`file://${file}`);
  t.deepEqual(await bars(page), EXPECTED_BUCKETS);
  t.is(await page.$$eval('table.hosts tr[data-host]', (r) => r.length), FLEET.length + 1);
  t.is(await page.$$eval('script', (s) => s.length), 0, 'the hostile host name stays text');
  await page.click('tr[data-host="st0"] summary');
  t.regex(await page.textContent('tr[data-host="st0"] table.assertions') ?? '', /single-threadfail.*setSingleThread\.value":"0"/);
  t.deepEqual(problems, []);
  await page.close();
});
