// Webhook delivery to a real local HTTP server: retries with backoff, giving up, never blocking.
import test from 'ava';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { alertChange, alertSetOf, alertText, createNotifier, safeUrl } from '../../src/check/notify.js';

interface Receiver { url: string; bodies: unknown[]; hits: number; close(): Promise<void> }

/** Answers with the given statuses in turn (the last one repeats), after an optional delay. */
async function receiver(statuses: number[], delayMs = 0): Promise<Receiver> {
  const r: Receiver = { url: '', bodies: [], hits: 0, close: async () => undefined };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const status = statuses[Math.min(r.hits, statuses.length - 1)];
      r.hits++;
      if (status < 300) r.bodies.push({ ...JSON.parse(body), _contentType: req.headers['content-type'] });
      setTimeout(() => res.writeHead(status).end(), delayMs);
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/T0KEN-SECRET`;
  r.close = () => new Promise((ok) => { server.close(() => ok()); server.closeAllConnections(); });
  return r;
}

test('alert sets: non-compliant and at-risk hosts; a change is what was added or removed', (t) => {
  const rows = [
    { host: 'a', status: 'non-compliant' as const, risk: 'safe' as const },
    { host: 'b', status: 'compliant' as const, risk: 'critical' as const },
    { host: 'c', status: 'compliant' as const, risk: 'at-risk' as const },
    { host: 'd', status: 'unreachable' as const, risk: null },
    { host: 'e', status: 'compliant' as const, risk: 'unknown' as const },
  ];
  const s = alertSetOf(rows);
  t.deepEqual(s, { non_compliant: ['a'], at_risk: ['b', 'c'], could_not_check: ['d'] });
  t.is(alertChange(s, { non_compliant: ['a'], at_risk: ['b', 'c'], could_not_check: ['d'] }), null, 'same sets: no alert');
  const c = alertChange(s, { non_compliant: ['a', 'f'], at_risk: ['c'], could_not_check: ['d'] })!;
  t.deepEqual(c.non_compliant, { added: ['f'], removed: [], now: ['a', 'f'] });
  t.deepEqual(c.at_risk, { added: [], removed: ['b'], now: ['c'] });
  t.is(alertText(c, 'run-9'), 'remediate check run-9: 2 non-compliant (+1: f), 1 at risk (-1), 1 could not be checked');
  const blind = alertChange(s, { non_compliant: ['a'], at_risk: ['b', 'c'], could_not_check: ['d', 'g'] })!;
  t.truthy(blind, 'a host that stops answering alerts: it is a blind spot');
  t.deepEqual(blind.could_not_check, { added: ['g'], removed: [], now: ['d', 'g'] });
  t.is(alertText(blind, 'run-10'), 'remediate check run-10: 1 non-compliant, 2 at risk, 2 could not be checked (+1: g)');
  t.truthy(alertChange(null, s), 'first run with findings alerts');
  t.is(alertChange(null, { non_compliant: [], at_risk: [], could_not_check: [] }), null, 'first run, nothing found: quiet');
  t.is(alertText(alertChange(null, { non_compliant: ['a'], at_risk: [], could_not_check: [] })!, 'run-1'), 'remediate check run-1: 1 non-compliant (+1: a), 0 at risk', 'nobody unchecked: not mentioned');
});

test('delivered after retries: 503, 503, then 200, with growing backoff; send() never waits', async (t) => {
  const rx = await receiver([503, 503, 200], 100);
  t.teardown(rx.close);
  const lines: string[] = [];
  const n = createNotifier({ url: rx.url, log: (l) => lines.push(l), retries: 4, backoffMs: 20 });
  const t0 = performance.now();
  n.send({ event: 'remediate.check.changed', run_id: 'r1' }, 'alert r1');
  t.true(performance.now() - t0 < 50, 'send returns before any delivery');
  t.is(rx.hits, 0);
  await n.idle();
  t.deepEqual(n.results, [true]);
  t.is(rx.hits, 3);
  t.like(rx.bodies[0], { event: 'remediate.check.changed', run_id: 'r1', _contentType: 'application/json' });
  t.deepEqual(lines.filter((l) => /retrying in/.test(l)).map((l) => /retrying in (\d+) ms/.exec(l)![1]), ['20', '40']);
  t.regex(lines[lines.length - 1], /alert r1 delivered \(HTTP 200 after 2 retries\)/);
  t.false(lines.some((l) => l.includes('T0KEN')), 'the URL path (a token) is never logged');
});

test('gives up after the last retry against a dead receiver, and later alerts still go out in order', async (t) => {
  const dead = await receiver([200]);
  const url = dead.url;
  await dead.close(); // nothing listens there now: connection refused
  const lines: string[] = [];
  const n = createNotifier({ url, log: (l) => lines.push(l), retries: 2, backoffMs: 5 });
  n.send({ n: 1 }, 'first');
  n.send({ n: 2 }, 'second');
  await n.idle();
  t.deepEqual(n.results, [false, false]);
  t.is(lines.filter((l) => /first attempt \d failed \(.*ECONNREFUSED/.test(l)).length, 2);
  t.regex(lines.find((l) => /first not delivered/.test(l))!, /after 3 attempts .*giving up/);
  t.true(lines.findIndex((l) => /first not delivered/.test(l)) < lines.findIndex((l) => /second attempt 1/.test(l)), 'in order');
});

test('a 4xx answer is not retried; a slow receiver times out and is retried', async (t) => {
  const rx = await receiver([404]);
  t.teardown(rx.close);
  const lines: string[] = [];
  const n = createNotifier({ url: rx.url, log: (l) => lines.push(l), retries: 3, backoffMs: 5 });
  n.send({}, 'x');
  await n.idle();
  t.is(rx.hits, 1);
  t.regex(lines[0], /refused with HTTP 404; not retrying/);

  const slow = await receiver([200], 400);
  t.teardown(slow.close);
  const l2: string[] = [];
  const n2 = createNotifier({ url: slow.url, log: (l) => l2.push(l), retries: 1, backoffMs: 5, timeoutMs: 100 });
  n2.send({}, 'y');
  await n2.idle();
  t.deepEqual(n2.results, [false]);
  t.regex(l2[0], /y attempt 1 failed \(timed out\)/);
});

test('safeUrl keeps scheme, host and port only', (t) => {
  t.is(safeUrl('https://hooks.example.com/services/T000/B000/XXXX?token=1'), 'https://hooks.example.com/…');
  t.is(safeUrl('not a url'), '(invalid URL)');
});
