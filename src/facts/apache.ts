// The `apache` fact: binary, MPM, master process and age, Listen addresses, server-status
// (fetched at a URL derived from the config), reloads survived by the master, a master dead of
// key exhaustion, and how often logrotate reloads it.
import { parseConfig, statusUrls, type ConfigLine, type ListenDirective } from './apache-config.js';
import { analyzeErrorLog, parseTzOffset, reloadRateFromLog, type Death, type LogLine } from './apache-log.js';
import { parseServerStatus, type ServerStatus } from './apache-status.js';
import { parseFrequency, parseLogrotate, type Frequency, type LogrotateInfo } from './logrotate.js';
import { Records } from './records.js';
import { APACHE_MASTER, MASTER_SCAN_SHARED, PRELUDE, sh } from './shell.js';
import { isUnknown, unknown, type Fact, type Maybe, type ProbeOutput } from './types.js';

export interface MasterProcess {
  pid: number;
  /** "pidfile:/run/apache2/apache2.pid" or "proc" (found by scanning /proc). */
  source: string;
  /** `ps -o lstart=` as printed (host local time). */
  lstart: string | null;
  ageSeconds: number | null;
  /** Epoch seconds, from the host's clock minus the age. */
  startedAt: number | null;
  exe: string | null;
}

export interface Reloads {
  count: number;
  source: 'server-status' | 'error-log';
  /** false: a lower bound (the logs do not reach back to the master's start). */
  exact: boolean;
  detail: string;
}

export interface ReloadFrequency {
  /** The rate used for forecasts: the highest of the observed ones (conservative). */
  perDay: number | null;
  source: 'since-start' | 'log-history' | 'logrotate' | null;
  /** Reloads survived ÷ master age, when the master is at least a day old. */
  sinceStart: number | null;
  logHistory: { perDay: number; reloads: number; spanDays: number } | null;
  logrotate: LogrotateInfo[];
}

export interface ApacheFact {
  installed: boolean;
  binary: string | null;
  version: string | null;
  mpm: string | null;
  running: boolean;
  master: Maybe<MasterProcess>;
  pidfiles: { path: string; pid: number | null; state: string }[];
  listens: ListenDirective[];
  /** The status URL that answered, else the first one derived from Listen (unverified). */
  statusUrl: string | null;
  statusUrlVerified: boolean;
  status: Maybe<ServerStatus>;
  /** ServerUptimeSeconds against the master's age: do they describe the same process? */
  uptimeCheck: { statusUptime: number; masterAge: number; consistent: boolean } | null;
  reloads: Maybe<Reloads>;
  errorLog: Maybe<{ path: string; files: string[]; recognized: number }>;
  /** No master runs and the logs show it died of key exhaustion on a reload. */
  dead: (Death & { atIso: string | null }) | null;
  /** A death by exhaustion in the logs, of an earlier master (the current one started later). */
  previousDeath: (Death & { atIso: string | null }) | null;
  reloadFrequency: ReloadFrequency;
  clockEpoch: number | null;
  tzOffset: string | null;
}

/**
 * From the config records in $__cfg, the status URLs to try, in config order ($__urls). Only a
 * first guess to fetch with: the parser re-derives them properly (apache-config.ts).
 */
export const STATUS_CANDIDATES_SH = sh`# Candidate status URLs, in config order: the parser re-derives them properly; here we only try.
__lst=$(printf '%s\n' "$__cfg" | awk '/^cfg\|/ { t = $0; sub(/^cfg\|[0-9]+:[ \t]*/, "", t); n = split(t, w, /[ \t]+/); if (tolower(w[1]) == "listen" && n >= 2) print w[2] "," (n >= 3 ? tolower(w[3]) : "-") }')
__paths=$(printf '%s\n' "$__cfg" | awk '/^cfgfile\|/ { l = "" } /^cfg\|/ { t = $0; sub(/^cfg\|[0-9]+:[ \t]*/, "", t); split(t, w, /[ \t]+/); k = tolower(w[1]); if (k ~ /^<location/) { l = w[2]; gsub(/[">]/, "", l) } else if (k == "sethandler" && tolower(w[2]) ~ /^"?server-status"?$/ && l != "" && !s[l]++) print l }')
[ -z "$__paths" ] && __paths=/server-status
__urls=
for __l in $__lst; do
  __ad=$\{__l%,*}; __pr=$\{__l##*,}
  case $__pr in -|http) ;; *) continue;; esac
  case $__ad in
    \[*\]:*) __h="$\{__ad%]:*}]"; __p=$\{__ad##*]:};;
    *:*) __h=$\{__ad%:*}; __p=$\{__ad##*:};;
    *) __h=; __p=$__ad;;
  esac
  [ "$__p" = 443 ] && [ "$__pr" = - ] && continue
  case $__h in ''|'*'|0.0.0.0) __h=127.0.0.1;; '[::]') __h='[::1]';; esac
  for __pa in $__paths; do __urls="$__urls http://$__h:$__p$__pa?auto"; done
done
`;

/**
 * The error log $__el and its rotations, oldest first (by mtime), decompressed, filtered to the
 * lines the parser reads: `logfile|path` then `log|line` records.
 */
export const ERROR_LOG_SH = sh`# One awk filters every file (a year of weekly rotations is ~50 files: ~50 fewer processes). Each
# file starts on a line of its own with a boundary marker; a log line that imitated one could only
# misattribute lines to a file name, and Apache's lines start with '['.
case $__el in
  /*) ls -1tr -- "$__el" "$__el".* "$__el"-* 2>/dev/null | while IFS= read -r __f; do
        if [ ! -r "$__f" ]; then printf '\n@@logfile-unreadable %s\n' "$__f"; continue; fi
        printf '\n@@logfile %s\n' "$__f"
        case $__f in
          *.gz) gzip -dc -- "$__f";; *.bz2) bzip2 -dc -- "$__f";; *.xz) xz -dc -- "$__f";; *) cat -- "$__f";;
        esac 2>/dev/null
      done | awk '/^@@logfile(-unreadable)? / { t = $1; sub(/^@@/, "", t); print t "|" substr($0, length($1) + 2); next }
        /AH00(171|493|297|173|494|298|163|169|170|491|492|295|296)|thread pool destructor/ { print "log|" $0 }';;
esac
`;

export const APACHE_PROBE = sh`${PRELUDE}${APACHE_MASTER}
apache_master
rec clock "$(date +%s)"
rec tz "$(date +%z)"
if [ -n "$M_PID" ]; then
  __a=$(ps -o lstart=,etimes= -p "$M_PID" 2>/dev/null) && rec ps "$__a"
  __s=; { read -r __s < "/proc/$M_PID/stat"; } 2>/dev/null; __s=$\{__s##*) }
  set -- $__s; rec starttime "$\{20}"
  __u=; { read -r __u __x < /proc/uptime; } 2>/dev/null; rec uptime "$__u"
  rec clk "$(getconf CLK_TCK 2>/dev/null)"
  __e=$(readlink "/proc/$M_PID/exe" 2>/dev/null) && rec exe "$__e"
fi
BIN=
for __c in /usr/sbin/apache2 /usr/sbin/httpd /usr/local/apache2/bin/httpd /usr/local/sbin/httpd /usr/local/bin/httpd; do
  [ -x "$__c" ] && { BIN=$__c; break; }
done
[ -z "$BIN" ] && BIN=$(command -v apache2 2>/dev/null || command -v httpd 2>/dev/null)
if [ -z "$BIN" ]; then rec bin-missing "no apache2 or httpd binary"; exit 0; fi
rec bin "$BIN"
# Debian's binary needs its envvars (apache2ctl sources them, but also creates run dirs: we do not).
run_httpd() { ( [ -r /etc/apache2/envvars ] && . /etc/apache2/envvars; "$BIN" "$@" ) 2>&1; }
run_httpd -V | sed 's/^/v|/'
__dump=$(run_httpd -t -D DUMP_INCLUDES -D DUMP_RUN_CFG -D DUMP_MODULES); rec dump-rc "$?"
printf '%s\n' "$__dump" | sed 's/^/dump|/'
__files=$(printf '%s\n' "$__dump" | sed -n 's/^ *([0-9*]*) \(\/.*\)$/\1/p')
[ -z "$__files" ] && __files=$(ls -1d /etc/apache2/apache2.conf /etc/apache2/ports.conf /etc/apache2/mods-enabled/*.conf /etc/apache2/conf-enabled/*.conf /etc/apache2/sites-enabled/* /etc/httpd/conf/httpd.conf /etc/httpd/conf.modules.d/*.conf /etc/httpd/conf.d/*.conf 2>/dev/null)
# One awk over every readable config file (few forks: hosts may be loaded). [ \t], not
# [[:space:]]: mawk 1.3.3 (Ubuntu <= 18.04) has no character classes.
__cfg=$(printf '%s\n' "$__files" | { set --; while IFS= read -r __f; do [ -r "$__f" ] && set -- "$@" "$__f"; done
  [ $# -gt 0 ] && awk 'FNR == 1 { print "cfgfile|" FILENAME }
    { l = tolower($0) }
    l ~ /^[ \t]*(listen|<ifmodule|<\/ifmodule|<ifdefine|<\/ifdefine|<location|<\/location|sethandler|errorlog|pidfile)([ \t>]|$)/ { print "cfg|" FNR ":" $0 }' "$@"; })
printf '%s\n' "$__cfg"
set -f # the URLs below contain '?': no globbing while they are word-split
${STATUS_CANDIDATES_SH}__got=
for __u in $(printf '%s\n' $__urls | awk '!s[$0]++'); do
  if has curl; then __b=$(curl -gsS -m 5 "$__u" 2>&1); __r=$?
  elif has wget; then __b=$(wget -q -T 5 -O - "$__u" 2>&1); __r=$?
  else rec status-missing "neither curl nor wget"; break; fi
  rec status-try "$__r" "$__u"
  case $__b in *ServerUptimeSeconds:*|*Scoreboard:*)
    rec status-url "$__u"; printf '%s\n' "$__b" | sed 's/^/status|/'; break;;
  esac
done
set +f
__el=$(printf '%s\n' "$__dump" | sed -n 's/^Main ErrorLog: "\(.*\)"$/\1/p')
if [ -z "$__el" ]; then
  for __c in /var/log/apache2/error.log /var/log/httpd/error_log /usr/local/apache2/logs/error_log; do [ -e "$__c" ] && { __el=$__c; break; }; done
fi
rec errorlog "$__el"
${ERROR_LOG_SH}for __f in /etc/logrotate.d/apache2 /etc/logrotate.d/httpd /etc/logrotate.d/apache; do
  [ -r "$__f" ] && { rec logrotate-file "$__f"; sed 's/^/logrotate|/' "$__f"; }
done
[ -r /etc/logrotate.conf ] && grep -E '^[[:space:]]*(hourly|daily|weekly|monthly|yearly)' /etc/logrotate.conf | sed 's/^/logrotate-global|/'
exit 0
`;

function int(v: string | undefined): number | null {
  return v !== undefined && /^\d+$/.test(v.trim()) ? Number(v.trim()) : null;
}

export function parseMaster(r: Records, clock: number | null): Maybe<MasterProcess> {
  const m = r.fields('master', 2)[0];
  if (!m) return unknown('no apache2/httpd process is running');
  const pid = Number(m[0]);
  let lstart: string | null = null;
  let age: number | null = null;
  const ps = r.first('ps');
  const pm = ps ? /^\s*(.*?)\s+(\d+)\s*$/.exec(ps) : null;
  if (pm) { lstart = pm[1]; age = Number(pm[2]); }
  else {
    // No procps: /proc/PID/stat starttime (clock ticks after boot) against /proc/uptime.
    const start = int(r.first('starttime'));
    const up = Number(r.first('uptime'));
    const clk = int(r.first('clk')) ?? 100;
    if (start !== null && Number.isFinite(up) && up > 0) age = Math.max(0, Math.round(up - start / clk));
  }
  return { pid, source: m[1] ?? '', lstart, ageSeconds: age, startedAt: clock !== null && age !== null ? clock - age : null, exe: r.first('exe') ?? null };
}

function iso(epoch: number | null): string | null {
  return epoch === null ? null : new Date(epoch * 1000).toISOString();
}

export function parseApache(out: ProbeOutput): ApacheFact {
  const r = new Records(out.stdout);
  const clock = int(r.first('clock'));
  const tz = r.first('tz') ?? null;
  const pidfiles = r.fields('pidfile', 3).map(([path, pid, state]) => ({ path, pid: int(pid), state: state ?? '' }));
  const master = parseMaster(r, clock);
  const binary = r.first('bin') ?? null;
  const base: Omit<ApacheFact, 'installed' | 'binary'> = {
    version: null, mpm: null, running: !isUnknown(master), master, pidfiles, listens: [], statusUrl: null,
    statusUrlVerified: false, status: unknown('not fetched'), uptimeCheck: null, reloads: unknown('not determined'),
    errorLog: unknown('not read'), dead: null, previousDeath: null,
    reloadFrequency: { perDay: null, source: null, sinceStart: null, logHistory: null, logrotate: [] },
    clockEpoch: clock, tzOffset: tz,
  };
  if (!binary) {
    return { ...base, installed: false, binary: null, status: unknown(r.first('bin-missing') ?? 'apache not found'), reloads: unknown('apache is not installed') };
  }

  // apache2 -V, and the -t dumps (included files, run config, loaded modules)
  const v = r.all('v');
  const version = v.map((l) => /^Server version:\s*(.*)$/.exec(l)?.[1]).find(Boolean) ?? null;
  const mpm = v.map((l) => /^Server MPM:\s*(\S+)/.exec(l)?.[1]).find(Boolean) ?? null;
  const dump = r.all('dump');
  const modules = new Set<string>();
  const defines = new Set<string>();
  let inModules = false;
  for (const l of dump) {
    if (/^Loaded Modules:/.test(l)) { inModules = true; continue; }
    const mm = /^ (\w+) \((static|shared)\)$/.exec(l);
    if (inModules && mm) { modules.add(mm[1]); continue; }
    const dd = /^Define: (\S+?)(=.*)?$/.exec(l);
    if (dd) defines.add(dd[1]);
  }
  const cfgLines: ConfigLine[] = [];
  let file = '';
  for (const rec of r.recs) {
    if (rec.tag === 'cfgfile') file = rec.value;
    else if (rec.tag === 'cfg') {
      const m = /^(\d+):(.*)$/.exec(rec.value);
      if (m) cfgLines.push({ file, line: Number(m[1]), text: m[2] });
    }
  }
  const cfg = parseConfig(cfgLines, modules.size ? modules : null, dump.length ? defines : null);
  const answered = r.first('status-url') ?? null;
  const derived = statusUrls(cfg);
  const statusLines = r.all('status');
  let status: Maybe<ServerStatus>;
  if (statusLines.length) status = parseServerStatus(statusLines.join('\n'));
  else if (r.has('status-missing')) status = unknown('neither curl nor wget on the host');
  else if (derived.length === 0) status = unknown('no plain-HTTP Listen directive found in the configuration');
  else {
    const tries = r.fields('status-try', 2).map(([rc, u]) => `${u} (exit ${rc})`);
    status = unknown(`server-status did not answer: ${tries.join(', ') || 'nothing tried'}`);
  }

  // The status page and the master must describe the same process.
  let uptimeCheck: ApacheFact['uptimeCheck'] = null;
  if (!isUnknown(status) && status.uptimeSeconds !== null && !isUnknown(master) && master.ageSeconds !== null) {
    const d = Math.abs(status.uptimeSeconds - master.ageSeconds);
    uptimeCheck = { statusUptime: status.uptimeSeconds, masterAge: master.ageSeconds, consistent: d <= Math.max(60, master.ageSeconds * 0.01) };
  }

  // Error logs, oldest first as listed by the probe
  const logLines: LogLine[] = [];
  let lf = '';
  const unreadable: string[] = [];
  for (const rec of r.recs) {
    if (rec.tag === 'logfile') lf = rec.value;
    else if (rec.tag === 'log') logLines.push({ file: lf, text: rec.value });
    else if (rec.tag === 'logfile-unreadable') unreadable.push(rec.value);
  }
  const elPath = r.first('errorlog') ?? '';
  const tzSec = parseTzOffset(tz) ?? 0;
  const masterPid = isUnknown(master) ? null : master.pid;
  const analysis = analyzeErrorLog(logLines, { tzOffsetSec: tzSec, masterPid, masterStart: isUnknown(master) ? null : master.startedAt });
  const logFiles = r.all('logfile');
  let errorLog: ApacheFact['errorLog'];
  if (!elPath.startsWith('/')) errorLog = unknown(elPath ? `error log is not a file: ${elPath}` : 'error log location unknown');
  else if (logFiles.length === 0) errorLog = unknown(unreadable.length ? `cannot read ${unreadable.join(', ')} (needs become)` : `no file at ${elPath}`);
  else errorLog = { path: elPath, files: logFiles, recognized: analysis.recognized };

  // Reloads survived: the generation counter (when it is this master's), else the logs.
  const hist = masterPid === null ? undefined : analysis.masters.get(masterPid);
  let reloads: Maybe<Reloads>;
  const gen = !isUnknown(status) ? status.configGeneration : null;
  if (gen !== null && gen >= 1 && uptimeCheck?.consistent !== false) {
    reloads = { count: gen - 1, source: 'server-status', exact: true, detail: `ParentServerConfigGeneration ${gen} − 1` };
  } else if (hist) {
    reloads = {
      count: hist.reloads, source: 'error-log', exact: hist.complete,
      detail: hist.complete ? `restart requests of pid ${hist.pid} since its start` : `restart requests of pid ${hist.pid} in the logs kept (its start is older): a lower bound`,
    };
  } else if (masterPid === null) reloads = unknown('no master process');
  else if (isUnknown(errorLog)) reloads = unknown(`${isUnknown(status) ? status.reason : 'server-status does not match the master'}; error log: ${errorLog.reason}`);
  else reloads = unknown(`no reload or start line of pid ${masterPid} in ${errorLog.files.length} log file(s), and ${isUnknown(status) ? status.reason : 'no generation counter'}`);

  // Death by key exhaustion: only "dead" when no master runs now.
  let dead: ApacheFact['dead'] = null;
  let previousDeath: ApacheFact['previousDeath'] = null;
  if (analysis.death) {
    const d = { ...analysis.death, atIso: iso(analysis.death.at) };
    const restartedSince = !isUnknown(master) && master.pid !== d.pid;
    if (isUnknown(master)) dead = d;
    else if (restartedSince) previousDeath = d;
  }

  // Reload frequency
  const globalFreq = r.all('logrotate-global').map(parseFrequency).find(Boolean) ?? null;
  const lr: LogrotateInfo[] = [];
  let cur: { file: string; lines: string[] } | null = null;
  for (const rec of r.recs) {
    if (rec.tag === 'logrotate-file') { if (cur) lr.push(parseLogrotate(cur.file, cur.lines.join('\n'), globalFreq as Frequency | null)); cur = { file: rec.value, lines: [] }; }
    else if (rec.tag === 'logrotate' && cur) cur.lines.push(rec.value);
  }
  if (cur) lr.push(parseLogrotate(cur.file, cur.lines.join('\n'), globalFreq as Frequency | null));
  const logHistory = reloadRateFromLog(analysis);
  const age = isUnknown(master) ? null : master.ageSeconds;
  const sinceStart = !isUnknown(reloads) && reloads.exact && age !== null && age >= 86400 ? (reloads.count * 86400) / age : null;
  const lrRate = lr.map((x) => x.reloadsPerDay).filter((x): x is number => x !== null);
  const candidates: [ReloadFrequency['source'], number | null][] = [
    ['since-start', sinceStart], ['log-history', logHistory?.perDay ?? null], ['logrotate', lrRate.length ? Math.max(...lrRate) : null],
  ];
  let best: [ReloadFrequency['source'], number] | null = null;
  for (const [s, rate] of candidates) if (rate !== null && (best === null || rate > best[1])) best = [s, rate];

  return {
    ...base,
    installed: true,
    binary,
    version,
    mpm: mpm ?? (!isUnknown(status) ? status.mpm : null),
    listens: cfg.listens,
    statusUrl: answered ?? derived[0] ?? null,
    statusUrlVerified: answered !== null,
    status,
    uptimeCheck,
    reloads,
    errorLog,
    dead,
    previousDeath,
    reloadFrequency: { perDay: best ? best[1] : null, source: best ? best[0] : null, sinceStart, logHistory, logrotate: lr },
  };
}

export const apacheFact: Fact<ApacheFact> = {
  name: 'apache',
  // Runs without become, but the error log (root:adm) and the master's exe need it.
  needsBecome: false,
  probe: () => APACHE_PROBE,
  batchShared: MASTER_SCAN_SHARED,
  parse: (out) => parseApache(out),
};

