// The `php_extension` fact (default: imagick) as APACHE's PHP loads it. Debian/Ubuntu give each
// SAPI its own php.ini and scan dir (/etc/php/X.Y/apache2/…), so the CLI's view is not Apache's:
// we run phpX.Y with -c <apache2 php.ini> and PHP_INI_SCAN_DIR=<apache2 conf.d>. RHEL shares
// /etc/php.ini and /etc/php.d between SAPIs.
import { shQuote } from '../transport/quote.js';
import { parseAptPolicy, parseDnfList, parseDpkgQuery, parsePeclList, parseRpmQuery, type Candidate, type InstalledPackage } from './packages.js';
import { Records } from './records.js';
import { PRELUDE, sh } from './shell.js';
import { unknown, type Fact, type FactContext, type Maybe, type ProbeOutput } from './types.js';

export interface IniFile {
  path: string;
  symlink: boolean;
  /** readlink -f of the path. */
  target: string;
}

export interface ApacheSapi {
  layout: 'debian' | 'rhel';
  /** X.Y for Debian layouts, null for RHEL's shared one. */
  phpVersion: string | null;
  /** Apache loads this PHP (mods-enabled/phpX.Y.load, or a LoadModule php line on RHEL). */
  enabledInApache: boolean;
  iniFile: string;
  scanDir: string;
  phpBinary: string | null;
  /** Extension as this SAPI's configuration loads it; Unknown when PHP could not be run. */
  extension: Maybe<ExtensionState>;
  /** The ini file(s) with an extension= line for it. */
  loadedBy: IniFile[];
  /** Files setting `<ext>.<key>` directives, with the line. */
  settings: { file: string; line: number; text: string }[];
}

export interface ExtensionState {
  loaded: boolean;
  version: string | null;
  /** imagick.set_single_thread: absent (Imagick < 3.5.0, or not loaded) or its value. */
  setSingleThread: { present: false } | { present: true; value: string };
  /** Imagick::getFeatures() split on spaces, null when the class is missing. */
  features: string[] | null;
  openmp: boolean | null;
  /** Every directive of the extension (ini_get_all). */
  ini: Record<string, string>;
  phpVersion: string | null;
  magickVersion: string | null;
}

export interface PhpExtensionFact {
  name: string;
  /** Every Apache SAPI configuration found; `apache` is the one Apache loads (or the only one). */
  sapis: ApacheSapi[];
  apache: ApacheSapi | null;
  packages: InstalledPackage[];
  candidates: Maybe<Candidate[]>;
  problems: string[];
}

const EXT_NAME = /^[A-Za-z0-9_]+$/;

export function extensionName(ctx: FactContext): string {
  const n = ctx.vars.php_extension_name ?? 'imagick';
  if (typeof n !== 'string' || !EXT_NAME.test(n)) throw new Error(`php_extension_name must match ${EXT_NAME}, got ${JSON.stringify(n)}`);
  return n;
}

// Prints the captured fixtures' three lines (version, var_dump of set_single_thread, features)
// between @begin/@end, then @-tagged extras. The extension name comes from the environment.
const PHP_CODE = String.raw`$e = getenv("REMEDIATE_EXT");
echo "@begin\n";
echo phpversion($e), "\n";
var_dump(ini_get($e . ".set_single_thread"));
echo class_exists("Imagick") ? Imagick::getFeatures() : "", "\n";
echo "@end\n";
echo "@php=", PHP_VERSION, "\n";
echo "@loaded=", extension_loaded($e) ? "1" : "0", "\n";
echo "@hasclass=", class_exists("Imagick") ? "1" : "0", "\n";
if (class_exists("Imagick")) { $v = Imagick::getVersion(); echo "@magick=", $v["versionString"], "\n"; }
$all = extension_loaded($e) ? ini_get_all($e, false) : array();
foreach ((array) $all as $k => $v) echo "@ini=", $k, "=", str_replace("\n", " ", (string) $v), "\n";
`;

export function phpExtensionProbe(ext: string): string {
  if (!EXT_NAME.test(ext)) throw new Error(`bad extension name ${JSON.stringify(ext)}`);
  return sh`${PRELUDE}EXT=${shQuote(ext)}
PHPCODE=${shQuote(PHP_CODE)}
probe_sapi() { # layout version enabled ini scandir
  rec sapi "$1" "$2" "$3" "$4" "$5"
  __php=
  [ -n "$2" ] && has "php$2" && __php=$(command -v "php$2")
  [ -z "$__php" ] && has php && __php=$(command -v php)
  if [ -n "$__php" ]; then
    rec php-bin "$__php"
    REMEDIATE_EXT=$EXT PHP_INI_SCAN_DIR=$5 "$__php" -c "$4" -r "$PHPCODE" 2>&1 | sed 's/^/php|/'
  else rec php-missing "no php$2 or php CLI to read the apache2 configuration with"; fi
  __ini=$4; __scan=$5; set --
  for __f in "$__ini" "$__scan"/*.ini; do
    [ -e "$__f" ] || continue
    if [ -L "$__f" ]; then rec inifile 1 "$(readlink -f -- "$__f")" "$__f"; else rec inifile 0 "$__f" "$__f"; fi
    [ -r "$__f" ] && set -- "$@" "$__f"
  done
  [ $# -gt 0 ] && awk -v ext="$EXT" 'FNR == 1 { print "inif|" FILENAME } $0 ~ ("^[ \t]*((zend_)?extension[ \t]*=|" ext "\\.)") { print "iniline|" FNR ":" $0 }' "$@"
  return 0
}
for __d in /etc/php/*/apache2; do
  [ -d "$__d" ] || continue
  __v=$\{__d#/etc/php/}; __v=$\{__v%/apache2}
  __en=0; for __l in "/etc/apache2/mods-enabled/php$__v.load" "/etc/apache2/mods-enabled/php$\{__v%%.*}.load"; do [ -e "$__l" ] && __en=1; done
  probe_sapi debian "$__v" "$__en" "$__d/php.ini" "$__d/conf.d"
done
if [ -r /etc/php.ini ] || [ -d /etc/php.d ]; then
  __en=0; cat /etc/httpd/conf.modules.d/*.conf /etc/httpd/conf.d/*.conf 2>/dev/null | grep -qiE '^[[:space:]]*LoadModule[[:space:]]+php' && __en=1
  probe_sapi rhel "" "$__en" /etc/php.ini /etc/php.d
fi
if has dpkg-query; then
  __vs=$(ls -1d /etc/php/*/ 2>/dev/null | sed -n 's|^/etc/php/\([0-9.]*\)/$|php\1-'"$EXT"'|p')
  __out=$(dpkg-query -W -f '$\{Package} $\{Version}\n' "php-$EXT" $__vs 2>&1)
  printf '%s\n' "$__out" | sed 's/^/dpkg|/'
  if has apt-cache; then
    __names=$(printf '%s\n' "$__out" | awk 'NF >= 2 && $1 !~ /:$/ { print $1 }')
    [ -z "$__names" ] && __names="php-$EXT $__vs"
    apt-cache policy $__names 2>&1 | sed 's/^/policy|/'
  fi
fi
if has rpm; then rpm -q --qf '%{NAME} %{VERSION}-%{RELEASE}\n' "php-pecl-$EXT" "php-$EXT" 2>&1 | sed 's/^/rpm|/'; fi
if has dnf; then dnf -q -C list --available "php-pecl-$EXT" 2>&1 | sed 's/^/dnf|/'
elif has yum; then yum -q -C list available "php-pecl-$EXT" 2>&1 | sed 's/^/yum|/'; fi
if has pecl; then pecl list 2>/dev/null | sed 's/^/pecl|/'; fi
exit 0
`;
}

/** The three lines of `php -r` as captured in the fixtures: version, var_dump(ini_get(…)), features. */
export function parsePhpR(text: string): { version: string | null; setSingleThread: ExtensionState['setSingleThread']; features: string[] | null } {
  const [ver = '', dump = '', feat] = text.split('\n');
  const s = /^string\(\d+\) "(.*)"$/.exec(dump.trim());
  const features = feat === undefined || feat.trim() === '' ? null : feat.trim().split(/\s+/);
  return {
    version: ver.trim() || null,
    setSingleThread: s ? { present: true, value: s[1] } : { present: false },
    features,
  };
}

/** `php --ri imagick`: "imagick module version => 3.7.0" and the Directive table. */
export function parsePhpRi(text: string): { version: string | null; directives: Record<string, { local: string; master: string }> } {
  const version = /^\S+ module version => (\S+)$/m.exec(text)?.[1] ?? null;
  const directives: Record<string, { local: string; master: string }> = {};
  let inTable = false;
  for (const line of text.split('\n')) {
    if (/^Directive => Local Value => Master Value$/.test(line)) { inTable = true; continue; }
    const m = /^(\S+) => (.*) => (.*)$/.exec(line);
    if (inTable && m) directives[m[1]] = { local: m[2], master: m[3] };
  }
  return { version, directives };
}

/** Does this ini line load the extension? `extension=imagick.so`, `extension="imagick"`, `extension=/x/imagick.so`. */
export function loadsExtension(line: string, ext: string): boolean {
  const m = /^\s*(?:zend_)?extension\s*=\s*"?([^";\s]+)"?\s*(?:;.*)?$/.exec(line);
  if (!m) return false;
  const base = m[1].split('/').pop() as string;
  return base === ext || base === `${ext}.so` || base === `php_${ext}.dll`;
}

function parseSapis(r: Records, ext: string): ApacheSapi[] {
  const sapis: ApacheSapi[] = [];
  let cur: ApacheSapi | null = null;
  let php: string[] = [];
  let ini: IniFile | null = null;
  const files = new Map<string, IniFile>();
  const finish = () => {
    if (!cur) return;
    cur.extension = cur.phpBinary ? parsePhpOutput(php) : cur.extension;
    sapis.push(cur);
  };
  for (const rec of r.recs) {
    if (rec.tag === 'sapi') {
      finish();
      const [layout, ver, en, iniFile, scanDir] = rec.value.split('|');
      cur = { layout: layout === 'rhel' ? 'rhel' : 'debian', phpVersion: ver || null, enabledInApache: en === '1', iniFile, scanDir, phpBinary: null, extension: unknown('php not run'), loadedBy: [], settings: [] };
      php = [];
      continue;
    }
    if (!cur) continue;
    if (rec.tag === 'php-bin') cur.phpBinary = rec.value;
    else if (rec.tag === 'php-missing') cur.extension = unknown(rec.value);
    else if (rec.tag === 'php') php.push(rec.value);
    else if (rec.tag === 'inifile') {
      const [l, target, path] = rec.value.split('|');
      files.set(path ?? target, { path: path ?? target, symlink: l === '1', target });
    } else if (rec.tag === 'inif') {
      ini = files.get(rec.value) ?? { path: rec.value, symlink: false, target: rec.value };
    } else if (rec.tag === 'iniline' && ini) {
      const m = /^(\d+):(.*)$/.exec(rec.value);
      if (!m) continue;
      if (loadsExtension(m[2], ext)) { if (!cur.loadedBy.some((x) => x.path === ini!.path)) cur.loadedBy.push(ini); }
      else if (new RegExp(`^\\s*${ext}\\.`).test(m[2])) cur.settings.push({ file: ini.path, line: Number(m[1]), text: m[2].trim() });
    }
  }
  finish();
  return sapis;
}

export function parsePhpOutput(lines: readonly string[]): Maybe<ExtensionState> {
  const b = lines.indexOf('@begin');
  const e = lines.indexOf('@end');
  if (b < 0 || e < b) return unknown(`php did not run the probe: ${lines.slice(0, 3).join(' / ') || 'no output'}`);
  const three = parsePhpR(lines.slice(b + 1, e).join('\n'));
  const extra = (k: string) => lines.find((l) => l.startsWith(`@${k}=`))?.slice(k.length + 2) ?? null;
  const ini: Record<string, string> = {};
  for (const l of lines) {
    const m = /^@ini=([^=]+)=(.*)$/.exec(l);
    if (m) ini[m[1]] = m[2];
  }
  const loaded = extra('loaded') === '1';
  return {
    loaded,
    version: loaded ? three.version : null,
    setSingleThread: three.setSingleThread,
    features: extra('hasclass') === '1' ? three.features ?? [] : null,
    openmp: extra('hasclass') === '1' ? (three.features ?? []).some((f) => /^OpenMP(\(|$)/.test(f)) : null,
    ini,
    phpVersion: extra('php'),
    magickVersion: extra('magick'),
  };
}

export function parsePhpExtension(out: ProbeOutput, ext: string): PhpExtensionFact {
  const r = new Records(out.stdout);
  const problems: string[] = [];
  const sapis = parseSapis(r, ext);
  const enabled = sapis.filter((s) => s.enabledInApache);
  const apache = enabled[0] ?? (sapis.length === 1 ? sapis[0] : null);
  if (sapis.length === 0) problems.push('no Apache PHP configuration (/etc/php/X.Y/apache2 or /etc/php.ini)');
  else if (enabled.length === 0) problems.push('no PHP module is enabled in Apache');
  else if (enabled.length > 1) problems.push(`several PHP modules enabled in Apache: ${enabled.map((s) => s.phpVersion).join(', ')}`);
  const packages = [
    ...parseDpkgQuery(r.all('dpkg').join('\n')),
    ...parseRpmQuery(r.all('rpm').join('\n')),
    ...parsePeclList(r.all('pecl').join('\n')),
  ];
  let candidates: Maybe<Candidate[]>;
  if (r.has('policy')) candidates = parseAptPolicy(r.all('policy').join('\n'));
  else if (r.has('dnf') || r.has('yum')) {
    const text = r.all(r.has('dnf') ? 'dnf' : 'yum').join('\n');
    const c = parseDnfList(text, r.has('dnf') ? 'dnf' : 'yum');
    candidates = c.length || /No matching/i.test(text) ? c : unknown(`package manager gave no list: ${text.split('\n')[0]}`);
  } else candidates = unknown('no apt-cache, dnf or yum on the host');
  return { name: ext, sapis, apache, packages, candidates, problems };
}

export const phpExtensionFact: Fact<PhpExtensionFact> = {
  name: 'php_extension',
  probe: (ctx) => phpExtensionProbe(extensionName(ctx)),
  parse: (out, ctx) => parsePhpExtension(out, extensionName(ctx)),
};
