// Controlling Apache on a host, with or without systemd: the shell pieces (POSIX sh, run under
// dash) and pure parsers shared by the service and canary_reload modules.
//
// - init: systemd when /run/systemd/system exists (systemctl reload/restart), else apache2ctl /
//   apachectl (graceful, stop, start), else service(8) or invoke-rc.d.
// - master: the pidfile (Debian's from envvars, else the usual places) whose pid is a live
//   apache2/httpd process.
// - health: an HTTP GET with curl (or wget), retried; the status URL's ParentServerConfigGeneration
//   counts the reloads a master has taken.
import { shQuote } from '../transport/quote.js';
import type { HostContext } from './types.js';

export type ApacheName = 'apache2' | 'httpd';

export interface ApacheControl {
  name: ApacheName;
  systemd: boolean;
  /** APACHE_CONFDIR of a Debian multi-instance setup (then apache2ctl, not systemctl, acts on it). */
  confdir: string | null;
  /** apache2ctl or apachectl, when installed. */
  ctl: string | null;
  service: string | null;
  invokeRc: string | null;
  http: 'curl' | 'wget' | null;
  /** Live master pid (null: not running). */
  pid: number | null;
  /** `<ctl> -t` result, when asked for. */
  configTest: { ok: boolean; output: string } | null;
  /** `Listen` arguments from the main config files, in order. */
  listens: string[];
  /** ParentServerConfigGeneration from the status URL, when it answered. */
  generation: number | null;
  statusCode: string | null;
  errorLog: string | null;
  /** Byte size of the error log now (a canary reads only what comes after). */
  errorLogSize: number | null;
  /** Host clock, epoch seconds. */
  clock: number | null;
}

/** Shell functions every script below starts with. Defines rec, has, master_pid, http_code, http_body, gen_of. */
export const CTL_PRELUDE = `PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH; LC_ALL=C; export PATH LC_ALL
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
rec() { printf '%s|%s\\n' "$1" "$2"; }
has() { command -v "$1" >/dev/null 2>&1; }
# A live apache2/httpd process (a zombie waiting for init to reap it is dead).
alive() {
  __s=; { read -r __s < "/proc/$1/stat"; } 2>/dev/null || return 1
  __c=$\{__s#*\(}; __c=$\{__c%%\)*}; __st=$\{__s##*\) }; __st=$\{__st%% *}
  [ "$__st" = Z ] && return 1
  case $__c in apache2|httpd|apache2-*|httpd-*|httpd.*) return 0;; esac; return 1
}
# Debian's envvars (of APACHE_CONFDIR's instance) names the pidfile; when it does, only that one counts.
ENVVARS=$\{APACHE_CONFDIR:-/etc/apache2}/envvars
envvar() { [ -r "$ENVVARS" ] && ( . "$ENVVARS" >/dev/null 2>&1; case $1 in APACHE_PID_FILE) printf '%s' "$APACHE_PID_FILE";; APACHE_LOG_DIR) printf '%s' "$APACHE_LOG_DIR";; esac ); }
master_pid() {
  P=
  __ef=$(envvar APACHE_PID_FILE)
  __list="/run/apache2/apache2.pid /var/run/apache2/apache2.pid /run/httpd/httpd.pid /var/run/httpd/httpd.pid /etc/httpd/run/httpd.pid /usr/local/apache2/logs/httpd.pid"
  [ -n "$__ef" ] && __list=$__ef
  for __f in $__list; do
    [ -r "$__f" ] || continue
    __p=; { read -r __p < "$__f"; } 2>/dev/null
    case $__p in ''|*[!0-9]*) continue;; esac
    alive "$__p" && { P=$__p; return 0; }
  done
  return 0
}
http_code() {
  if has curl; then curl -gsS -o /dev/null -w '%{http_code}' -m 5 "$1" 2>/dev/null || true
  elif has wget; then wget -q -S -O /dev/null -T 5 -t 1 "$1" 2>&1 | awk '/^  HTTP\\//{c=$2} END{printf "%03d", c+0}'
  else printf 'none'; fi
}
http_body() { if has curl; then curl -gsS -m 5 "$1" 2>/dev/null; elif has wget; then wget -q -O - -T 5 -t 1 "$1" 2>/dev/null; fi; }
gen_of() { http_body "$1" | sed -n 's/^ParentServerConfigGeneration: *\\([0-9][0-9]*\\).*/\\1/p' | head -n 1; }
# wait_health URL ATTEMPTS ANY: until the URL answers 2xx/3xx (ANY=1: any HTTP status), 0.2 s apart.
wait_health() {
  __i=0; H=000
  while [ $__i -lt "$2" ]; do
    H=$(http_code "$1")
    case $H in 2??|3??) return 0;; none) return 1;; 000|'') ;; *) [ "$3" = 1 ] && return 0;; esac
    __i=$((__i + 1)); sleep 0.2
  done
  return 1
}
`;

export interface ControlProbeOpts {
  name: ApacheName | 'auto';
  statusUrl?: string;
  configTest?: boolean;
  /** Error log to size (a canary); 'auto' finds Debian's or RHEL's default. */
  errorLog?: string | 'auto';
}

/** Read-only: how to control Apache here, its master, generation and error log size. */
export function controlProbeScript(o: ControlProbeOpts): string {
  const log = o.errorLog === undefined ? '' : o.errorLog;
  return `${CTL_PRELUDE}
N=${shQuote(o.name)}
if [ "$N" = auto ]; then if has apache2ctl || has apache2 || [ -x /usr/sbin/apache2 ]; then N=apache2; else N=httpd; fi; fi
rec name "$N"
rec confdir "$APACHE_CONFDIR"
rec clock "$(date +%s)"
if [ -d /run/systemd/system ]; then rec systemd 1; else rec systemd 0; fi
for __c in apache2ctl apachectl; do has "$__c" && { rec ctl "$(command -v "$__c")"; break; }; done
has service && rec service "$(command -v service)"
has invoke-rc.d && rec invoke-rc.d "$(command -v invoke-rc.d)"
if has curl; then rec http curl; elif has wget; then rec http wget; fi
master_pid; rec pid "$P"
for __f in "$\{APACHE_CONFDIR:-/etc/apache2}/ports.conf" /etc/httpd/conf/httpd.conf /usr/local/apache2/conf/httpd.conf; do
  [ -r "$__f" ] && grep -iE '^[[:space:]]*listen[[:space:]]' "$__f" | sed 's/^[[:space:]]*[Ll][Ii][Ss][Tt][Ee][Nn][[:space:]]*/listen|/'
done
${o.configTest ? `__ctl=$(command -v apache2ctl || command -v apachectl)
if [ -n "$__ctl" ]; then __o=$("$__ctl" -t 2>&1); rec configtest-rc "$?"; printf '%s\\n' "$__o" | sed 's/^/configtest|/'; fi` : ''}
${o.statusUrl ? `__u=${shQuote(o.statusUrl)}; rec status-code "$(http_code "$__u")"; rec generation "$(gen_of "$__u")"` : ''}
L=${shQuote(log)}
if [ "$L" = auto ]; then L=; __ld=$(envvar APACHE_LOG_DIR); for __c in $\{__ld:+"$__ld/error.log"} /var/log/apache2/error.log /var/log/httpd/error_log /usr/local/apache2/logs/error_log; do [ -e "$__c" ] && { L=$__c; break; }; done; fi
if [ -n "$L" ]; then rec errorlog "$L"; [ -r "$L" ] && rec errorlog-size "$(wc -c < "$L" | tr -d ' ')"; fi
exit 0
`;
}

export function records(stdout: string, tag: string): string[] {
  const p = tag + '|';
  return stdout.split('\n').filter((l) => l.startsWith(p)).map((l) => l.slice(p.length));
}

const int = (v: string | undefined): number | null => (v !== undefined && /^\d+$/.test(v.trim()) ? Number(v.trim()) : null);

export function parseControlProbe(stdout: string): ApacheControl {
  const one = (t: string) => records(stdout, t)[0];
  const ct = one('configtest-rc');
  const http = one('http');
  return {
    name: one('name') === 'httpd' ? 'httpd' : 'apache2',
    systemd: one('systemd') === '1',
    confdir: one('confdir') || null,
    ctl: one('ctl') || null,
    service: one('service') || null,
    invokeRc: one('invoke-rc.d') || null,
    http: http === 'curl' || http === 'wget' ? http : null,
    pid: int(one('pid')),
    configTest: ct === undefined ? null : { ok: ct === '0', output: records(stdout, 'configtest').join('\n').trim() },
    listens: records(stdout, 'listen').map((l) => l.trim()),
    generation: int(one('generation')),
    statusCode: one('status-code') ?? null,
    errorLog: one('errorlog') || null,
    errorLogSize: int(one('errorlog-size')),
    clock: int(one('clock')),
  };
}

/** The first plain-HTTP Listen as a loopback URL: "8080" → http://127.0.0.1:8080. */
export function localBaseUrl(listens: readonly string[]): string | null {
  for (const l of listens) {
    const [addr, proto] = l.split(/\s+/);
    if (proto && proto.toLowerCase() !== 'http') continue;
    const m = /^(?:(\[[^\]]+\]|[^:]+):)?(\d+)$/.exec(addr ?? '');
    if (!m) continue;
    const port = Number(m[2]);
    if (port === 443 && !proto) continue;
    let host = m[1] ?? '127.0.0.1';
    if (host === '*' || host === '0.0.0.0') host = '127.0.0.1';
    if (host === '[::]') host = '[::1]';
    return `http://${host}:${port}`;
  }
  return null;
}

export type CtlAction = 'reload' | 'start' | 'stop';

/** The shell command for an action, by what the host has; null when nothing can do it. */
export function actionScript(c: ApacheControl, action: CtlAction): string | null {
  const n = shQuote(c.name);
  if (c.systemd && !(c.confdir && c.ctl)) return `systemctl ${action} ${n}`;
  if (c.ctl) return `${shQuote(c.ctl)} ${action === 'reload' ? 'graceful' : action}`;
  if (c.service) return `${shQuote(c.service)} ${n} ${action}`;
  if (c.invokeRc) return `${shQuote(c.invokeRc)} ${n} ${action}`;
  return null;
}

/** What actionScript will run, in words for plans. */
export function describeAction(c: ApacheControl, action: CtlAction): string {
  const s = actionScript(c, action);
  return s ?? `no way to ${action} ${c.name} (no systemctl, apache2ctl/apachectl, service or invoke-rc.d)`;
}

/** Wait (≤ seconds) until pid is gone; records `gone|1` or `gone|0`. */
export function waitGoneScript(pidVar: string, seconds: number): string {
  return `__w=0; while alive "$${pidVar}" && [ $__w -lt ${Math.round(seconds * 10)} ]; do sleep 0.1; __w=$((__w + 1)); done
if alive "$${pidVar}"; then rec gone 0; else rec gone 1; fi`;
}

/** Wait (≤ seconds) until a live master appears (a new one when OLD is set); records `pid|N`. */
export function waitMasterScript(seconds: number): string {
  return `__w=0; master_pid
while { [ -z "$P" ] || [ "$P" = "$OLD" ]; } && [ $__w -lt ${Math.round(seconds * 10)} ]; do sleep 0.1; __w=$((__w + 1)); master_pid; done
rec pid "$P"`;
}

/** A context whose every command sees APACHE_CONFDIR (Debian's multi-instance /etc/apache2-NAME). */
export function withConfdir(ctx: HostContext, confdir: string | undefined): HostContext {
  if (!confdir) return ctx;
  return { host: ctx.host, exec: (spec) => ctx.exec({ ...spec, env: { APACHE_CONFDIR: confdir, ...(spec.env ?? {}) } }) };
}
