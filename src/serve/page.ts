// The dashboard: one self-contained page (inline CSS and script, nothing fetched from elsewhere)
// that reads the JSON API. Views: the fleet (status counts, compliance over time, hosts per week
// until death, hosts by risk, last runs) and one host (#/host/NAME: its evidence, assertions and
// keys trend). Data is only ever inserted as text nodes, never as HTML.

export const PAGE_CSS = `
body{font:14px system-ui,sans-serif;margin:0;color:#111;background:#f8fafc}
header{background:#111827;color:#fff;padding:10px 20px}header a{color:#fff;text-decoration:none;font-weight:600}
main{padding:16px 20px}h2{font-size:16px;margin:20px 0 8px}
table{border-collapse:collapse;background:#fff}td,th{padding:4px 10px;border-bottom:1px solid #e5e7eb;text-align:left;vertical-align:top}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{background:#fff;border:1px solid #e5e7eb;border-radius:6px;padding:8px 14px;min-width:110px}
.card b{display:block;font-size:22px}.critical,.non-compliant{color:#b91c1c;font-weight:600}.at-risk{color:#b45309}.safe,.compliant{color:#15803d}
.unreachable,.error{color:#7f1d1d}.waived{color:#0e7490}.muted{color:#6b7280}svg text{font-family:system-ui,sans-serif}
#error{color:#b91c1c}code{font-size:12px}
`;

export const PAGE_SCRIPT = `
(function () {
  'use strict';
  var app = document.getElementById('app');
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) { e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return e;
  }
  function svg(tag, attrs, text) {
    var e = document.createElementNS('http://www.w3.org/2000/svg', tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, String(attrs[k])); });
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function show(v) { return v === null || v === undefined ? '-' : typeof v === 'object' ? JSON.stringify(v) : String(v); }
  function get(path) {
    return fetch(path, { headers: { accept: 'application/json' } }).then(function (r) {
      if (!r.ok) throw new Error(path + ': HTTP ' + r.status);
      return r.json();
    });
  }
  function table(head, rows, cls) {
    var t = el('table', cls ? { 'class': cls } : null, [el('tr', null, head.map(function (h) { return el('th', null, [h]); }))]);
    rows.forEach(function (r) { t.appendChild(r); });
    return t;
  }
  function hostLink(h) { return el('a', { href: '#/host/' + encodeURIComponent(h) }, [h]); }

  function chart(weeks) {
    var bw = 46, gap = 8, h = 190, top = 22, bottom = 40;
    var max = Math.max.apply(null, [1].concat(weeks.buckets.map(function (b) { return b.count; })));
    var width = weeks.buckets.length * (bw + gap) + gap;
    var s = svg('svg', { 'class': 'death-weeks', width: width, height: h, viewBox: '0 0 ' + width + ' ' + h, role: 'img', 'aria-label': 'hosts per week until death' });
    weeks.buckets.forEach(function (b, i) {
      var x = gap + i * (bw + gap), bh = Math.round(b.count / max * (h - top - bottom)), y = h - bottom - bh;
      var g = svg('g', { 'class': 'bar', 'data-bucket': b.key, 'data-count': b.count });
      g.appendChild(svg('title', {}, b.label + (b.from ? ' (from ' + b.from + ')' : '') + ': ' + b.count + ' host(s)'));
      g.appendChild(svg('rect', { x: x, y: y, width: bw, height: bh, fill: b.key === 'dead' ? '#7f1d1d' : (b.key === 'week 0' || b.key === 'week 1') ? '#dc2626' : b.key === 'later' ? '#9ca3af' : '#f59e0b' }));
      g.appendChild(svg('text', { 'class': 'count', x: x + bw / 2, y: y - 5, 'text-anchor': 'middle', 'font-size': 12 }, String(b.count)));
      g.appendChild(svg('text', { 'class': 'label', x: x + bw / 2, y: h - bottom + 14, 'text-anchor': 'middle', 'font-size': 10 }, b.label));
      if (b.from) g.appendChild(svg('text', { x: x + bw / 2, y: h - bottom + 27, 'text-anchor': 'middle', 'font-size': 9, fill: '#6b7280' }, b.from.slice(5)));
      s.appendChild(g);
    });
    return s;
  }

  function complianceChart(points) {
    var keys = ['compliant', 'waived', 'non-compliant', 'unreachable', 'error'];
    var colors = { compliant: '#16a34a', waived: '#0891b2', 'non-compliant': '#dc2626', unreachable: '#7f1d1d', error: '#4b5563' };
    var bw = 14, gap = 4, h = 110;
    var max = Math.max.apply(null, [1].concat(points.map(function (p) { return keys.reduce(function (a, k) { return a + (p.counts[k] || 0); }, 0); })));
    var width = Math.max(60, points.length * (bw + gap) + gap);
    var s = svg('svg', { 'class': 'compliance', width: width, height: h, viewBox: '0 0 ' + width + ' ' + h, role: 'img', 'aria-label': 'compliance over time' });
    points.forEach(function (p, i) {
      var x = gap + i * (bw + gap), y = h;
      var g = svg('g', { 'class': 'run', 'data-run': p.run_id });
      g.appendChild(svg('title', {}, p.at + ': ' + keys.map(function (k) { return (p.counts[k] || 0) + ' ' + k; }).join(', ')));
      keys.forEach(function (k) {
        var n = p.counts[k] || 0; if (!n) return;
        var bh = n / max * (h - 4); y -= bh;
        g.appendChild(svg('rect', { x: x, y: y, width: bw, height: bh, fill: colors[k] }));
      });
      s.appendChild(g);
    });
    return s;
  }

  function fleetView() {
    return Promise.all([get('api/summary'), get('api/hosts')]).then(function (res) {
      var sum = res[0], hosts = res[1];
      app.textContent = '';
      var cards = el('div', { 'class': 'cards', id: 'cards' });
      [['hosts', sum.hosts, ''], ['compliant', sum.status.compliant || 0, 'compliant'], ['non-compliant', sum.status['non-compliant'] || 0, 'non-compliant'],
       ['waived', sum.status.waived || 0, 'waived'], ['not checked', (sum.status.unreachable || 0) + (sum.status.error || 0), 'error'],
       ['critical', sum.risk.critical || 0, 'critical'], ['at risk', sum.risk['at-risk'] || 0, 'at-risk']].forEach(function (c) {
        cards.appendChild(el('div', { 'class': 'card', 'data-card': c[0] }, [el('b', { 'class': c[2] }, [String(c[1])]), c[0]]));
      });
      app.appendChild(cards);
      app.appendChild(el('h2', null, ['Hosts per week until death (from ' + sum.today + ')']));
      app.appendChild(chart(sum.weeks));
      if (sum.weeks.noForecast.length) app.appendChild(el('p', { 'class': 'muted' }, ['At risk without a date (reload rate unknown): ' + sum.weeks.noForecast.join(', ')]));
      app.appendChild(el('h2', null, ['Compliance over time']));
      app.appendChild(compliance(sum.compliance));
      app.appendChild(el('h2', null, ['Hosts by risk']));
      app.appendChild(table(['host', 'risk', 'status', 'keys in use', 'reloads left', 'dies', 'checked'], hosts.map(function (h) {
        return el('tr', { 'data-host': h.host }, [el('td', null, [hostLink(h.host)]), el('td', { 'class': h.risk || '' }, [show(h.risk)]), el('td', { 'class': h.status }, [h.status]),
          el('td', null, [show(h.keys_in_use) + (h.keys_kind === 'estimate' ? '~' : '')]), el('td', null, [show(h.reloads_left)]), el('td', null, [h.dead ? 'died ' + show(h.forecast_death) : show(h.forecast_death)]), el('td', { 'class': 'muted' }, [h.at])]);
      }), 'hosts'));
      app.appendChild(el('h2', null, ['Last runs']));
      app.appendChild(table(['run', 'status', 'started', 'hosts', 'playbook'], sum.runs.map(function (r) {
        return el('tr', { 'data-run': r.id }, [el('td', null, [el('code', null, [r.id])]), el('td', null, [r.status]), el('td', null, [r.started]), el('td', null, [String(r.hosts)]), el('td', null, [show(r.playbook)])]);
      }), 'runs'));
    });
  }
  function compliance(points) {
    if (!points.length) return el('p', { 'class': 'muted' }, ['no check runs yet']);
    return complianceChart(points);
  }

  function evidenceRows(ev) {
    var rows = [];
    function add(k, v) { rows.push(el('tr', { 'data-evidence': k }, [el('th', null, [k]), el('td', null, [show(v)])])); }
    if (ev.os !== undefined) add('os', ev.os);
    ['apache', 'php_extension', 'imagemagick'].forEach(function (sect) {
      if (!ev[sect]) return;
      Object.keys(ev[sect]).forEach(function (k) { add(sect + '.' + k, ev[sect][k]); });
    });
    if (ev.pthread_keys) add('pthread_keys', ev.pthread_keys.keys_in_use + ' (' + ev.pthread_keys.kind + '): ' + ev.pthread_keys.detail);
    if (ev.leak) add('leak', (ev.leak.leaking === null ? 'undecided' : ev.leak.leaking ? 'leaking' : 'no leak') + (ev.leak.evidence ? ' by ' + ev.leak.evidence : '') + ': ' + ev.leak.detail);
    return rows;
  }

  function hostView(name) {
    return get('api/hosts/' + encodeURIComponent(name)).then(function (d) {
      var l = d.latest;
      app.textContent = '';
      app.appendChild(el('p', null, [el('a', { href: '#/' }, ['← fleet'])]));
      app.appendChild(el('h2', { id: 'host-name' }, [d.host]));
      app.appendChild(el('p', { id: 'host-status' }, [el('span', { 'class': l.status }, [l.status]), ' — ' + l.reason]));
      app.appendChild(el('p', { id: 'host-risk' }, ['risk: ', el('span', { 'class': l.risk || '' }, [show(l.risk)]), ', keys in use ' + show(l.keys_in_use) + (l.keys_kind ? ' (' + l.keys_kind + ')' : '') + ', reloads left ' + show(l.reloads_left) + ', dies ' + show(l.forecast_death)]));
      if (l.risk_reason) app.appendChild(el('p', { 'class': 'muted' }, [l.risk_reason]));
      app.appendChild(el('h2', null, ['Evidence']));
      app.appendChild(table(['what', 'value'], evidenceRows(l.evidence || {}), 'evidence'));
      app.appendChild(el('h2', null, ['Assertions']));
      app.appendChild(table(['assertion', 'result', 'expected', 'observed', 'note'], d.assertions.map(function (a) {
        return el('tr', { 'data-assertion': a.id }, [el('td', null, [a.id]), el('td', { 'class': a.status }, [a.status]), el('td', null, [el('code', null, [show(a.expected)])]),
          el('td', null, [el('code', null, [show(a.observed)])]), el('td', null, [a.waiver ? 'waived until ' + a.waiver.expires + ': ' + a.waiver.justification : show(a.msg)])]);
      }), 'assertions'));
      app.appendChild(el('h2', null, ['Keys in use over time' + (d.trend.growing ? ': GROWING +' + d.trend.delta + ' (leaking)' : '')]));
      app.appendChild(table(['checked', 'status', 'risk', 'keys in use', 'reloads left', 'dies'], d.history.map(function (h) {
        return el('tr', null, [el('td', null, [h.at]), el('td', { 'class': h.status }, [h.status]), el('td', null, [show(h.risk)]), el('td', null, [show(h.keys_in_use)]), el('td', null, [show(h.reloads_left)]), el('td', null, [show(h.forecast_death)])]);
      }), 'history'));
    });
  }

  function route() {
    var m = /^#\\/host\\/(.+)$/.exec(location.hash);
    var p = m ? hostView(decodeURIComponent(m[1])) : fleetView();
    document.body.setAttribute('data-view', 'loading');
    p.then(function () { document.body.setAttribute('data-view', m ? 'host' : 'fleet'); }, function (e) {
      app.textContent = '';
      app.appendChild(el('p', { id: 'error' }, [String(e && e.message || e)]));
      document.body.setAttribute('data-view', 'error');
    });
  }
  window.addEventListener('hashchange', route);
  route();
})();
`;

export function pageHtml(title: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title.replace(/[<>&"]/g, '')}</title>
<link rel="icon" href="data:,">
<style>${PAGE_CSS}</style></head>
<body data-view="loading"><header><a href="#/">remediate</a> <span class="muted">fleet compliance</span></header>
<main id="app"><p class="muted">loading…</p></main>
<script>${PAGE_SCRIPT}</script>
</body></html>
`;
}
