// One simulated host: its distro image (shared with every host of that distro), its own
// changes on top, the Apache master model, /proc, logs generated from the master's history, and
// the programs that answer from the model (apache2, apachectl, systemctl, curl, php, dpkg…).
import { createHash } from 'node:crypto';
import { logLines, reload, serverStatus, type LogEvent, type MasterState } from './apache.js';
import { DISTROS, type Distro, type DistroId, type GompBuild } from './distros.js';
import { synthLibgomp, synthPthreadLib, KEYS_TABLE_BYTES } from './elf-synth.js';
import { dir, file, link, ROOT, type Cred, type DirNode, type FileNode, type Node } from './fs.js';
import { BASE_GROUPS, BASE_USERS, binary, buildTree, coreBinaries, LabMachine, type User } from './machine.js';
import { gzipLog } from './gz-memo.js';
import { hostPrograms } from './host-programs.js';
import type { SessionResult } from './shell/exec.js';
import type { ProcInfo } from './shell/process.js';

export interface HostFaults {
  unreachable?: boolean;
  authFailure?: boolean;
  slowHandshakeMs?: number;
  dropMidCommand?: boolean;
  slowCommandMs?: number;
  diskFull?: boolean;
  mirrorFailure?: boolean;
  dieOnReload?: boolean;
  clockSkewSec?: number;
  sudoPassword?: string;
  changedHostKey?: boolean;
  /** libgomp on disk is a leaky rebuild under a fixed package version: upgrades say "newest". */
  stillLeaks?: boolean;
}

/** Everything needed to build a host, derived from the lab seed (fleet.ts). */
export interface HostSpec {
  name: string;
  index: number;
  distro: DistroId;
  address: string;
  port: number;
  baseline: number;
  /** Reloads survived by the master when the lab started; -1: it already died. */
  reloads: number;
  /** Minute of the day (UTC) logrotate runs. */
  rotateMinute: number;
  /** Ubuntu 18.04: the libgomp1 from -updates is installed already. */
  gompUpdated: boolean;
  listenPort: number;
  pidBase: number;
  libBase: number;
  faults: HostFaults;
}

/** What /proc/PID lists, in the order it lists it. */
const PROC_PID_ENTRIES = ['comm', 'cmdline', 'environ', 'stat', 'status', 'exe', 'root', 'maps', 'mem', 'map_files'] as const;

export const LAB_USER = 'lab';
export const LAB_UID = 1000;

/** Shared, immutable per-distro files (one copy for the whole fleet). */
const imageCache = new Map<string, DirNode>();
const libCache = new Map<string, ReturnType<typeof synthPthreadLib>>();
export const gompRegistry = new Map<string, GompBuild>();

export function gompFile(b: GompBuild, salt = ''): string {
  const data = synthLibgomp(b, salt);
  gompRegistry.set(data, b);
  return data;
}

function pthreadLib(kind: 'libc' | 'libpthread', glibc: string) {
  const key = `${kind}-${glibc}`;
  let l = libCache.get(key);
  if (!l) { l = synthPthreadLib(kind, glibc); libCache.set(key, l); }
  return l;
}

export function libLayout(d: Distro): { libc: string; libpthread: string | null; keysIn: 'libc' | 'libpthread' } {
  const newGlibc = Number(d.glibc.split('.')[1]) >= 34;
  if (d.family === 'rhel') return { libc: `/usr/lib64/libc-${d.glibc}.so`, libpthread: `/usr/lib64/libpthread-${d.glibc}.so`, keysIn: 'libpthread' };
  if (newGlibc) return { libc: `${d.libdir}/libc.so.6`, libpthread: null, keysIn: 'libc' };
  return { libc: `${d.libdir}/libc-${d.glibc}.so`, libpthread: `${d.libdir}/libpthread-${d.glibc}.so`, keysIn: 'libpthread' };
}

export function gompPath(d: Distro): string {
  return `${d.libdir}/libgomp.so.1.0.0`;
}

export function sapiDir(d: Distro): string {
  return d.family === 'rhel' ? '/etc/php.d' : `/etc/php/${d.php}/apache2/conf.d`;
}

function imagickIni(withSingleThread: boolean): string {
  return `; configuration for php imagick module\n; priority=20\nextension=imagick.so\n${withSingleThread ? '' : ''}`;
}

function image(d: Distro, variant: string): DirNode {
  const key = `${d.id}:${variant}`;
  const cached = imageCache.get(key);
  if (cached) return cached;
  const e: [string, Node][] = [];
  const add = (p: string, n: Node) => e.push([p, n]);
  for (const x of coreBinaries(d.usrMerged)) e.push(x);
  add('/tmp', dir({}, { mode: 0o1777 }));
  add('/dev/null', { ...file('', { mode: 0o666 }), dev: 'null' });
  add('/root', dir({}, { mode: 0o700 }));
  add(`/home/${LAB_USER}`, dir({}, { uid: LAB_UID, gid: LAB_UID, mode: 0o755 }));
  add('/run/systemd/system', dir());
  add('/var/log', dir({}, { mode: 0o755 }));
  add('/etc/os-release', d.usrMerged ? link('../usr/lib/os-release') : file(d.osRelease));
  if (d.usrMerged) add('/usr/lib/os-release', file(d.osRelease));
  add('/etc/hostname', file('localhost\n'));
  // the same users and groups the lab's programs name (ls -l, stat, id)
  const labGroups: Record<string, string[]> = d.family === 'rhel' ? { wheel: [LAB_USER] } : { adm: [LAB_USER], sudo: [LAB_USER] };
  add('/etc/passwd', file([...BASE_USERS, { name: LAB_USER, uid: LAB_UID, gid: LAB_UID, home: `/home/${LAB_USER}` }]
    .map((u) => `${u.name}:x:${u.uid}:${u.gid}:${u.name}:${u.home}:${u.uid === 0 || u.uid === LAB_UID ? '/bin/sh' : '/usr/sbin/nologin'}\n`).join('')));
  add('/etc/group', file([...Object.entries(BASE_GROUPS), [LAB_USER, LAB_UID] as [string, number]]
    .map(([g, gid]) => `${g}:x:${gid}:${labGroups[g]?.join(',') ?? ''}\n`).join('')));
  add('/etc/logrotate.conf', file(d.family === 'debian' ? 'weekly\nsu root adm\nrotate 4\ncreate\ninclude /etc/logrotate.d\n' : 'weekly\nrotate 4\ncreate\ndateext\ninclude /etc/logrotate.d\n'));
  const sbin = d.usrMerged ? '/usr/sbin' : '/usr/sbin';
  const lay = libLayout(d);
  add(lay.libc, file(pthreadLib('libc', d.glibc).data, { mode: 0o755 }));
  if (lay.libpthread) add(lay.libpthread, file(pthreadLib('libpthread', d.glibc).data, { mode: 0o755 }));
  const gomp = variant === 'updated' && d.gompUpdate ? d.gompUpdate : d.gomp;
  // stillLeaks: a local rebuild that leaks whatever the distro's build does, kept by upgrades
  add(gompPath(d), file(variant === 'stillLeaks' ? gompFile({ ...gomp, leaky: true }, ' local-rebuild') : gompFile(gomp), { mode: 0o644 }));
  add(`${d.libdir}/libgomp.so.1`, link('libgomp.so.1.0.0'));
  add(`${d.libdir}/libMagickCore-6.Q16.so.6`, file(`\x7fELF lab ${d.magick.version}\n`));
  add('/usr/bin/curl', binary('curl'));
  add('/usr/bin/convert', binary('convert'));
  add('/usr/bin/systemctl', binary('systemctl'));
  add(`/usr/sbin/logrotate`, binary('logrotate'));
  if (d.family === 'debian') {
    add(`${sbin}/apache2`, binary('apache2'));
    add(`${sbin}/apache2ctl`, binary('apachectl'));
    add(`${sbin}/apachectl`, link('apache2ctl'));
    add(`${sbin}/service`, binary('service'));
    add(`${sbin}/invoke-rc.d`, binary('service'));
    add('/etc/init.d/apache2', binary('service'));
    add('/usr/bin/dpkg-query', binary('dpkg-query'));
    add('/usr/bin/dpkg', binary('dpkg'));
    add('/usr/bin/apt-get', binary('apt-get'));
    add('/usr/bin/apt-cache', binary('apt-cache'));
    add(`/usr/bin/php${d.php}`, binary('php'));
    add('/usr/bin/php', link('/etc/alternatives/php'));
    add('/etc/alternatives/php', link(`/usr/bin/php${d.php}`));
    add(`/usr/lib/php/${d.php}`, dir());
    const ed = `/usr/lib/php/2019`;
    add(`${ed}/imagick.so`, file(`\x7fELF imagick ${d.imagickUpstream}\n`));
    add('/etc/apache2/envvars', file('# envvars - default environment variables for apache2ctl\nunset HOME\nexport APACHE_RUN_USER=www-data\nexport APACHE_RUN_GROUP=www-data\nexport APACHE_PID_FILE=/var/run/apache2$SUFFIX/apache2.pid\nexport APACHE_RUN_DIR=/var/run/apache2$SUFFIX\nexport APACHE_LOCK_DIR=/var/lock/apache2$SUFFIX\nexport APACHE_LOG_DIR=/var/log/apache2$SUFFIX\nexport LANG=C\nexport LANG\n'));
    add('/etc/apache2/apache2.conf', file('DefaultRuntimeDir ${APACHE_RUN_DIR}\nPidFile ${APACHE_PID_FILE}\nTimeout 300\nUser ${APACHE_RUN_USER}\nGroup ${APACHE_RUN_GROUP}\nErrorLog ${APACHE_LOG_DIR}/error.log\nLogLevel warn\nIncludeOptional mods-enabled/*.load\nIncludeOptional mods-enabled/*.conf\nInclude ports.conf\nIncludeOptional conf-enabled/*.conf\nIncludeOptional sites-enabled/*.conf\n'));
    add('/etc/apache2/ports.conf', file(`Listen ${variant === 'port8080' ? 8080 : 80}\n\n<IfModule ssl_module>\n\tListen 443\n</IfModule>\n`));
    for (const [m, conf] of [['mpm_prefork', '<IfModule mpm_prefork_module>\n\tStartServers 5\n\tMaxRequestWorkers 150\n</IfModule>\n'], ['status', '<IfModule mod_status.c>\n\t<Location /server-status>\n\t\tSetHandler server-status\n\t\tRequire local\n\t</Location>\n\tExtendedStatus On\n</IfModule>\n'], [`php${d.php}`, '<FilesMatch ".+\\.ph(ar|p|tml)$">\n    SetHandler application/x-httpd-php\n</FilesMatch>\n']] as const) {
      const so = m.startsWith('php') ? `libphp${d.php}.so` : `mod_${m}.so`;
      const mod = m.startsWith('php') ? `php${d.php.split('.')[0] === '8' ? '' : d.php.split('.')[0]}_module` : `${m}_module`;
      add(`/etc/apache2/mods-available/${m}.load`, file(`LoadModule ${mod} /usr/lib/apache2/modules/${so}\n`));
      add(`/etc/apache2/mods-available/${m}.conf`, file(conf));
      add(`/etc/apache2/mods-enabled/${m}.load`, link(`../mods-available/${m}.load`));
      add(`/etc/apache2/mods-enabled/${m}.conf`, link(`../mods-available/${m}.conf`));
    }
    add('/etc/apache2/sites-available/000-default.conf', file('<VirtualHost *:80>\n\tDocumentRoot /var/www/html\n\tErrorLog ${APACHE_LOG_DIR}/error.log\n</VirtualHost>\n'));
    add('/etc/apache2/sites-enabled/000-default.conf', link('../sites-available/000-default.conf'));
    add('/etc/apache2/conf-enabled', dir());
    add('/var/www/html/index.html', file('<html><body>It works!</body></html>\n'));
    for (const sapi of ['apache2', 'cli']) {
      add(`/etc/php/${d.php}/${sapi}/php.ini`, file('[PHP]\nengine = On\nmemory_limit = 128M\n'));
      add(`/etc/php/${d.php}/${sapi}/conf.d/20-imagick.ini`, link(`/etc/php/${d.php}/mods-available/imagick.ini`));
    }
    add(`/etc/php/${d.php}/mods-available/imagick.ini`, file(imagickIni(false)));
    add('/etc/logrotate.d/apache2', file('/var/log/apache2/*.log {\n\tdaily\n\tmissingok\n\trotate 14\n\tcompress\n\tdelaycompress\n\tnotifempty\n\tcreate 640 root adm\n\tsharedscripts\n\tpostrotate\n                if invoke-rc.d apache2 status > /dev/null 2>&1; then \\\n                    invoke-rc.d apache2 reload > /dev/null 2>&1; \\\n                fi;\n\tendscript\n\tprerotate\n\t\tif [ -d /etc/logrotate.d/httpd-prerotate ]; then \\\n\t\t\trun-parts /etc/logrotate.d/httpd-prerotate; \\\n\t\tfi; \\\n\tendscript\n}\n'));
    add('/var/run', link('/run'));
    add('/run/apache2', dir({}, { mode: 0o755 }));
    add('/var/lock', link('/run/lock'));
    add('/run/lock/apache2', dir());
  } else {
    add('/usr/sbin/httpd', binary('apache2'));
    add('/usr/sbin/apachectl', binary('apachectl'));
    add('/usr/sbin/service', binary('service'));
    add('/usr/bin/rpm', binary('rpm'));
    add('/usr/bin/yum', binary('dnf'));
    if (d.id === 'rhel8') add('/usr/bin/dnf', binary('dnf'));
    add('/usr/bin/php', binary('php'));
    add('/usr/lib64/php/modules/imagick.so', file(`\x7fELF imagick ${d.imagickUpstream}\n`));
    add('/etc/httpd/conf/httpd.conf', file(`ServerRoot "/etc/httpd"\nListen ${variant === 'port8080' ? 8080 : 80}\nInclude conf.modules.d/*.conf\nUser apache\nGroup apache\nErrorLog "logs/error_log"\nIncludeOptional conf.d/*.conf\n`));
    add('/etc/httpd/conf.modules.d/00-mpm.conf', file('LoadModule mpm_prefork_module modules/mod_mpm_prefork.so\n'));
    add('/etc/httpd/conf.modules.d/00-base.conf', file('LoadModule status_module modules/mod_status.so\n'));
    add('/etc/httpd/conf.modules.d/15-php.conf', file('<IfModule prefork.c>\n  LoadModule php7_module modules/libphp7.so\n</IfModule>\n'));
    add('/etc/httpd/conf.d/server-status.conf', file('<Location "/server-status">\n    SetHandler server-status\n    Require local\n</Location>\n'));
    add('/etc/httpd/logs', link('../../var/log/httpd'));
    add('/etc/php.ini', file('[PHP]\nengine = On\n'));
    add('/etc/php.d/40-imagick.ini', file('; Enable imagick extension module\nextension = imagick.so\n'));
    add('/etc/logrotate.d/httpd', file('/var/log/httpd/*log {\n    missingok\n    notifempty\n    sharedscripts\n    delaycompress\n    postrotate\n        /bin/systemctl reload httpd.service > /dev/null 2>/dev/null || true\n    endscript\n}\n'));
    add('/var/run', link('/run'));
    add('/run/httpd', dir({}, { mode: 0o710 }));
    add('/var/www/html/index.html', file('<html><body>It works!</body></html>\n'));
  }
  const root = buildTree(e);
  imageCache.set(key, root);
  return root;
}

/**
 * A file's content digest, kept per node: nodes are never changed in place (a write makes a new
 * one), and most of a host's files are its distro image's, shared by the whole fleet.
 */
const digests = new WeakMap<FileNode, Buffer>();
function contentDigest(n: FileNode): Buffer {
  let d = digests.get(n);
  if (!d) { d = createHash('sha256').update(n.data, 'latin1').digest(); digests.set(n, d); }
  return d;
}

export interface LabClock {
  now(): number;
}

export class Host {
  readonly d: Distro;
  readonly master: MasterState;
  /** Recent error-log events (older ones have rotated out). */
  events: LogEvent[] = [];
  mutations = 0;
  packages: Map<string, string>;
  private m: LabMachine | null = null;
  private nextPid: number;
  /** The libgomp bytes the master maps (what was on disk at its last load). */
  mapped: { gomp: string | null; gompDeleted: boolean };
  listens: number[];
  statusEnabled = true;
  imagickLoaded = true;

  constructor(readonly spec: HostSpec, private readonly clock: LabClock) {
    this.d = DISTROS[spec.distro];
    const now = this.now();
    this.nextPid = spec.pidBase + 50;
    this.listens = [spec.listenPort];
    const gomp = this.diskGompBuild();
    const leaky = gomp.leaky;
    // The master started so that daily (or weekly) logrotate reloads add up to spec.reloads.
    const period = this.d.family === 'rhel' ? 7 * 86400 : 86400;
    const lastRotate = this.lastRotation(now);
    const dead = spec.reloads < 0;
    const reloads = dead ? 1025 - spec.baseline : spec.reloads;
    const start = lastRotate - reloads * period - 3600 - (spec.index % 3000);
    this.master = { alive: true, pid: spec.pidBase, start, reloads: 0, keys: spec.baseline, baseline: spec.baseline, leakyLoaded: leaky, preloaded: false, diedAt: null };
    this.events.push({ t: start, kind: 'start', pid: spec.pidBase });
    for (let k = reloads - 1; k >= 0 && this.master.alive; k--) {
      const t = lastRotate - k * period + 1;
      if (k < 20 || reloads - k < 3) {
        const r = reload(this.master, leaky);
        this.events.push({ t, kind: r === 'ok' ? 'graceful' : 'death', pid: spec.pidBase });
        if (r === 'died') { this.master.diedAt = t; this.master.diedOf = 'exhaustion'; }
      } else {
        reload(this.master, leaky);
      }
    }
    this.pruneEvents(now);
    this.packages = this.initialPackages();
    this.mapped = { gomp: this.diskGompData(), gompDeleted: false };
  }

  now(): number {
    return this.clock.now() + (this.spec.faults.clockSkewSec ?? 0);
  }

  private lastRotation(now: number): number {
    const day = Math.floor(now / 86400) * 86400 + this.spec.rotateMinute * 60;
    let t = day <= now ? day : day - 86400;
    if (this.d.family === 'rhel') {
      // weekly, on Sundays
      while (new Date(t * 1000).getUTCDay() !== 0) t -= 86400;
    }
    return t;
  }

  private variant(): string {
    if (this.spec.faults.stillLeaks) return 'stillLeaks';
    if (this.spec.gompUpdated) return 'updated';
    if (this.spec.listenPort === 8080) return 'port8080';
    return 'base';
  }

  private diskGompBuild(): GompBuild {
    if (this.m) {
      const data = this.diskGompData();
      return (data ? gompRegistry.get(data) : undefined) ?? this.d.gomp;
    }
    if (this.spec.faults.stillLeaks) return this.d.gomp.leaky ? this.d.gomp : { ...this.d.gomp, leaky: true };
    return this.spec.gompUpdated && this.d.gompUpdate ? this.d.gompUpdate : this.d.gomp;
  }

  private diskGompData(): string | null {
    const data = (() => {
      if (!this.m) {
        const img = image(this.d, this.variant());
        return img;
      }
      return null;
    })();
    const fs = this.m?.fs;
    if (fs) {
      try { return fs.readFile(gompPath(this.d), ROOT); } catch { return null; }
    }
    // not materialized: read from the shared image
    const parts = gompPath(this.d).split('/').filter(Boolean);
    let n: Node | undefined = data!;
    for (const p of parts) n = n && n.k === 'd' ? n.kids.get(p) : undefined;
    return n && n.k === 'f' ? n.data : null;
  }

  private initialPackages(): Map<string, string> {
    const d = this.d;
    const p = new Map<string, string>();
    p.set(d.family === 'debian' ? 'apache2' : 'httpd', d.apachePkgVersion);
    p.set(d.imagickPkg, d.imagick);
    if (d.imagickAlias) p.set(d.imagickAlias, d.imagick);
    p.set(d.magick.pkg, d.magick.pkgVersion);
    const g = this.spec.gompUpdated && d.gompUpdate ? d.gompUpdate : d.gomp;
    p.set(d.gompPkg, g.pkgVersion);
    if (d.family === 'debian') p.set(`libapache2-mod-php${d.php}`, d.phpFull);
    else p.set('php', `${d.phpFull}-1.el${d.id === 'rhel7' ? 7 : 8}.remi`);
    return p;
  }

  private pruneEvents(now: number): void {
    const keep = now - (this.d.family === 'rhel' ? 40 : 16) * 86400;
    this.events = this.events.filter((e, i) => e.t >= keep || (i === 0 && e.kind === 'start' && false));
  }

  // ---- the machine -------------------------------------------------------------------------

  get materialized(): boolean {
    return this.m !== null;
  }

  machine(): LabMachine {
    if (this.m) return this.m;
    const s = this.spec;
    // a cloud image's default user: in adm on Debian/Ubuntu (reads /var/log/apache2), wheel on RHEL
    const users: User[] = [{ name: LAB_USER, uid: LAB_UID, gid: LAB_UID, home: `/home/${LAB_USER}`, groups: this.d.family === 'rhel' ? [10] : [4, 27], sudo: s.faults.sudoPassword ? { kind: 'password', password: s.faults.sudoPassword } : { kind: 'nopasswd' } }];
    const m = new LabMachine({
      hostname: s.name,
      kernel: this.d.kernel,
      root: image(this.d, this.variant()),
      users,
      groups: { [LAB_USER]: LAB_UID },
      now: () => this.now(),
      programs: hostPrograms(this),
      procs: () => this.procs(),
      kill: (pid, sig, cred) => this.signal(pid, sig, cred),
      fsOptions: {
        onMutation: () => { this.mutations++; },
        diskFull: s.faults.diskFull ? () => true : undefined,
        mounts: { '/proc': (rel, full) => this.proc(rel, full), [this.d.family === 'rhel' ? '/var/log/httpd' : '/var/log/apache2']: (rel, full) => this.logs(rel, full) },
      },
    });
    this.m = m;
    m.fs.install('/etc/hostname', file(`${s.name}\n`));
    this.writePidfile();
    this.mutations = 0;
    return m;
  }

  run(command: string, o: { user: string; stdin?: string }): SessionResult {
    return this.machine().run(command, o);
  }

  private pidfilePath(): string {
    return this.d.family === 'rhel' ? '/run/httpd/httpd.pid' : '/run/apache2/apache2.pid';
  }

  private writePidfile(): void {
    const m = this.m;
    if (!m) return;
    if (this.master.alive) m.fs.install(this.pidfilePath(), file(`${this.master.pid}\n`, { mtime: this.master.start }));
    else m.fs.install(this.pidfilePath(), this.master.diedAt !== null ? file(`${this.master.pid}\n`, { mtime: this.master.start }) : null);
  }

  get binaryPath(): string {
    return this.d.family === 'rhel' ? '/usr/sbin/httpd' : '/usr/sbin/apache2';
  }

  get comm(): string {
    return this.d.family === 'rhel' ? 'httpd' : 'apache2';
  }

  // ---- processes and /proc -----------------------------------------------------------------

  private procsCache: { key: string; list: ProcInfo[] } | null = null;

  /** The process table (kept while the master and the clock's boot time stay the same). */
  procs(): ProcInfo[] {
    const boot = this.bootTime();
    const key = `${boot}|${this.master.alive}|${this.master.pid}|${this.master.start}`;
    if (this.procsCache?.key === key) return this.procsCache.list;
    const out: ProcInfo[] = [
      { pid: 1, ppid: 0, uid: 0, comm: 'systemd', args: '/sbin/init', start: boot },
      { pid: 412, ppid: 1, uid: 0, comm: 'sshd', args: '/usr/sbin/sshd -D', start: boot + 5 },
      { pid: 398, ppid: 1, uid: 0, comm: 'cron', args: '/usr/sbin/cron -f', start: boot + 4 },
    ];
    if (this.master.alive) {
      const m = this.master;
      out.push({ pid: m.pid, ppid: 1, uid: 0, comm: this.comm, args: `${this.binaryPath} -k start`, start: m.start });
      const runUid = this.d.family === 'rhel' ? 48 : 33;
      for (let k = 1; k <= 5; k++) out.push({ pid: m.pid + k, ppid: m.pid, uid: runUid, comm: this.comm, args: `${this.binaryPath} -k start`, start: m.start + 1 });
    }
    out.sort((a, b) => a.pid - b.pid);
    this.procsCache = { key, list: out };
    return out;
  }

  bootTime(): number {
    return Math.min(this.master.start, this.now() - 86400) - 120;
  }

  private proc(rel: string[], full: boolean): Node | undefined {
    if (rel.length === 0 && !full) return dir({}, { mode: 0o555 });
    const procs = this.procs();
    const now = this.now();
    if (rel.length === 0) {
      const kids: Record<string, Node> = {};
      for (const p of procs) kids[String(p.pid)] = dir({}, { mode: 0o555 });
      kids.uptime = file('');
      kids.self = link(String(procs[procs.length - 1].pid));
      return dir(kids, { mode: 0o555 });
    }
    if (rel[0] === 'self' && rel.length === 1) return link(String(procs[procs.length - 1].pid));
    if (rel[0] === 'uptime' && rel.length === 1) return file(`${(now - this.bootTime()).toFixed(2)} ${((now - this.bootTime()) * 1.9).toFixed(2)}\n`, { mode: 0o444 });
    const pid = Number(rel[0]);
    const p = procs.find((x) => x.pid === pid);
    if (!p) return undefined;
    if (rel.length === 1) {
      const kids: Record<string, Node> = {};
      if (full) for (const k of PROC_PID_ENTRIES) kids[k] = this.procEntry(p, k)!;
      return dir(kids, { mode: 0o555, uid: p.uid });
    }
    // only the entry asked for is made (a probe's lookups walk /proc for every process)
    const n = this.procEntry(p, rel[1]);
    if (!n) return undefined;
    if (rel.length === 2) return n;
    if (rel[1] === 'map_files' && n.k === 'd') return n.kids.get(rel[2]);
    return undefined;
  }

  private procEntry(p: ProcInfo, name: string): Node | undefined {
    const isMaster = this.master.alive && p.pid === this.master.pid;
    switch (name) {
      case 'comm': return file(`${p.comm}\n`, { mode: 0o644, uid: p.uid });
      case 'cmdline': return file(p.args.split(' ').join('\0') + '\0', { mode: 0o444, uid: p.uid });
      // what envvars exported when the master started (only the owner and root may read it)
      case 'environ': return { ...file(`LANG=C\0APACHE_RUN_USER=www-data\0${isMaster && this.master.preload ? `LD_PRELOAD=${this.master.preload}\0` : ''}PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\0`), mode: 0o400, uid: p.uid, rootOnly: true };
      case 'stat': {
        const ticks = Math.round((p.start - this.bootTime()) * 100);
        return file(`${p.pid} (${p.comm}) S ${p.ppid} ${p.pid} ${p.pid} 0 -1 4194560 1234 0 0 0 12 7 0 0 20 0 1 0 ${ticks} 238739456 3215 18446744073709551615 1 1 0 0 0 0 0 16781312 134235883 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n`, { mode: 0o444, uid: p.uid });
      }
      case 'status': return file(`Name:\t${p.comm}\nState:\tS (sleeping)\nPid:\t${p.pid}\nPPid:\t${p.ppid}\nUid:\t${p.uid}\t${p.uid}\t${p.uid}\t${p.uid}\n`, { mode: 0o444, uid: p.uid });
      case 'exe': return { ...link(isMaster || p.comm === this.comm ? this.binaryPath : `/usr/sbin/${p.comm}`), rootOnly: p.uid === 0, uid: p.uid };
      case 'root': return { ...link('/'), rootOnly: p.uid === 0, uid: p.uid };
      case 'maps': return { ...file(isMaster ? this.maps() : ''), mode: 0o444, uid: p.uid, rootOnly: p.uid === 0 };
      case 'mem': return { ...file(''), mode: 0o600, uid: p.uid, rootOnly: true, readAt: isMaster ? (o: number, l: number) => this.readMem(o, l) : () => null };
      case 'map_files': return { ...dir(isMaster ? this.mapFiles() : {}, { mode: 0o500, uid: p.uid }), rootOnly: true };
      default: return undefined;
    }
  }

  private mapsCache: { gomp: string | null; deleted: boolean; loaded: boolean; list: ReturnType<Host['computeMappings']> } | null = null;

  /** The master's library mappings (recomputed when what it loaded changes). */
  private mappings(): ReturnType<Host['computeMappings']> {
    const c = this.mapsCache;
    if (c && c.gomp === this.mapped.gomp && c.deleted === this.mapped.gompDeleted && c.loaded === this.imagickLoaded) return c.list;
    const list = this.computeMappings();
    this.mapsCache = { gomp: this.mapped.gomp, deleted: this.mapped.gompDeleted, loaded: this.imagickLoaded, list };
    return list;
  }

  private computeMappings(): { start: number; end: number; path: string; data: string | null; deleted: boolean; keys?: number }[] {
    const d = this.d;
    const lay = libLayout(d);
    const base = this.spec.libBase;
    const libc = pthreadLib('libc', d.glibc);
    const out: { start: number; end: number; path: string; data: string | null; deleted: boolean; keys?: number }[] = [];
    let at = base;
    const add = (path: string, size: number, data: string | null, deleted = false, keys?: number) => {
      out.push({ start: at, end: at + size, path, data, deleted, keys });
      at += size + 0x200000;
    };
    add(lay.libc, libc.mapSize, libc.data, false, lay.keysIn === 'libc' ? libc.keysOffset : undefined);
    if (lay.libpthread) {
      const lp = pthreadLib('libpthread', d.glibc);
      add(lay.libpthread, lp.mapSize, lp.data, false, lp.keysOffset);
    }
    if (this.imagickLoaded && this.mapped.gomp) {
      add(`${d.libdir}/libMagickCore-6.Q16.so.6.0.0`, 0x3a7000, null);
      add(gompPath(d), 0x40000, this.mapped.gomp, this.mapped.gompDeleted);
      add(d.family === 'rhel' ? '/usr/lib64/php/modules/imagick.so' : '/usr/lib/php/20190902/imagick.so', 0x60000, null);
    }
    return out;
  }

  private maps(): string {
    const hex = (n: number) => n.toString(16).padStart(12, '0');
    let s = `55d0c7a00000-55d0c7a4e000 r--p 00000000 fd:01 1835010                    ${this.binaryPath}\n`;
    let inode = 1835273;
    for (const m of this.mappings()) {
      const name = m.path + (m.deleted ? ' (deleted)' : '');
      s += `${hex(m.start)}-${hex(m.end)} r--p 00000000 fd:01 ${inode++}                    ${name}\n`;
    }
    s += '7ffd1c8e1000-7ffd1c902000 rw-p 00000000 00:00 0                          [stack]\n';
    return s;
  }

  private mapFilesCache: { list: ReturnType<Host['computeMappings']>; entries: Record<string, Node> } | null = null;

  /** /proc/PID/map_files: built once per set of mappings (a probe lists it on every contact). */
  private mapFiles(): Record<string, Node> {
    const list = this.mappings();
    if (this.mapFilesCache?.list === list) return this.mapFilesCache.entries;
    const hex = (n: number) => n.toString(16).padStart(12, '0');
    const out: Record<string, Node> = {};
    for (const m of list) {
      if (m.data === null) continue;
      // reading a map_files entry gives the mapped file itself, even when it was replaced on disk
      out[`${hex(m.start)}-${hex(m.end)}`] = { ...file(m.data, { mode: 0o400 }), rootOnly: true };
    }
    this.mapFilesCache = { list, entries: out };
    return out;
  }

  readMem(offset: number, length: number): string | null {
    for (const m of this.mappings()) {
      if (m.keys === undefined) continue;
      const table = m.start + m.keys;
      if (offset >= table && offset + length <= table + KEYS_TABLE_BYTES) {
        // only the slots asked for, as two 32-bit halves (no BigInt per slot)
        const from = offset - table;
        const b = Buffer.alloc(length);
        const first = Math.floor(from / 16);
        const last = Math.min(this.master.keys, 1024, Math.ceil((from + length) / 16));
        const slot = Buffer.alloc(16);
        for (let i = first; i < last; i++) {
          const ptr = m.start + 0x9a000 + (i % 7) * 0x40;
          slot.writeUInt32LE(1, 0);
          slot.writeUInt32LE(0, 4);
          slot.writeUInt32LE(ptr % 0x100000000, 8);
          slot.writeUInt32LE(Math.floor(ptr / 0x100000000), 12);
          const at = i * 16;
          slot.copy(b, Math.max(at - from, 0), Math.max(from - at, 0), Math.min(16, from + length - at));
        }
        return b.toString('latin1');
      }
    }
    for (const m of this.mappings()) if (offset >= m.start && offset + length <= m.end) return '\0'.repeat(length);
    return null;
  }

  // ---- logs ----------------------------------------------------------------------------------

  private logText(from: number, to: number): string {
    return this.events.filter((e) => e.t >= from && e.t < to).map((e) => logLines(e, this.d.apacheVersion, this.binaryPath, this.d.logTid)).join('');
  }

  /** The log directory's files, generated from the events; rebuilt when events or the day change. */
  private logCache: { key: string; names: string[]; make: Map<string, () => Node>; made: Map<string, Node> } | null = null;

  private logFiles(): NonNullable<Host['logCache']> {
    const now = this.now();
    const last = this.lastRotation(now);
    const ev = this.events;
    const key = `${last}|${ev.length}|${ev[0]?.t}|${ev[ev.length - 1]?.t}`;
    if (this.logCache?.key === key) return this.logCache;
    const meta = { uid: 0, gid: this.d.family === 'rhel' ? 0 : 4, mode: this.d.family === 'rhel' ? 0o644 : 0o640 };
    const make = new Map<string, () => Node>();
    // the live log was last written by its newest event, or created by the rotation
    const liveMtime = Math.max(last, ...ev.filter((e) => e.t >= last).map((e) => Math.floor(e.t)));
    if (this.d.family === 'debian') {
      make.set('error.log', () => file(this.logText(last, Infinity), { ...meta, mtime: liveMtime }));
      make.set('access.log', () => file('', { ...meta, mtime: liveMtime }));
      for (let k = 1; k <= 14; k++) {
        const from = last - k * 86400;
        const to = last - (k - 1) * 86400;
        if (from < ev[0]?.t - 86400 && k > 1) break;
        if (k === 1) make.set('error.log.1', () => file(this.logText(from, to), { ...meta, mtime: to }));
        else make.set(`error.log.${k}.gz`, () => file(gzipLog(this.logText(from, to)), { ...meta, mtime: to }));
      }
    } else {
      make.set('error_log', () => file(this.logText(last, Infinity), { ...meta, mtime: liveMtime }));
      make.set('access_log', () => file('', { ...meta, mtime: liveMtime }));
      for (let k = 1; k <= 4; k++) {
        const to = last - (k - 1) * 7 * 86400;
        const from = to - 7 * 86400;
        const stamp = new Date(to * 1000).toISOString().slice(0, 10).replace(/-/g, '');
        make.set(`error_log-${stamp}`, () => file(this.logText(from, to), { ...meta, mtime: to }));
      }
    }
    this.logCache = { key, names: [...make.keys()], make, made: new Map() };
    return this.logCache;
  }

  /**
   * Today's log files written out now (the lab's startup does this for every host): a real
   * host's logs are on disk before anyone lists them, and making them on first contact was
   * ~15 KB and a tenth of a probe's work per host, in the young generation, mid-check.
   */
  writeLogs(): void {
    const c = this.logFiles();
    for (const name of c.names) if (!c.made.has(name)) c.made.set(name, c.make.get(name)!());
  }

  private logs(rel: string[], full: boolean): Node | undefined {
    const dmeta = { uid: 0, gid: this.d.family === 'rhel' ? 0 : 4, mode: this.d.family === 'rhel' ? 0o700 : 0o750 };
    if (rel.length === 0 && !full) return dir({}, dmeta);
    const c = this.logFiles();
    const node = (name: string): Node | undefined => {
      let n = c.made.get(name);
      if (!n) {
        const f = c.make.get(name);
        if (!f) return undefined;
        n = f();
        c.made.set(name, n);
      }
      return n;
    };
    if (rel.length === 0) {
      const kids: Record<string, Node> = {};
      for (const k of c.names) kids[k] = node(k)!;
      return dir(kids, dmeta);
    }
    return rel.length === 1 ? node(rel[0]) : undefined;
  }

  // ---- service actions -----------------------------------------------------------------------

  /** Re-read configuration: is imagick loaded for Apache's SAPI, what libgomp is on disk now. */
  private loadConfig(): void {
    const m = this.m;
    if (!m) return;
    const sapi = sapiDir(this.d);
    let loaded = false;
    try {
      for (const f of m.fs.list(sapi, ROOT)) {
        if (!f.endsWith('.ini')) continue;
        let text = '';
        try { text = m.fs.readFile(`${sapi}/${f}`, ROOT); } catch { continue; }
        if (/^\s*extension\s*=\s*"?(imagick|imagick\.so)"?\s*$/m.test(text)) loaded = true;
      }
    } catch {
      loaded = false;
    }
    this.imagickLoaded = loaded;
    try {
      const ports = m.fs.readFile(this.d.family === 'rhel' ? '/etc/httpd/conf/httpd.conf' : '/etc/apache2/ports.conf', ROOT);
      const ls = [...ports.matchAll(/^\s*Listen\s+(?:\S+:)?(\d+)\s*$/gim)].map((x) => Number(x[1]));
      if (ls.length) this.listens = ls;
    } catch {
      // keep
    }
  }

  private gompLeakyOnDisk(): boolean {
    const data = this.diskGompData();
    const b = data ? gompRegistry.get(data) : undefined;
    return b ? b.leaky : false;
  }

  /** A graceful reload (SIGUSR1) or a restart that keeps the master (SIGHUP). */
  reload(kind: 'graceful' | 'sighup'): 'ok' | 'died' | 'not-running' {
    if (!this.master.alive) return 'not-running';
    this.loadConfig();
    const t = this.now();
    const leaky = this.imagickLoaded && this.gompLeakyOnDisk();
    const forced = this.spec.faults.dieOnReload === true;
    const r = reload(this.master, leaky, forced);
    if (r === 'died') {
      this.master.diedAt = t;
      this.master.diedOf = forced ? 'other' : 'exhaustion';
      this.events.push({ t, kind: forced ? 'crash' : 'death', pid: this.master.pid });
      this.writePidfile();
    } else {
      this.events.push({ t, kind, pid: this.master.pid });
      this.mapped = { gomp: this.imagickLoaded ? this.diskGompData() : null, gompDeleted: false };
    }
    this.pruneEvents(t);
    this.mutations++;
    return r;
  }

  stop(): void {
    if (this.master.alive) {
      this.events.push({ t: this.now(), kind: 'stop', pid: this.master.pid });
      this.master.alive = false;
      this.master.diedAt = null;
      this.writePidfile();
      this.mutations++;
    }
  }

  /** A full start: a new master, keys back to the baseline. */
  start(): boolean {
    if (this.master.alive) return true;
    this.loadConfig();
    const t = this.now();
    this.nextPid += 7;
    const envvars = this.m ? (() => { try { return this.m!.fs.readFile('/etc/apache2/envvars', ROOT); } catch { return ''; } })() : '';
    Object.assign(this.master, {
      alive: true, pid: this.nextPid, start: t, reloads: 0, keys: this.master.baseline,
      leakyLoaded: this.imagickLoaded && this.gompLeakyOnDisk(), preloaded: /^\s*export\s+LD_PRELOAD=\S*libgomp/m.test(envvars), diedAt: null, diedOf: undefined,
      preload: /^\s*export\s+LD_PRELOAD=(\S+)/m.exec(envvars)?.[1]?.replace(/^["']|["']$/g, ''),
    });
    this.mapped = { gomp: this.imagickLoaded ? this.diskGompData() : null, gompDeleted: false };
    this.events.push({ t, kind: 'start', pid: this.master.pid });
    this.writePidfile();
    this.mutations++;
    return true;
  }

  restart(): void {
    this.stop();
    this.start();
  }

  signal(pid: number, sig: string, cred: Cred): 'ok' | 'ESRCH' | 'EPERM' {
    const p = this.procs().find((x) => x.pid === pid);
    if (!p) return 'ESRCH';
    if (cred.uid !== 0 && cred.uid !== p.uid) return 'EPERM';
    if (sig === '0') return 'ok';
    if (pid === this.master.pid && this.master.alive) {
      if (sig === 'USR1') this.reload('graceful');
      else if (sig === 'HUP') this.reload('sighup');
      else if (sig === 'TERM' || sig === 'KILL' || sig === 'WINCH') this.stop();
    }
    return 'ok';
  }

  /** The package manager replaced the libgomp file: the mapped one is now "(deleted)". */
  replaceGomp(data: string): void {
    const m = this.machine();
    const before = this.diskGompData();
    m.fs.install(gompPath(this.d), file(data, { mtime: this.now() }));
    if (this.master.alive && this.mapped.gomp === before && before !== data) this.mapped = { ...this.mapped, gompDeleted: true };
  }

  /** Daily logrotate: rotate (the log files are generated by date) and reload the master. */
  logrotate(): void {
    if (this.master.alive) this.reload('graceful');
  }

  statusPage(): string | null {
    if (!this.master.alive || !this.statusEnabled) return null;
    return serverStatus(this.master, this.now(), this.d.apacheVersion, 'prefork');
  }

  /** Ground truth for detection scoring. */
  truth(): { atRisk: boolean; keys: number; alive: boolean; reloads: number; leaky: boolean } {
    const leakyMapped = this.master.alive && this.imagickLoaded && !this.master.preloaded && (this.mapped.gomp ? gompRegistry.get(this.mapped.gomp)?.leaky ?? false : false);
    const openmp = this.d.magick.openmp !== null;
    // a dead master counts when the leak killed it; one that died of something else does not
    return { atRisk: !this.master.alive ? this.master.diedOf === 'exhaustion' : leakyMapped && openmp, keys: this.master.alive ? this.master.keys : 0, alive: this.master.alive, reloads: this.master.reloads, leaky: leakyMapped };
  }

  /** Digest of durable state: files (with owner/mode, not /proc /run /tmp /var/log) and packages. */
  hash(): string {
    const h = createHash('sha256');
    const root = this.m ? this.m.fs.root : image(this.d, this.variant());
    const skip = new Set(['/proc', '/run', '/tmp', '/var/log', '/var/run', '/var/lock']);
    // Files machine() adds to the shared image when a host first runs a command: hashed the
    // same before it ever did, or the first read-only command would change the digest.
    const added = this.m ? new Map<string, Node>() : new Map<string, Node>([['/etc/hostname', file(`${this.spec.name}\n`)]]);
    const walk = (n: Node, path: string) => {
      if (skip.has(path)) return;
      h.update(`${path}\0${n.k}\0${n.mode.toString(8)}\0${n.uid}\0${n.gid}\0`);
      if (n.k === 'f') h.update(contentDigest(n));
      else if (n.k === 'l') h.update(n.target);
      else {
        const child = (k: string) => (path === '/' ? `/${k}` : `${path}/${k}`);
        const kids = new Map(n.kids);
        for (const [p, node] of added) if (p.slice(0, p.lastIndexOf('/')) === path) kids.set(p.slice(p.lastIndexOf('/') + 1), node);
        for (const k of [...kids.keys()].sort()) walk(kids.get(k)!, child(k));
      }
    };
    walk(root, '/');
    h.update(JSON.stringify([...this.packages].sort()));
    return h.digest('hex');
  }

  /** Install, upgrade or downgrade one package (the effects on files and the master's future loads). */
  installPackage(name: string, version: string): void {
    const d = this.d;
    this.packages.set(name, version);
    if (name === d.gompPkg) {
      const known = [d.gomp, d.gompUpdate, d.imagickCandidate?.gomp].find((g) => g?.pkgVersion === version);
      // a version the lab does not list: a fixed build under that name
      const b = known ?? { ...(d.imagickCandidate?.gomp ?? d.gompUpdate ?? d.gomp), leaky: false, pkgVersion: version };
      this.replaceGomp(gompFile(b));
    }
    this.mutations++;
  }

  /** Remove a package (the lab models no files of the packages it can remove). */
  removePackage(name: string): void {
    if (this.packages.delete(name)) this.mutations++;
  }

  /**
   * What the package manager also changes to install `name` at `version`: Imagick >= 3.5
   * packages depend on a libgomp built with GCC >= 9 (the incident notes), so installing one over
   * an older libgomp upgrades it too; the tools list it as real apt-get and yum/dnf do. The
   * stillLeaks fault's libgomp already claims a fixed version: nothing to upgrade.
   */
  dependencyChanges(name: string, version: string): { n: string; v: string; old: string | null }[] {
    const d = this.d;
    if (name !== d.imagickPkg || !d.imagickCandidate || version !== d.imagickCandidate.version || this.spec.faults.stillLeaks) return [];
    const old = this.packages.get(d.gompPkg) ?? null;
    const gccMajor = (v: string) => Number(/^(?:\d+:)?(\d+)/.exec(v)?.[1] ?? 0);
    if (old !== null && gccMajor(old) >= 9) return [];
    return [{ n: d.gompPkg, v: d.imagickCandidate.gomp.pkgVersion, old }];
  }

  imagickVersion(): string {
    const d = this.d;
    const v = this.packages.get(d.imagickPkg);
    return d.imagickCandidate && v === d.imagickCandidate.version ? d.imagickCandidate.upstream : d.imagickUpstream;
  }

  candidates(): Map<string, string[]> {
    const d = this.d;
    const c = new Map<string, string[]>();
    c.set(d.imagickPkg, [d.imagick, ...(d.imagickCandidate ? [d.imagickCandidate.version] : [])]);
    if (d.imagickAlias) c.set(d.imagickAlias, [d.imagick]);
    // the libgomp a newer Imagick pulls in is offered by the same repositories
    const gompNew = d.imagickCandidate && ![d.gomp.pkgVersion, d.gompUpdate?.pkgVersion].includes(d.imagickCandidate.gomp.pkgVersion) ? [d.imagickCandidate.gomp.pkgVersion] : [];
    c.set(d.gompPkg, [d.gomp.pkgVersion, ...(d.gompUpdate ? [d.gompUpdate.pkgVersion] : []), ...gompNew]);
    c.set(d.magick.pkg, [d.magick.pkgVersion]);
    c.set(d.family === 'debian' ? 'apache2' : 'httpd', [d.apachePkgVersion]);
    if (d.family === 'debian') c.set(`libapache2-mod-php${d.php}`, [d.phpFull]);
    if (d.family === 'debian' && !d.imagickAlias) c.set(`php${d.php}-imagick`, []);
    return c;
  }
}

export function keysTableAddress(h: Host): number {
  const lay = libLayout(h.d);
  const lib = pthreadLib(lay.keysIn, h.d.glibc);
  const libcSize = pthreadLib('libc', h.d.glibc).mapSize;
  const base = lay.keysIn === 'libc' ? h.spec.libBase : h.spec.libBase + libcSize + 0x200000;
  return base + lib.keysOffset;
}

export type { FileNode };
