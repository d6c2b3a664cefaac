// The `imagemagick` fact: OpenMP in ImageMagick, and above all the libgomp file the Apache master
// actually maps (/proc/PID/maps; through /proc/PID/map_files when the file was replaced or
// deleted), its identity and ABI markers, and the libgomp package version as a hint only.
import { classifyGompFile, classifyPackageVersion, type GompVerdict } from './libgomp.js';
import { parseDpkgQuery, parseRpmQuery } from './packages.js';
import { Records } from './records.js';
import { APACHE_MASTER, MASTER_SCAN_SHARED, PRELUDE, sh } from './shell.js';
import type { PhpExtensionFact } from './php-extension.js';
import { isUnknown, unknown, type Fact, type Maybe, type ProbeOutput } from './types.js';

export interface MappedGomp {
  path: string;
  range: string;
  /** maps says "(deleted)": the file was removed or replaced after the master loaded it. */
  deleted: boolean;
  /** sha256 of what the master maps (via map_files), null without root. */
  sha256: string | null;
  /** sha256 of the file now at `path` on disk. */
  diskSha256: string | null;
  /** The file on disk differs from the mapped one (an upgrade not yet picked up by a full restart). */
  replaced: boolean | null;
  versionNodes: string[];
  hasPauseResourceAll: boolean;
  gccComments: string[];
  verdict: GompVerdict;
}

export interface ImageMagickFact {
  /** OpenMP in ImageMagick: `convert -version` Features, else Imagick::getFeatures() (refine). */
  openmp: boolean | null;
  openmpSource: 'convert' | 'imagick-features' | null;
  convertVersion: string | null;
  features: string[] | null;
  masterPid: number | null;
  /** MagickCore libraries mapped by the master (imagick loaded in Apache). */
  magickCore: string[];
  /** The libgomp the master maps; null = it maps none (known), Unknown = could not look. */
  libgomp: Maybe<MappedGomp | null>;
  /** Installed libgomp package and what its version suggests (a hint only). */
  libgompPackage: { name: string; version: string; verdict: GompVerdict } | null;
  /** The master's LD_PRELOAD (from /proc/PID/environ); null = not set or unreadable. A
   *  preloaded libgomp stays resident across reloads, so its key is not leaked again. */
  preload: string[] | null;
  /** The mapped libgomp is in LD_PRELOAD (remedy 2 of incident.md). */
  gompPreloaded: boolean;
  /** Only when no master runs (it may have died of the leak): the libgomp.so.1 on the library
   *  path, the file a started master would load. */
  libgompOnDisk: DiskGomp | null;
  /** The libgomp file to keep resident (LD_PRELOAD): the one the master maps, else, with no
   *  master, the one on disk; null when neither is known. */
  gompPath: string | null;
}

export interface DiskGomp {
  path: string;
  sha256: string | null;
  versionNodes: string[];
  hasPauseResourceAll: boolean;
  gccComments: string[];
  verdict: GompVerdict;
}

function gompMarkers(strs: string[]): { versionNodes: string[]; hasPauseResourceAll: boolean; gccComments: string[] } {
  return {
    versionNodes: strs.filter((s) => /^(GOMP|GOACC|OACC|OMP)_[0-9.]+$/.test(s)),
    hasPauseResourceAll: strs.includes('omp_pause_resource_all'),
    gccComments: strs.filter((s) => s.startsWith('GCC: (')),
  };
}

export const IMAGEMAGICK_PROBE = sh`${PRELUDE}${APACHE_MASTER}
apache_master
if has convert; then cap convert convert -version; elif has magick; then cap convert magick -version; else rec convert-missing "neither convert nor magick"; fi
if has dpkg-query; then dpkg-query -W -f '$\{Package} $\{Version}\n' libgomp1 2>/dev/null | sed 's/^/dpkg|/'
elif has rpm; then rpm -q --qf '%{NAME} %{VERSION}-%{RELEASE}\n' libgomp 2>/dev/null | sed 's/^/rpm|/'; fi
# The ABI markers of a libgomp file: its version nodes, omp_pause_resource_all, GCC comments.
gomp_strs() { tr -c '[:print:]' '\n' < "$1" 2>/dev/null | grep -E '^(GOMP|GOACC|OACC|OMP)_[0-9.]+$|^omp_pause_resource_all$|^GCC: \(' | sort -u; }
if [ -z "$M_PID" ]; then
  rec no-master "no apache2/httpd process is running"
  # No master to ask (it may have died of the leak): the libgomp.so.1 a started master would load.
  for __p in /usr/lib/*-linux-gnu*/libgomp.so.1 /lib/*-linux-gnu*/libgomp.so.1 /usr/lib64/libgomp.so.1 /lib64/libgomp.so.1 /usr/lib/libgomp.so.1; do
    [ -e "$__p" ] || continue
    __r=$(readlink -f -- "$__p" 2>/dev/null) || __r=$__p
    __dh=$(sha256sum < "$__r" 2>/dev/null)
    rec disk-gomp "$\{__dh%% *}" "$__r"
    gomp_strs "$__r" | sed 's/^/disk-gomp-str|/'
    break
  done
  exit 0
fi
if ! __m=$(cat "/proc/$M_PID/maps" 2>&1); then rec maps-unreadable "$__m"; exit 0; fi
rec maps-ok "$M_PID"
__e=$(tr '\0' '\n' < "/proc/$M_PID/environ" 2>/dev/null | grep '^LD_PRELOAD=') && rec preload "$\{__e#LD_PRELOAD=}"
printf '%s\n' "$__m" | grep -E 'libgomp|[Mm]agick|/imagick\.so' | sed 's/^/map|/'
printf '%s\n' "$__m" | awk '$3 ~ /^0+$/ && $6 ~ /\/libgomp[^\/]*$/ { print $1 " " ($7 == "(deleted)" ? 1 : 0) " " $6 }' | while read -r __r __d __p; do
  __f=/proc/$M_PID/map_files/$__r; [ -r "$__f" ] || __f=/proc/$M_PID/root$__p
  __h=$(sha256sum < "$__f" 2>/dev/null); __dh=$(sha256sum < "$__p" 2>/dev/null)
  rec gomp "$__r" "$\{__h%% *}" "$\{__dh%% *}" "$__d" "$__p"
  gomp_strs "$__f" | sed "s/^/gomp-str|$__r|/"
done
exit 0
`;

/** `convert -version`: "Version: ImageMagick 6.9.11-60 …" and "Features: Cipher DPC Modules OpenMP(4.5)". */
export function parseConvertVersion(text: string): { version: string | null; features: string[] | null; openmp: boolean | null } {
  const version = /^Version: ImageMagick (\S+)/m.exec(text)?.[1] ?? null;
  const f = /^Features:(.*)$/m.exec(text);
  const features = f ? f[1].trim().split(/\s+/).filter(Boolean) : null;
  return { version, features, openmp: features ? hasOpenMP(features) : null };
}

export function hasOpenMP(features: readonly string[] | string): boolean {
  const list = typeof features === 'string' ? features.split(/\s+/) : features;
  return list.some((x) => /^OpenMP(\(|$)/.test(x));
}

function hex64(s: string | undefined): string | null {
  return s && /^[0-9a-f]{64}$/.test(s) ? s : null;
}

export function parseImageMagick(out: ProbeOutput): ImageMagickFact {
  const r = new Records(out.stdout);
  const conv = r.captured('convert');
  const cv = conv && conv.rc === 0 ? parseConvertVersion(conv.lines.join('\n')) : { version: null, features: null, openmp: null };
  const pkgs = [...parseDpkgQuery(r.all('dpkg').join('\n')), ...parseRpmQuery(r.all('rpm').join('\n'))].filter((p) => p.version);
  const pkg = pkgs[0];
  const libgompPackage = pkg && pkg.version ? { name: pkg.name, version: pkg.version, verdict: classifyPackageVersion(pkg.version) } : null;
  const m = r.fields('master', 2)[0];
  const masterPid = m ? Number(m[0]) : null;
  const maps = r.all('map');
  const magickCore = [...new Set(maps.map((l) => l.split(/\s+/)[5]).filter((p): p is string => !!p && /MagickCore/.test(p)))];
  let libgomp: ImageMagickFact['libgomp'];
  if (masterPid === null) libgomp = unknown(r.first('no-master') ?? 'no apache master');
  else if (r.has('maps-unreadable')) libgomp = unknown(`cannot read /proc/${masterPid}/maps (needs become): ${r.first('maps-unreadable')}`);
  else if (!r.has('maps-ok')) libgomp = unknown(`probe ended early (exit ${out.exitCode})`);
  else {
    const g = r.fields('gomp', 5)[0];
    if (!g) libgomp = null;
    else {
      const [range, sha, disk, del, path] = g;
      const strs = r.fields('gomp-str', 2).filter(([rg]) => rg === range).map(([, s]) => s);
      const markers = gompMarkers(strs);
      const sha256 = hex64(sha);
      const diskSha256 = hex64(disk);
      libgomp = {
        path, range, deleted: del === '1', sha256, diskSha256,
        replaced: del === '1' ? true : sha256 && diskSha256 ? sha256 !== diskSha256 : null,
        ...markers,
        verdict: classifyGompFile(markers),
      };
    }
  }
  const pre = r.first('preload');
  const preload = pre ? pre.split(/[\s:]+/).filter(Boolean) : null;
  const gomp = libgomp && !isUnknown(libgomp) ? libgomp.path : null;
  const gompPreloaded = !!preload && preload.some((p) => (gomp !== null && p === gomp) || /(^|\/)libgomp\.so[.\d]*$/.test(p));
  const dg = r.fields('disk-gomp', 2)[0];
  let libgompOnDisk: DiskGomp | null = null;
  if (dg && dg[1]?.startsWith('/')) {
    const markers = gompMarkers(r.all('disk-gomp-str'));
    libgompOnDisk = { path: dg[1], sha256: hex64(dg[0]), ...markers, verdict: classifyGompFile(markers) };
  }
  const gompPath = gomp ?? libgompOnDisk?.path ?? null;
  return { openmp: cv.openmp, openmpSource: cv.openmp === null ? null : 'convert', convertVersion: cv.version, features: cv.features, masterPid, magickCore, libgomp, libgompPackage, preload, gompPreloaded, libgompOnDisk, gompPath };
}

export const imagemagickFact: Fact<ImageMagickFact> = {
  name: 'imagemagick',
  // /proc/PID/maps and map_files of the root-owned master
  needsBecome: true,
  probe: () => IMAGEMAGICK_PROBE,
  batchShared: MASTER_SCAN_SHARED,
  parse: (out) => parseImageMagick(out),
  // No usable convert (php-imagick does not need it): take OpenMP from Imagick::getFeatures().
  async refine(v, ctx) {
    if (v.openmp !== null) return v;
    const ext = (ctx.facts.php_extension as PhpExtensionFact | undefined)?.apache?.extension;
    if (!ext || isUnknown(ext) || ext.openmp === null) return v;
    return { ...v, openmp: ext.openmp, openmpSource: 'imagick-features' };
  },
};
