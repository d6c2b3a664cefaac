// The dashboard's embedded HTTP server (node:http): the page and its read-only JSON API over
// the journal. Loopback by default; on loopback it also refuses requests whose Host header
// names another site (DNS rebinding). GET and HEAD only; strict CSP with the inline script and
// style pinned by hash.
import http from 'node:http';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Journal } from '../journal/journal.js';
import { fleet, hostDetail, lastRuns, summary } from './api.js';
import { PAGE_CSS, PAGE_SCRIPT, pageHtml } from './page.js';

export interface ServeOptions {
  journal: Journal;
  /** Bind address (default 127.0.0.1). */
  host?: string;
  /** 0 = any free port. */
  port?: number;
  now?(): Date;
  /** One line per request problem / lifecycle event. */
  log?(line: string): void;
}

export interface Server {
  url: string;
  address: AddressInfo;
  close(): Promise<void>;
}

const sha = (s: string) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`;

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export function startServer(o: ServeOptions): Promise<Server> {
  const bind = o.host ?? '127.0.0.1';
  const now = o.now ?? (() => new Date());
  const page = pageHtml('remediate — fleet compliance');
  const csp = [
    "default-src 'none'",
    `script-src ${sha(PAGE_SCRIPT)}`,
    `style-src ${sha(PAGE_CSS)}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  const common = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'cache-control': 'no-store' };

  let allowedHosts: Set<string> | undefined;
  const server = http.createServer((req, res) => {
    const send = (status: number, type: string, body: string, extra: Record<string, string> = {}) => {
      res.writeHead(status, { ...common, 'content-type': type, 'content-length': Buffer.byteLength(body), ...extra });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    const json = (status: number, v: unknown) => send(status, 'application/json; charset=utf-8', JSON.stringify(v));
    try {
      if (allowedHosts && !allowedHosts.has((req.headers.host ?? '').toLowerCase())) return json(421, { error: 'unexpected Host header' });
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'application/json; charset=utf-8', JSON.stringify({ error: 'read-only: GET and HEAD only' }), { allow: 'GET, HEAD' });
      const url = new URL(req.url ?? '/', 'http://x');
      const p = url.pathname;
      if (p === '/' || p === '/index.html') return send(200, 'text/html; charset=utf-8', page, { 'content-security-policy': csp });
      if (p === '/api/summary') return json(200, summary(o.journal, now()));
      if (p === '/api/hosts') return json(200, fleet(o.journal));
      if (p.startsWith('/api/hosts/')) {
        let name: string;
        try { name = decodeURIComponent(p.slice('/api/hosts/'.length)); } catch { return json(400, { error: 'bad host name encoding' }); }
        const d = hostDetail(o.journal, name);
        return d ? json(200, d) : json(404, { error: `no check results for host '${name}'` });
      }
      if (p === '/api/runs') return json(200, lastRuns(o.journal));
      if (p === '/healthz') return send(200, 'text/plain; charset=utf-8', 'ok\n');
      return json(404, { error: `no such page: ${p}` });
    } catch (e) {
      o.log?.(`error serving ${req.method} ${req.url}: ${(e as Error).message}`);
      if (!res.headersSent) json(500, { error: 'internal error' });
      else res.destroy();
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, bind, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      if (isLoopback(bind)) allowedHosts = new Set([`${hostPart}:${address.port}`, `localhost:${address.port}`, `127.0.0.1:${address.port}`, `[::1]:${address.port}`].map((h) => h.toLowerCase()));
      const url = `http://${hostPart}:${address.port}/`;
      o.log?.(`serving the dashboard on ${url}${isLoopback(bind) ? '' : ' (not loopback: reachable from the network; read-only)'}`);
      resolve({
        url,
        address,
        close: () => new Promise<void>((r) => {
          server.close(() => r());
          server.closeAllConnections();
        }),
      });
    });
  });
}
