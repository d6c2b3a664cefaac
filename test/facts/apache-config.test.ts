import test from 'ava';
import { httpListens, parseConfig, parseListenArgs, statusUrls, type ConfigLine } from '../../src/facts/apache-config.js';
import { STATUS_CANDIDATES_SH } from '../../src/facts/apache.js';
import { runSh } from './helpers.js';

const LISTEN: [string, ReturnType<typeof parseListenArgs>][] = [
  ['80', { address: null, port: 80, proto: null }],
  ['127.0.0.1:8080', { address: '127.0.0.1', port: 8080, proto: null }],
  ['[::]:80', { address: '[::]', port: 80, proto: null }],
  ['[2001:db8::a00:20ff:fea7:ccea]:80', { address: '[2001:db8::a00:20ff:fea7:ccea]', port: 80, proto: null }],
  ['443 https', { address: null, port: 443, proto: 'https' }],
  ['192.0.2.1:8443 HTTPS', { address: '192.0.2.1', port: 8443, proto: 'https' }],
  ['0.0.0.0:81', { address: '0.0.0.0', port: 81, proto: null }],
  ['::1:80', null],
  ['99999', null],
  ['', null],
  ['abc', null],
];
for (const [args, want] of LISTEN) test(`Listen ${JSON.stringify(args)}`, (t) => t.deepEqual(parseListenArgs(args), want));

const lines = (file: string, text: string): ConfigLine[] => text.split('\n').map((l, i) => ({ file, line: i + 1, text: l }));

test("Debian's ports.conf (captured on Debian 12): 80 active, 443 only under ssl/gnutls", (t) => {
  const ports = 'Listen 80\n\n<IfModule ssl_module>\n\tListen 443\n</IfModule>\n\n<IfModule mod_gnutls.c>\n\tListen 443\n</IfModule>';
  const without = parseConfig(lines('/etc/apache2/ports.conf', ports), new Set(['status_module', 'mpm_prefork_module']), new Set());
  t.deepEqual(without.listens.map((l) => [l.port, l.active, l.conditions]), [[80, true, []], [443, false, ['IfModule ssl_module']], [443, false, ['IfModule mod_gnutls.c']]]);
  t.deepEqual(statusUrls(without), ['http://127.0.0.1:80/server-status?auto']);
  const withSsl = parseConfig(lines('/etc/apache2/ports.conf', ports), new Set(['ssl_module']), new Set());
  t.true(withSsl.listens[1].active);
  t.deepEqual(httpListens(withSsl.listens).map((l) => l.port), [80], 'Listen 443 without a protocol is https');
  const unknownModules = parseConfig(lines('/etc/apache2/ports.conf', ports), null, null);
  t.is(unknownModules.listens[1].active, null);
});

test('status URL never assumes 80: Listen 127.0.0.1:8080, [::]:8081, 8443 https, custom Location (synthetic)', (t) => {
  const conf = [
    ...lines('/etc/httpd/conf/httpd.conf', 'Listen 127.0.0.1:8080\nListen [::]:8081\nListen 8443 https\n<IfModule !mpm_event_module>\nListen 8082\n</IfModule>'),
    ...lines('/etc/httpd/conf.d/status.conf', '<Location "/status-x">\n    SetHandler server-status\n</Location>'),
  ];
  const c = parseConfig(conf, new Set(['mpm_prefork_module', 'status_module']), new Set());
  t.deepEqual(c.statusPaths, ['/status-x']);
  t.deepEqual(statusUrls(c), ['http://127.0.0.1:8080/status-x?auto', 'http://[::1]:8081/status-x?auto', 'http://127.0.0.1:8082/status-x?auto']);
  const event = parseConfig(conf, new Set(['mpm_event_module']), new Set());
  t.deepEqual(statusUrls(event), ['http://127.0.0.1:8080/status-x?auto', 'http://[::1]:8081/status-x?auto']);
});

test('IfDefine and nesting: blocks do not leak across files (synthetic)', (t) => {
  const conf = [
    ...lines('/a.conf', '<IfDefine SSL>\n<IfModule ssl_module>\nListen 9443 http\n</IfModule>\n</IfDefine>\n<IfDefine !SSL>\nListen 9080\n'),
    ...lines('/b.conf', 'Listen 9081'),
  ];
  const c = parseConfig(conf, new Set(['ssl_module']), new Set(['SSL']));
  t.deepEqual(c.listens.map((l) => [l.port, l.active]), [[9443, true], [9080, false], [9081, true]]);
});

// The shell's first guess (what it fetches) must agree with the parser's derivation.
const SHELL_CASES: [string, string[]][] = [
  ['Listen 80', ['http://127.0.0.1:80/server-status?auto']],
  ['Listen 127.0.0.1:8080\nListen 443 https\nListen 443', ['http://127.0.0.1:8080/server-status?auto']],
  ['Listen [::]:8081\nListen 0.0.0.0:8082 http', ['http://[::1]:8081/server-status?auto', 'http://127.0.0.1:8082/server-status?auto']],
  ['Listen 10.0.0.5:80\n<Location /st>\nSetHandler server-status\n</Location>', ['http://10.0.0.5:80/st?auto']],
];
for (const [conf, want] of SHELL_CASES) {
  test(`shell candidates = parser's for ${JSON.stringify(conf)}`, (t) => {
    const cfg = ['cfgfile|/etc/x.conf', ...conf.split('\n').map((l, i) => `cfg|${i + 1}:${l}`)].join('\n');
    const r = runSh(`set -f\n__cfg='${cfg}'\n${STATUS_CANDIDATES_SH}\nprintf '%s\\n' $__urls`);
    t.deepEqual(r.stdout.trim().split('\n'), want);
    t.deepEqual(statusUrls(parseConfig(lines('/etc/x.conf', conf), null, null)), want);
  });
}
