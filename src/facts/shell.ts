// Shell building blocks shared by the fact probes. POSIX sh (dash), coreutils, sed, awk, grep.
// Nothing here writes anywhere but stdout.

/**
 * Tagged template for shell text: raw (backslashes kept), `${x}` interpolates TS values (quote
 * them with shQuote), and `$\{` in the source becomes the shell's own `${` (parameter expansion).
 */
export function sh(strings: TemplateStringsArray, ...values: string[]): string {
  return String.raw(strings, ...values).replace(/\$\\\{/g, '${');
}

/** Fixed environment and the record helpers (see records.ts for the format). */
export const PRELUDE = sh`PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH
LC_ALL=C; export LC_ALL PATH
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
# One write per record: "$*" joins the fields with IFS's first character (a printf per field
# was a write(2) each under dash, with stdout a pipe).
rec() { __i=$IFS; IFS='|'; printf '%s\n' "$*"; IFS=$__i; }
has() { command -v "$1" >/dev/null 2>&1; }
cap() { __t=$1; shift
  if ! has "$1"; then printf '%s|@missing=%s\n' "$__t" "$1"; return 0; fi
  { "$@" 2>&1; printf '\n@rc=%s\n' "$?"; } | sed "s/^/$__t|/"; }
catrec() { __t=$1; shift; for __f in "$@"; do [ -r "$__f" ] && sed "s/^/$__t|/" "$__f"; done; return 0; }
`;

/**
 * Finds the Apache master: a pidfile whose pid is a live apache2/httpd process, else a live
 * apache2/httpd process whose parent is not one (scanning /proc, so procps is not required).
 * Sets M_PID (empty when none) and M_SRC; records `pidfile|path|pid|state` and `master|pid|source`.
 */
export const APACHE_MASTER = sh`apache_comm() { case $1 in apache2|httpd|apache2-*|httpd-*|httpd.*) return 0;; esac; return 1; }
apache_master() {
  M_PID=; M_SRC=
  # Found once per batch already (MASTER_SCAN_SHARED): replay its records.
  if [ -n "$\{REMEDIATE_MASTER_SCANNED-}" ]; then
    M_PID=$REMEDIATE_M_PID; M_SRC=$REMEDIATE_M_SRC
    [ -n "$REMEDIATE_MASTER_RECS" ] && printf '%s\n' "$REMEDIATE_MASTER_RECS"
    return 0
  fi
  for __f in /run/apache2/apache2.pid /var/run/apache2/apache2.pid /run/httpd/httpd.pid /var/run/httpd/httpd.pid /usr/local/apache2/logs/httpd.pid /etc/httpd/run/httpd.pid; do
    [ -r "$__f" ] || continue
    __p=; { read -r __p < "$__f"; } 2>/dev/null
    case $__p in ''|*[!0-9]*) rec pidfile "$__f" "" invalid; continue;; esac
    __c=; { read -r __c < "/proc/$__p/comm"; } 2>/dev/null
    if apache_comm "$__c"; then
      rec pidfile "$__f" "$__p" alive
      [ -z "$M_PID" ] && { M_PID=$__p; M_SRC="pidfile:$__f"; }
    else rec pidfile "$__f" "$__p" stale; fi
  done
  # pid:ppid of every apache process, and their pids as one " a b c " string: a parent is then
  # one case match (a prefork master has hundreds of workers: a loop over every pair was n*n tests).
  __all=; __pids=' '
  for __d in /proc/[0-9]*; do
    __c=; { read -r __c < "$__d/comm"; } 2>/dev/null
    apache_comm "$__c" || continue
    __s=; { read -r __s < "$__d/stat"; } 2>/dev/null
    __s=$\{__s##*) }
    set -- $__s
    __all="$__all $\{__d#/proc/}:$2"; __pids="$__pids$\{__d#/proc/} "
  done
  for __e in $__all; do
    case $__pids in *" $\{__e#*:} "*) continue;; esac
    rec master-candidate "$\{__e%%:*}"
    [ -z "$M_PID" ] && { M_PID=$\{__e%%:*}; M_SRC=proc; }
  done
  [ -n "$M_PID" ] && rec master "$M_PID" "$M_SRC"
  return 0
}
`;

/**
 * The batch-shared master scan (Fact.batchShared of the facts that call apache_master): one scan
 * of /proc per batch instead of one per fact. Exports the result and the records it printed.
 */
export const MASTER_SCAN_SHARED = sh`${PRELUDE}${APACHE_MASTER}
__ms=$(apache_master; printf '@@%s|%s' "$M_PID" "$M_SRC")
REMEDIATE_M_PID=$\{__ms##*@@}; REMEDIATE_M_SRC=$\{REMEDIATE_M_PID#*|}; REMEDIATE_M_PID=$\{REMEDIATE_M_PID%%|*}
REMEDIATE_MASTER_RECS=$\{__ms%@@*}; REMEDIATE_MASTER_RECS=$\{REMEDIATE_MASTER_RECS%"$__nl"}
REMEDIATE_MASTER_SCANNED=1
export REMEDIATE_M_PID REMEDIATE_M_SRC REMEDIATE_MASTER_RECS REMEDIATE_MASTER_SCANNED
`;
