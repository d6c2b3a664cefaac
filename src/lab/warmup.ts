// Before a lab reports ready, its shell runs a workout on throwaway hosts: the first few hundred
// hosts of a fresh lab would otherwise pay for the JIT compiling the interpreter (five times the
// CPU of a warm run). The script exercises what probes typically do (functions, loops, case,
// command substitution, pipelines through sed/awk/grep, /proc and log reads, parameter trims);
// it is the lab's own, written from POSIX sh, not taken from the product.
import { generateFleet } from './fleet.js';
import { Host, type LabClock } from './host.js';
import { singleQuote } from './shell/builtins.js';

export const WORKOUT = `PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; export PATH
out() { printf '%s' "$1"; shift; for a in "$@"; do printf '|%s' "$a"; done; printf '\\n'; }
has() { command -v "$1" >/dev/null 2>&1; }
nl='
'
for f in /run/apache2/apache2.pid /run/httpd/httpd.pid /var/run/apache2/apache2.pid; do
  [ -r "$f" ] || continue
  p=; { read -r p < "$f"; } 2>/dev/null
  case $p in ''|*[!0-9]*) continue;; esac
  c=; { read -r c < "/proc/$p/comm"; } 2>/dev/null
  out pid "$f" "$p" "$c"
done
all=
for d in /proc/[0-9]*; do
  s=; { read -r s < "$d/stat"; } 2>/dev/null
  s=\${s##*) }
  set -- $s
  all="$all \${d#/proc/}:$2"
done
for e in $all; do [ "\${e%%:*}" = 1 ] && out init "\${e#*:}"; done
out clock "$(date +%s)" "$(uname -r)" "$(id -u)"
for t in apt-get dnf dpkg-query rpm; do has "$t" && out tool "$t"; done
[ -r /etc/os-release ] && sed 's/^/osr|/' /etc/os-release
o=$( { { sh -c 'cat /etc/hostname; ls /etc | head -n 3; echo err >&2; exit 3' 4>&-; printf '\\n%s' "$?"; } 2>&1 1>&3 3>&- | sed 's/^/|/' >&4; } 4>&1 3>&1 )
rc=\${o##*"$nl"}; o=\${o%"$nl"*}
printf '%s\\n' "$o" | awk -F'|' '{ n++ } /^\\|/ { print "line|" $2 } END { print "n|" n }'
for l in /var/log/apache2/error.log /var/log/httpd/error_log; do
  [ -r "$l" ] || continue
  ls -1tr -- "$l" "$l".* 2>/dev/null | while IFS= read -r f; do
    case $f in *.gz) gzip -dc -- "$f";; *) cat -- "$f";; esac 2>/dev/null | grep -E 'AH00(171|163)' | awk '{ print "log|" $0 }' | tail -n 2
  done
done
for f in /etc/apache2/apache2.conf /etc/httpd/conf/httpd.conf; do
  [ -r "$f" ] && awk 'BEGIN { IGNORECASE = 0 } { l = tolower($0) } l ~ /^[ \\t]*(listen|include)/ { n = split(l, w, /[ \\t]+/); print "cfg|" FNR ":" n }' "$f"
done
x=$(printf '%s\\n' a b c | sort -r | tr 'a-z' 'A-Z' | wc -l)
test "$x" -gt 1 && i=0 && while [ $i -lt 3 ]; do i=$((i + 1)); done
exit 0
`;

/**
 * An inventory script of the kind fleet tools send (the lab's own, written for the warm-up):
 * sections run as nested `sh -c` under sudo with their stdout and stderr captured apart,
 * helper functions, /proc walks, config and log scans with awk, sed and grep, package queries,
 * PHP, and a memory read. Typical scripts run in the order of a thousand shell commands, and
 * the JIT only settles after a few hundred of them: without this the first ~300 hosts of a
 * fresh lab cost ~2.5x what later hosts do.
 */
const SECTION = `PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH; LC_ALL=C; export LC_ALL PATH
emit() { printf '%s' "$1"; shift; for v in "$@"; do printf ';%s' "$v"; done; printf '\\n'; }
exists() { command -v "$1" >/dev/null 2>&1; }
run() { t=$1; shift; if ! exists "$1"; then emit "$t" missing "$1"; return 0; fi; { "$@" 2>&1; printf '\\nrc=%s\\n' "$?"; } | sed "s/^/$t;/"; }
svc() { case $1 in apache2|httpd|apache2-*|httpd.*) return 0;; esac; return 1; }
pids=
for d in /proc/[0-9]*; do
  c=; { read -r c < "$d/comm"; } 2>/dev/null
  svc "$c" || continue
  s=; { read -r s < "$d/stat"; } 2>/dev/null; s=\${s##*) }
  set -- $s
  pids="$pids \${d#/proc/}:$2"
done
main=
for e in $pids; do pp=\${e#*:}; top=1; for o in $pids; do [ "\${o%%:*}" = "$pp" ] && top=0; done; [ $top = 1 ] && [ -z "$main" ] && main=\${e%%:*}; done
emit main "$main" "$(date +%s)" "$(date +%z)" "$(uname -m)" "$(id -u)"
if [ -n "$main" ]; then
  a=$(ps -o lstart=,etimes= -p "$main" 2>/dev/null) && emit ps "$a"
  emit exe "$(readlink "/proc/$main/exe" 2>/dev/null)" "$(getconf CLK_TCK 2>/dev/null)"
  m=$(cat "/proc/$main/maps" 2>&1) || m=
  printf '%s\\n' "$m" | grep -E 'libgomp|libc|[Mm]agick|\\.so' | sed 's/^/map;/' | head -n 5
  printf '%s\\n' "$m" | awk '$3 ~ /^0+$/ && $6 ~ /\\/lib(c|gomp|pthread)[^\\/]*$/ { print $1 " " $6 }' | while read -r r p; do
    h=$(sha256sum < "/proc/$main/map_files/$r" 2>/dev/null) || h=$(sha256sum < "$p" 2>/dev/null) || h=
    emit lib "$r" "\${h%% *}" "$p"
    b=$(( 0x\${r%%-*} + 4096 ))
    [ $(( b % 512 )) -eq 0 ] && x=$(dd if="/proc/$main/mem" bs=512 skip="$(( b / 512 ))" count=2 2>/dev/null | od -An -v -tx8 -w1024) && emit mem "\${#x}"
  done
  tr '\\0' '\\n' < "/proc/$main/environ" 2>/dev/null | grep '^LD_' | sed 's/^/env;/'
fi
bin=
for c in /usr/sbin/apache2 /usr/sbin/httpd /usr/local/bin/httpd; do [ -x "$c" ] && { bin=$c; break; }; done
[ -n "$bin" ] && { ( [ -r /etc/apache2/envvars ] && . /etc/apache2/envvars; "$bin" -V ) 2>&1 | sed 's/^/ver;/'; d=$( ( [ -r /etc/apache2/envvars ] && . /etc/apache2/envvars; "$bin" -t -D DUMP_INCLUDES -D DUMP_MODULES ) 2>&1); emit dump "$?"; }
files=$(printf '%s\\n' "$d" | sed -n 's/^ *([0-9*]*) \\(\\/.*\\)$/\\1/p')
[ -z "$files" ] && files=$(ls -1d /etc/apache2/*.conf /etc/apache2/mods-enabled/*.load /etc/httpd/conf/*.conf /etc/httpd/conf.d/*.conf 2>/dev/null)
cfg=$(printf '%s\\n' "$files" | { set --; while IFS= read -r f; do [ -r "$f" ] && set -- "$@" "$f"; done
  [ $# -gt 0 ] && awk 'FNR == 1 { print "file;" FILENAME } { l = tolower($0) } l ~ /^[ \\t]*(listen|<location|sethandler|errorlog|loadmodule)([ \\t>]|$)/ { n = split(l, w, /[ \\t]+/); sub(/^[ \\t]+/, "", l); print "cfg;" FNR ":" n ":" l }' "$@"; })
printf '%s\\n' "$cfg" | awk -F';' '/^cfg;/ { t = $2; sub(/^[0-9]+:[0-9]+:/, "", t); split(t, w, / /); if (w[1] == "listen" && !seen[w[2]]++) print "port;" w[2] }'
set -f; for u in $(printf '%s\\n' "$cfg" | sed -n 's/^cfg;[0-9]*:[0-9]*:listen \\([0-9]*\\).*/\\1/p' | sort -u); do
  exists curl && b=$(curl -gsS -m 5 "http://127.0.0.1:$u/server-status?auto" 2>&1) && case $b in *Uptime*) printf '%s\\n' "$b" | sed 's/^/status;/'; break;; esac
done; set +f
for l in /var/log/apache2/error.log /var/log/httpd/error_log; do
  [ -e "$l" ] || continue
  ls -1tr -- "$l" "$l".* "$l"-* 2>/dev/null | while IFS= read -r f; do
    printf '\\n@@ %s\\n' "$f"
    case $f in *.gz) gzip -dc -- "$f";; *) cat -- "$f";; esac 2>/dev/null
  done | awk '/^@@ / { print "log-file;" substr($0, 4); next } /AH00[0-9]+|caught|resuming/ { n++; if (n < 4) print "log;" $0 }'
done
if exists dpkg-query; then dpkg-query -W -f '\${Package} \${Version}\\n' 'libgomp1' 'php*-imagick' 2>&1 | sed 's/^/dpkg;/'; exists apt-cache && apt-cache policy php-imagick 2>&1 | sed 's/^/policy;/'
elif exists rpm; then rpm -q --qf '%{NAME} %{VERSION}-%{RELEASE}\\n' libgomp php-pecl-imagick 2>&1 | sed 's/^/rpm;/'; fi
run cv convert -version
for g in /usr/lib/*-linux-gnu/libgomp.so.1 /usr/lib64/libgomp.so.1; do [ -e "$g" ] && { tr -c '[:print:]' '\\n' < "$g" | grep -E '^(GOMP|OMP)_[0-9.]+$|^GCC: ' | sort -u | sed 's/^/gomp;/'; break; }; done
for i in /etc/php/*/apache2/conf.d/*.ini /etc/php.d/*.ini; do [ -r "$i" ] && grep -H -E '^[[:space:]]*(extension|imagick\\.)' "$i" | sed 's/^/ini;/'; done
exists php && php -r 'echo PHP_VERSION, " ", extension_loaded("imagick") ? "yes" : "no", " ", ini_get("imagick.set_single_thread"), "\\n";' 2>&1 | sed 's/^/php;/'
[ -r /etc/logrotate.conf ] && grep -E '^[[:space:]]*(daily|weekly)' /etc/logrotate.conf | sed 's/^/rot;/'
exit 0
`;

/** The sections, each captured as such tools do (stderr through sed, stdout and status after). */
export const INVENTORY_WORKOUT = ['a', 'b'].map((name) => `exec 4>&1
nl='
'
printf '== %s\\n' ${name}
o=$( { { sh -c ${singleQuote(SECTION)} 4>&-; printf '\\n%s' "$?"; } 2>&1 1>&3 3>&- | sed 's/^/!/' >&4; } 3>&1 )
rc=\${o##*"$nl"}; o=\${o%"$nl"*}
printf '%s\\n' "$o" | sed 's/^/|/'
printf '== end %s %s\\n' ${name} "$rc"
`).join('');

/** Run the workout `rounds` times over one throwaway host per distro of the profile's first hosts. */
export function warmUp(clock: LabClock, rounds = 6, inventoryRounds = 8): void {
  const specs = generateFleet({ hosts: 40, profile: 'mixed', seed: 0x5eed, basePort: 0 });
  const seen = new Set<string>();
  const hosts: Host[] = [];
  for (const s of specs) {
    if (seen.has(s.distro)) continue;
    seen.add(s.distro);
    hosts.push(new Host({ ...s, name: `warmup-${s.index}` }, clock));
  }
  for (let r = 0; r < rounds; r++) for (const h of hosts) h.run(WORKOUT, { user: r % 2 ? 'root' : 'lab' });
  const asRoot = `sudo -n sh -c ${singleQuote(INVENTORY_WORKOUT)}`;
  for (let r = 0; r < inventoryRounds; r++) for (const h of hosts) h.run(asRoot, { user: 'lab' });
}
