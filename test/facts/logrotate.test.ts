import test from 'ava';
import { parseLogrotate } from '../../src/facts/logrotate.js';
import { fixture } from './helpers.js';

test('Ubuntu 20.04 logrotate (captured in the layout listing): daily, reloads the master', (t) => {
  const layout = fixture('layout-ubuntu2004.txt');
  const conf = layout.slice(layout.indexOf('/var/log/apache2/*.log {'));
  const r = parseLogrotate('/etc/logrotate.d/apache2', conf);
  t.like(r, { frequency: 'daily', reloadsMaster: true, reloadsPerDay: 1, sizeConditional: false, frequencyFromDefault: false });
  t.regex(r.postrotate ?? '', /invoke-rc\.d apache2 reload/);
  t.notRegex(r.postrotate ?? '', /run-parts/, 'prerotate is not postrotate');
});

test('Debian 12 logrotate (captured): daily, reloads through invoke-rc.d', (t) => {
  t.like(parseLogrotate('/etc/logrotate.d/apache2', fixture('logrotate-apache2-debian12.txt')), { frequency: 'daily', reloadsMaster: true, reloadsPerDay: 1 });
});

const SYNTHETIC: [string, string, ReturnType<typeof parseLogrotate>['frequency'] | 'default', boolean, number | null][] = [
  ['RHEL httpd: systemctl reload', '/var/log/httpd/*log {\n    missingok\n    notifempty\n    sharedscripts\n    delaycompress\n    postrotate\n        /bin/systemctl reload httpd.service > /dev/null 2>/dev/null || true\n    endscript\n}', 'default', true, 1 / 7],
  ['CentOS 6 httpd: /sbin/service httpd reload, weekly', '/var/log/httpd/*log {\n    weekly\n    postrotate\n        /sbin/service httpd reload > /dev/null 2>/dev/null || true\n    endscript\n}', 'weekly', true, 1 / 7],
  ['apachectl graceful, hourly', '/var/log/apache2/*.log {\n hourly\n postrotate\n  apachectl graceful\n endscript\n}', 'hourly', true, 24],
  ['kill -USR1 from the pidfile', '/x/*.log {\n daily\n postrotate\n  kill -USR1 `cat /run/apache2/apache2.pid`\n endscript\n}', 'daily', true, 1],
  ['apachectl restart is SIGHUP: keeps the master', '/x/*.log {\n monthly\n postrotate\n  /usr/sbin/apachectl restart\n endscript\n}', 'monthly', true, 12 / 365.25],
  ['systemctl restart: a full restart, no accumulation', '/x/*.log {\n daily\n postrotate\n  systemctl restart apache2\n endscript\n}', 'daily', false, 0],
  ['copytruncate, no postrotate', '/x/*.log {\n daily\n copytruncate\n}', 'daily', false, 0],
];
for (const [name, text, freq, reloads, perDay] of SYNTHETIC) {
  test(`synthetic: ${name}`, (t) => {
    const r = parseLogrotate('/etc/logrotate.d/httpd', text, 'weekly');
    t.is(r.frequency, freq === 'default' ? 'weekly' : freq);
    t.is(r.frequencyFromDefault, freq === 'default');
    t.is(r.reloadsMaster, reloads);
    t.is(r.reloadsPerDay, perDay);
  });
}

test('synthetic: size-conditional rotation is flagged', (t) => {
  t.true(parseLogrotate('f', '/x/*.log {\n daily\n maxsize 100M\n postrotate\n  apachectl graceful\n endscript\n}').sizeConditional);
});
