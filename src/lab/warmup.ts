// Before a lab reports ready, its shell runs a workout on throwaway hosts: the first few hundred
// hosts of a fresh lab would otherwise pay for the JIT compiling the interpreter (five times the
// CPU of a warm run). The script exercises what probes typically do (functions, loops, case,
// command substitution, pipelines through sed/awk/grep, /proc and log reads, parameter trims);
// it is the lab's own, written from POSIX sh, not taken from the product.
import { generateFleet } from './fleet.js';
import { Host, type LabClock } from './host.js';

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

/** Run the workout `rounds` times over one throwaway host per distro of the profile's first hosts. */
export function warmUp(clock: LabClock, rounds = 6): void {
  const specs = generateFleet({ hosts: 40, profile: 'mixed', seed: 0x5eed, basePort: 0 });
  const seen = new Set<string>();
  const hosts: Host[] = [];
  for (const s of specs) {
    if (seen.has(s.distro)) continue;
    seen.add(s.distro);
    hosts.push(new Host({ ...s, name: `warmup-${s.index}` }, clock));
  }
  for (let r = 0; r < rounds; r++) for (const h of hosts) h.run(WORKOUT, { user: r % 2 ? 'root' : 'lab' });
}
