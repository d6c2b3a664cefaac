// The dashboard's HTTP server and JSON API over a seeded journal, through real HTTP requests.
import test from 'ava';
import http from 'node:http';
import { startServer, type Server } from '../../src/serve/server.js';
import { serveCommand } from '../../src/cli/commands/serve.js';
import type { Io } from '../../src/cli/io.js';
import { EXPECTED_BUCKETS, SERVER_NOW, seededFleet } from './fleet.js';

const s = seededFleet();
// A run with things that must never leave through the API.
s.journal.startRun({ id: 'apply-x', command: 'apply', user: 'ops', controllerHost: 'ctl', argv: ['apply', '-e', 'db_pass=MARKER-ARGV'], inventoryPaths: ['/srv/MARKER-INV'], connection: { hosts: { d1: { host: 'MARKER-CONN', port: 22 } as never } } });
let server: Server;
test.before(async () => {
  server = await startServer({ journal: s.journal, port: 0, now: () => SERVER_NOW });
});
test.after.always(async () => {
  await server?.close();
  s.cleanup();
});

async function get(path: string, init: RequestInit = {}) {
  const r = await fetch(new URL(path, server.url), init);
  return { status: r.status, headers: r.headers, text: await r.text() };
}

test('binds to loopback by default on a free port', (t) => {
  t.is(server.address.address, '127.0.0.1');
  t.regex(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
});

test('/api/summary: counts, the hosts-per-week-until-death buckets, compliance over time, the last runs', async (t) => {
  const r = await get('api/summary');
  t.is(r.status, 200);
  t.regex(r.headers.get('content-type')!, /^application\/json/);
  const sum = JSON.parse(r.text);
  t.is(sum.today, '2026-11-27');
  t.is(sum.hosts, 10);
  t.deepEqual(sum.status, { compliant: 8, 'non-compliant': 1, unreachable: 1 });
  t.deepEqual(sum.risk, { critical: 5, 'at-risk': 2, safe: 2 }); // critical: dead1, d1–d4 (within 30 days)
  const counts = Object.fromEntries(sum.weeks.buckets.filter((b: { count: number }) => b.count > 0).map((b: { key: string; count: number }) => [b.key, b.count]));
  t.deepEqual(counts, EXPECTED_BUCKETS);
  t.deepEqual(sum.weeks.buckets.find((b: { key: string }) => b.key === 'week 0').hosts.sort(), ['d1', 'd2']);
  t.deepEqual(sum.compliance.map((c: { run_id: string; counts: object }) => [c.run_id, c.counts]), [
    ['check-1', { compliant: 8, unreachable: 1 }],
    ['check-2', { compliant: 8, 'non-compliant': 1, unreachable: 1 }],
  ]);
  t.deepEqual(sum.runs.map((x: { id: string }) => x.id), ['check-2', 'check-1'], 'check runs only');
});

test('/api/hosts: hosts by risk, soonest death first', async (t) => {
  const hosts = JSON.parse((await get('api/hosts')).text);
  t.deepEqual(hosts.map((h: { host: string }) => h.host), ['dead1', 'd1', 'd2', 'd3', 'd4', 'd5', 'st0', 'safe1', 'safe2', 'gone']);
  t.like(hosts[1], { host: 'd1', risk: 'critical', keys_in_use: 1020, reloads_left: 4, forecast_death: '2026-12-01', run_id: 'check-2' });
});

test('/api/hosts/NAME: the evidence, the assertions with observed values, the keys trend', async (t) => {
  const d = JSON.parse((await get('api/hosts/st0')).text);
  t.is(d.latest.status, 'non-compliant');
  t.is(d.latest.evidence.php_extension.set_single_thread, '0');
  t.is(d.latest.evidence.apache.reloads, 500);
  t.is(d.latest.evidence.pthread_keys.keys_in_use, 508);
  t.deepEqual(d.assertions.map((a: { id: string; status: string }) => [a.id, a.status]), [['single-thread', 'non-compliant'], ['imagick-3.5', 'compliant']]);
  t.deepEqual(d.assertions[0].observed, { 'facts.php_extension.apache.extension.setSingleThread.value': '0' });
  t.deepEqual(d.history.map((h: { run_id: string; status: string }) => [h.run_id, h.status]), [['check-2', 'non-compliant'], ['check-1', 'compliant']]);
  const enc = await get(`api/hosts/${encodeURIComponent('no such/host')}`);
  t.is(enc.status, 404);
  t.regex(JSON.parse(enc.text).error, /no check results for host 'no such\/host'/);
});

test('read-only: other methods are refused; unknown paths are 404; HEAD has no body', async (t) => {
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
    const r = await get('api/summary', { method });
    t.is(r.status, 405, method);
    t.is(r.headers.get('allow'), 'GET, HEAD');
  }
  t.is((await get('nope')).status, 404);
  const h = await get('api/summary', { method: 'HEAD' });
  t.is(h.status, 200);
  t.is(h.text, '');
});

test('the page: self-contained, strict CSP pinning its inline script and style, no caching', async (t) => {
  const r = await get('');
  t.is(r.status, 200);
  const csp = r.headers.get('content-security-policy')!;
  t.regex(csp, /default-src 'none'; script-src 'sha256-[A-Za-z0-9+/]+=*'; style-src 'sha256-[A-Za-z0-9+/]+=*'; connect-src 'self'/);
  t.is(r.headers.get('x-content-type-options'), 'nosniff');
  t.is(r.headers.get('cache-control'), 'no-store');
  t.notRegex(r.text, /(src|href)="(https?:)?\/\//, 'nothing fetched from elsewhere');
});

test('a request naming another site in Host is refused (DNS rebinding), even on loopback', async (t) => {
  const status = await new Promise<number>((resolve) => {
    http.get({ host: '127.0.0.1', port: server.address.port, path: '/api/summary', headers: { host: 'evil.example:80' } }, (res) => { res.resume(); resolve(res.statusCode!); });
  });
  t.is(status, 421);
  const ok = await new Promise<number>((resolve) => {
    http.get({ host: '127.0.0.1', port: server.address.port, path: '/api/summary', headers: { host: `localhost:${server.address.port}` } }, (res) => { res.resume(); resolve(res.statusCode!); });
  });
  t.is(ok, 200);
});

test('no secrets: argv, inventory paths and connections of runs never leave through the API', async (t) => {
  const bodies = await Promise.all(['api/summary', 'api/hosts', 'api/runs', 'api/hosts/d1'].map(async (p) => (await get(p)).text));
  for (const b of bodies) t.notRegex(b, /MARKER/);
});

test('remediate serve: prints its URL, serves until the signal, then stops', async (t) => {
  let out = '';
  let err = '';
  const ac = new AbortController();
  const io: Io = { argv: [], out: (x) => void (out += x), err: (x) => void (err += x), isTTY: false, columns: 80, color: false, env: {}, cwd: s.dir, home: s.dir, user: 'ops', hostname: 'ctl', pid: process.pid, signal: ac.signal };
  const done = serveCommand({ journal: s.file, port: 0 }, io);
  while (!out.includes('\n')) await new Promise((r) => setTimeout(r, 20));
  const url = out.trim();
  t.regex(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  t.is((await fetch(new URL('healthz', url))).status, 200);
  ac.abort();
  t.is(await done, 0);
  t.regex(err, /serving the dashboard on http:\/\/127\.0\.0\.1:\d+\/\n.*stopped/s);
  await t.throwsAsync(fetch(new URL('healthz', url)));
});
