import test from 'ava';
import { setIniValue, unquote } from '../../src/modules/ini-text.js';

// Debian's mods-available/imagick.ini as shipped by php8.2-imagick 3.7.0-4.
const DEBIAN_IMAGICK = '; configuration for php imagick module\n; priority=20\nextension=imagick.so\n';

const cases: { name: string; text: string | null; section?: string; key: string; value: string; spaces?: boolean; want: string | { error: RegExp } }[] = [
  { name: 'new file, no section', text: null, key: 'imagick.set_single_thread', value: '1', want: 'imagick.set_single_thread = 1\n' },
  { name: 'new file, section', text: null, section: 'Service', key: 'Environment', value: 'LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libgomp.so.1', spaces: false, want: '[Service]\nEnvironment="LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libgomp.so.1"\n' },
  { name: 'append to Debian imagick.ini', text: DEBIAN_IMAGICK, key: 'imagick.set_single_thread', value: '1', want: DEBIAN_IMAGICK + 'imagick.set_single_thread = 1\n' },
  { name: 'replace value, keep spacing', text: 'a=1\nimagick.set_single_thread  =  0 ; off\nb=2\n', key: 'imagick.set_single_thread', value: '1', want: 'a=1\nimagick.set_single_thread  =  1\nb=2\n' },
  { name: 'already set (quoted) is unchanged', text: 'imagick.set_single_thread = "1"\n', key: 'imagick.set_single_thread', value: '1', want: 'imagick.set_single_thread = "1"\n' },
  { name: 'last occurrence decides', text: 'k = 1\nk = 0\n', key: 'k', value: '1', want: 'k = 1\nk = 1\n' },
  { name: 'last occurrence already right', text: 'k = 0\nk = 1\n', key: 'k', value: '1', want: 'k = 0\nk = 1\n' },
  { name: 'below commented default', text: ';k = 0\nother = 2\n', key: 'k', value: '1', want: ';k = 0\nk = 1\nother = 2\n' },
  { name: 'no section: PHP ignores [PHP]-like headers', text: 'x = 1\n\n[PHP]\nk = 0\n', key: 'k', value: '1', want: 'x = 1\n\n[PHP]\nk = 1\n' },
  { name: 'no section: appended before [PATH=…]', text: '[PHP]\nx = 1\n\n[PATH=/www]\nk = 0\n', key: 'k', value: '1', want: '[PHP]\nx = 1\nk = 1\n\n[PATH=/www]\nk = 0\n' },
  { name: 'section: replace inside it', text: '[a]\nk = 0\n[b]\nk = 0\n', section: 'b', key: 'k', value: '1', want: '[a]\nk = 0\n[b]\nk = 1\n' },
  { name: 'section: append at its end', text: '[a]\nx = 1\n\n[b]\ny = 2\n', section: 'a', key: 'k', value: '1', want: '[a]\nx = 1\nk = 1\n\n[b]\ny = 2\n' },
  { name: 'section missing: added', text: 'x = 1\n', section: 'Service', key: 'k', value: 'v', want: 'x = 1\n\n[Service]\nk = v\n' },
  { name: 'no trailing newline', text: 'x = 1', key: 'k', value: '1', want: 'x = 1\nk = 1\n' },
  { name: 'CRLF kept', text: 'x = 1\r\n', key: 'k', value: '1', want: 'x = 1\r\nk = 1\r\n' },
  { name: 'value with ; is quoted', text: null, key: 'k', value: 'a;b', want: 'k = "a;b"\n' },
  { name: 'value with a double quote is refused', text: null, key: 'k', value: 'a"b', want: { error: /double quote/ } },
];

for (const c of cases) {
  test(`setIniValue: ${c.name}`, (t) => {
    const r = setIniValue(c.text, { section: c.section, key: c.key, value: c.value, spaces: c.spaces });
    if (typeof c.want === 'string') {
      if ('error' in r) return t.fail(r.error);
      t.is(r.text, c.want);
      // Idempotent: a second edit changes nothing.
      const again = setIniValue(r.text, { section: c.section, key: c.key, value: c.value, spaces: c.spaces });
      t.true(!('error' in again) && again.text === r.text);
    } else {
      t.true('error' in r && c.want.error.test(r.error));
    }
  });
}

for (const [raw, want] of [['1', '1'], ['"1"', '1'], ["'a b'", 'a b'], ['1 ; comment', '1'], ['"a;b" ; c', 'a;b'], ['  On  ', 'On']] as const) {
  test(`unquote ${JSON.stringify(raw)}`, (t) => t.is(unquote(raw), want));
}
