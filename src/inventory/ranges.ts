// Host ranges and `host:port` splitting, ported from ansible/parsing/utils/addresses.py and
// ansible/plugins/inventory/__init__.py (expand_hostname_range) so every quirk matches.

export class HostRangeError extends Error {}

const NUMERIC_RANGE = String.raw`\[(?:[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const HEX_RANGE = String.raw`\[(?:[0-9a-f]+:[0-9a-f]+)(?::[0-9]+)?\]`;
const ALNUM_RANGE = String.raw`\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const IPV6_COMPONENT = `(?:[0-9a-f]{1,4}|${HEX_RANGE})`;
const IPV4_COMPONENT = `(?:[01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]|${NUMERIC_RANGE})`;
// Python's \w with re.UNICODE
const W = String.raw`[\p{L}\p{N}_]`;
const LABEL = `(?:${W}|${ALNUM_RANGE})(?:[\\p{L}\\p{N}_-]|${ALNUM_RANGE})*(?<![_-])`;

const I6 = IPV6_COMPONENT;
const I4 = IPV4_COMPONENT;
const PATTERNS = {
  bracketedHostport: /^\[(.+)\]:([0-9]+)$/,
  hostport: /^((?:[^:[\]]|\[[^\]]*\])*):([0-9]+)$/,
  ipv4: new RegExp(`^(?:${I4}\\.){3}${I4}$`, 'i'),
  ipv6: new RegExp(
    '^(?:' +
      [
        `(?:${I6}:){7}${I6}`,
        `(?:${I6}:){1,6}:`,
        `(?:${I6}:)(?::${I6}){1,6}`,
        `(?:${I6}:){2}(?::${I6}){1,5}`,
        `(?:${I6}:){3}(?::${I6}){1,4}`,
        `(?:${I6}:){4}(?::${I6}){1,3}`,
        `(?:${I6}:){5}(?::${I6}){1,2}`,
        `(?:${I6}:){6}(?::${I6})`,
        `:(?::${I6}){1,6}`,
        `${I6}?::`,
        `(?:0:){6}(?:${I6}\\.){3}${I6}`,
        `::(?:ffff:)?(?:${I6}\\.){3}${I6}`,
        `(?:0:){5}ffff:(?:${I6}\\.){3}${I6}`,
      ].join('|') +
      ')$',
    'i',
  ),
  hostname: new RegExp(`^${LABEL}(?:\\.${LABEL})*$`, 'iu'),
};

/** The ipv4/ipv6 matchers, for inventory_hostname_short (an address is never shortened). */
export function isIpAddress(name: string): boolean {
  return PATTERNS.ipv4.test(name) || PATTERNS.ipv6.test(name);
}

/**
 * parse_address(address, allow_ranges): `{ host, port }`, or null where Python raises
 * ("Not a valid network hostname" / "Detected range in host but was asked to ignore ranges").
 */
export function parseAddress(address: string, allowRanges: boolean): { host: string; port?: number } | null {
  let port: number | undefined;
  // Python loops over both patterns without breaking: a bracketed form is unwrapped first.
  for (const re of [PATTERNS.bracketedHostport, PATTERNS.hostport]) {
    const m = re.exec(address);
    if (m) {
      address = m[1];
      port = parseInt(m[2], 10);
    }
  }
  const ok = PATTERNS.ipv4.test(address) || PATTERNS.ipv6.test(address) || PATTERNS.hostname.test(address);
  if (!ok) return null;
  if (!allowRanges && address.includes('[')) return null;
  return port === undefined ? { host: address } : { host: address, port };
}

/** BaseInventoryPlugin._expand_hostpattern: host names (ranges expanded) and an optional port. */
export function expandHostPattern(pattern: string): { hosts: string[]; port?: number } {
  const parsed = parseAddress(pattern, true);
  const base = parsed ? parsed.host : pattern;
  const hosts = base.includes('[') ? expandHostnameRange(base) : [base];
  return parsed?.port === undefined ? { hosts } : { hosts, port: parsed.port };
}

const ASCII_LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

function pyInt(s: string): number {
  // int() accepts surrounding whitespace, a sign and underscores between digits
  const t = s.trim();
  if (!/^[-+]?[0-9](?:_?[0-9])*$/.test(t)) throw new HostRangeError(`invalid literal for int() with base 10: '${s}'`);
  return parseInt(t.replace(/_/g, ''), 10);
}

/** expand_hostname_range: the first [..] range is expanded, then the rest recursively. */
export function expandHostnameRange(line: string): string[] {
  const out: string[] = [];
  const first = line.indexOf('[');
  const close = line.indexOf(']', first + 1);
  if (first < 0 || close < 0) {
    throw new HostRangeError(`host range must be enclosed in [ ] (found ${JSON.stringify(line)})`);
  }
  const head = line.slice(0, first);
  const nrange = line.slice(first + 1, close);
  const tail = line.slice(close + 1);
  // Python splits on '|' after replacing the first [ and ]: any other '|' breaks the unpacking.
  if (head.includes('|') || nrange.includes('|') || tail.includes('|')) {
    throw new HostRangeError(`too many values to unpack in host range ${JSON.stringify(line)}`);
  }
  const bounds = nrange.split(':');
  if (bounds.length !== 2 && bounds.length !== 3) throw new HostRangeError('host range must be begin:end or begin:end:step');
  let beg = bounds[0];
  const end = bounds[1];
  const step = bounds.length === 2 ? 1 : pyInt(bounds[2]);
  if (!beg) beg = '0';
  if (!end) throw new HostRangeError('host range must specify end value');
  let fill = (x: string | number): string => String(x);
  if (beg[0] === '0' && beg.length > 1) {
    const rlen = beg.length;
    if (rlen !== end.length) throw new HostRangeError('host range must specify equal-length begin and end formats');
    fill = (x) => zfill(String(x), rlen);
  }
  let seq: Array<string | number>;
  // Python uses ascii_letters.index(): a substring search, so 'ab' is a valid "letter" too.
  const iBeg = ASCII_LETTERS.indexOf(beg);
  const iEnd = ASCII_LETTERS.indexOf(end);
  if (iBeg >= 0 && iEnd >= 0) {
    if (iBeg > iEnd) throw new HostRangeError('host range must have begin <= end');
    if (step === 0) throw new HostRangeError('slice step cannot be zero');
    seq = [];
    if (step > 0) for (let k = iBeg; k <= iEnd; k += step) seq.push(ASCII_LETTERS[k]);
  } else {
    const b = pyInt(beg);
    const e = pyInt(end) + 1;
    if (step === 0) throw new HostRangeError('range() arg 3 must not be zero');
    seq = [];
    if (step > 0) for (let k = b; k < e; k += step) seq.push(k);
    else for (let k = b; k > e; k += step) seq.push(k);
  }
  for (const r of seq) {
    const name = head + fill(r) + tail;
    if (name.includes('[')) for (const n of expandHostnameRange(name)) out.push(n);
    else out.push(name);
  }
  return out;
}

function zfill(s: string, width: number): string {
  if (s.length >= width) return s;
  const sign = s[0] === '-' || s[0] === '+' ? s[0] : '';
  const digits = sign ? s.slice(1) : s;
  return sign + '0'.repeat(width - s.length) + digits;
}
