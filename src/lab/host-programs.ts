// Programs that answer from a host's model: apache2/httpd, apachectl, systemctl, service,
// curl, php, convert, and the package tools (dpkg-query, dpkg, apt-get, apt-cache, rpm, dnf/yum).
import type { Host } from './host.js';
import { runPhp, PhpError, toStr, type PVal } from './php.js';
import { FsError, ROOT } from './fs.js';
import { Io, type Proc, type Program } from './shell/process.js';

/** Text as a real program writes it, UTF-8: the lab's strings hold one byte per character. */
const utf8 = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');
const BULLET = utf8('●');

function needRoot(p: Proc, io: Io, msg: string): number | null {
  return p.cred.uid === 0 ? null : io.fail(msg, 1);
}

function apacheV(h: Host): string {
  return `Server version: ${h.d.apacheVersion}\nServer built:   2025-04-02T18:34:29\nServer's Module Magic Number: 20120211:88\nServer loaded:  APR 1.6.5, APR-UTIL 1.6.1\nCompiled using: APR 1.6.5, APR-UTIL 1.6.1\nArchitecture:   64-bit\nServer MPM:     prefork\n  threaded:     no\n    forked:     yes (variable process count)\nServer compiled with....\n -D APR_HAS_SENDFILE\n -D HTTPD_ROOT="${h.d.family === 'rhel' ? '/etc/httpd' : '/etc/apache2'}"\n -D SERVER_CONFIG_FILE="${h.d.family === 'rhel' ? 'conf/httpd.conf' : 'apache2.conf'}"\n`;
}

function configFiles(p: Proc, h: Host): string[] {
  const fs = p.m.fs;
  const root = h.d.family === 'rhel' ? '/etc/httpd' : '/etc/apache2';
  const main = h.d.family === 'rhel' ? '/etc/httpd/conf/httpd.conf' : '/etc/apache2/apache2.conf';
  const out: string[] = [];
  const visit = (f: string) => {
    out.push(f);
    let text = '';
    try { text = fs.readFile(f, ROOT); } catch { return; }
    for (const m of text.matchAll(/^\s*Include(?:Optional)?\s+"?([^"\s]+)"?/gim)) {
      const pat = m[1].startsWith('/') ? m[1] : `${root}/${m[1]}`;
      const slash = pat.lastIndexOf('/');
      const dirp = pat.slice(0, slash);
      const base = pat.slice(slash + 1);
      if (!base.includes('*')) { visit(pat); continue; }
      const re = new RegExp(`^${base.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
      let names: string[] = [];
      try { names = fs.list(dirp, ROOT); } catch { names = []; }
      for (const n of names.filter((x) => re.test(x))) visit(`${dirp}/${n}`);
    }
  };
  visit(main);
  return out;
}

function apacheBinary(h: Host): Program {
  return (p) => {
    const io = new Io(p, h.comm);
    const args = p.argv.slice(1);
    if (h.d.family === 'debian' && !p.env.get('APACHE_RUN_DIR')) {
      io.err(`[core:warn] [pid ${9000 + (h.spec.index % 1000)}] AH00111: Config variable \${APACHE_RUN_DIR} is not defined\napache2: Syntax error on line 80 of /etc/apache2/apache2.conf: DefaultRuntimeDir must be a valid directory, absolute or relative to ServerRoot\n`);
      return 1;
    }
    if (args.includes('-v')) { io.out(`Server version: ${h.d.apacheVersion}\nServer built:   2025-04-02T18:34:29\n`); return 0; }
    if (args.includes('-V')) { io.out(apacheV(h)); return 0; }
    if (args.includes('-t') || args.includes('-S') || args.includes('-M')) {
      const defs = args.filter((_, i) => args[i - 1] === '-D');
      const files = configFiles(p, h);
      let out = '';
      if (defs.includes('DUMP_INCLUDES')) {
        out += 'Included configuration files:\n';
        files.forEach((f, i) => { out += i === 0 ? `  (*) ${f}\n` : `    (${10 + i * 7}) ${f}\n`; });
      }
      if (defs.includes('DUMP_RUN_CFG')) {
        const log = h.d.family === 'rhel' ? '/etc/httpd/logs/error_log' : '/var/log/apache2/error.log';
        out += `ServerRoot: "${h.d.family === 'rhel' ? '/etc/httpd' : '/etc/apache2'}"\nMain DocumentRoot: "/var/www/html"\nMain ErrorLog: "${log}"\nMutex default: dir="/var/run/apache2/" mechanism=default \nPidFile: "${h.d.family === 'rhel' ? '/run/httpd/httpd.pid' : '/var/run/apache2/apache2.pid'}"\n`;
        for (const dd of defs) out += `Define: ${dd}\n`;
        out += `User: name="${h.d.family === 'rhel' ? 'apache' : 'www-data'}" id=${h.d.family === 'rhel' ? 48 : 33}\nGroup: name="${h.d.family === 'rhel' ? 'apache' : 'www-data'}" id=${h.d.family === 'rhel' ? 48 : 33}\n`;
      }
      if (defs.includes('DUMP_MODULES') || args.includes('-M')) {
        out += 'Loaded Modules:\n core_module (static)\n so_module (static)\n';
        for (const f of files) {
          let text = '';
          try { text = p.m.fs.readFile(f, ROOT); } catch { continue; }
          for (const m of text.matchAll(/^\s*LoadModule\s+(\w+)/gim)) out += ` ${m[1]} (shared)\n`;
        }
      }
      io.out(out);
      io.err('Syntax OK\n');
      return 0;
    }
    if (args.includes('-k')) return ctlAction(p, h, io, args[args.indexOf('-k') + 1] ?? '');
    return io.fail('usage: apache2 [-D name] [-d directory] [-f file] [-k start|restart|graceful|graceful-stop|stop] [-v] [-V] [-t]');
  };
}

function ctlAction(p: Proc, h: Host, io: Io, action: string): number {
  const denied = needRoot(p, io, `${h.comm}: Could not open configuration file: Permission denied`);
  switch (action) {
    case 'graceful': case 'reload': case 'force-reload': {
      if (denied !== null) return denied;
      const r = h.reload('graceful');
      if (r === 'not-running') { io.err(`httpd (no pid file) not running\n`); return 1; }
      return 0;
    }
    case 'restart': {
      if (denied !== null) return denied;
      if (!h.master.alive) { h.start(); return 0; }
      h.reload('sighup');
      return 0;
    }
    case 'start': if (denied !== null) return denied; h.start(); return 0;
    case 'stop': case 'graceful-stop': if (denied !== null) return denied; h.stop(); return 0;
    case 'configtest': io.err('Syntax OK\n'); return 0;
    case 'status': return h.master.alive ? (io.out(` * apache2 is running\n`), 0) : (io.out(' * apache2 is not running\n'), 3);
  }
  return io.fail(`Usage: ${h.comm} start|stop|restart|graceful|configtest|status`);
}

function apachectl(h: Host): Program {
  return (p) => {
    const io = new Io(p, 'apachectl');
    const a = p.argv[1] ?? '';
    if (a === '-t' || a === 'configtest' || a === '-V' || a === '-v' || a === '-M' || a === '-S') {
      if (a === '-V') { io.out(apacheV(h)); return 0; }
      io.err('Syntax OK\n');
      return 0;
    }
    if (a === '-k') return ctlAction(p, h, io, p.argv[2] ?? '');
    return ctlAction(p, h, io, a);
  };
}

function systemctl(h: Host): Program {
  return (p) => {
    const io = new Io(p, 'systemctl');
    const args = p.argv.slice(1).filter((x) => !x.startsWith('-'));
    const quiet = p.argv.includes('-q') || p.argv.includes('--quiet');
    const [verb, unitRaw] = args;
    const unit = (unitRaw ?? '').replace(/\.service$/, '');
    if (verb === 'daemon-reload') return p.cred.uid === 0 ? 0 : io.fail('Failed to reload daemon: Access denied');
    if (unit !== h.comm) {
      if (verb === 'is-active') { if (!quiet) io.out('inactive\n'); return 3; }
      return io.fail(`Failed to ${verb} ${unitRaw}: Unit ${unitRaw}.service not found.`, 5);
    }
    switch (verb) {
      case 'is-active': if (!quiet) io.out(h.master.alive ? 'active\n' : h.master.diedAt !== null ? 'failed\n' : 'inactive\n'); return h.master.alive ? 0 : 3;
      case 'status':
        io.out(`${BULLET} ${unit}.service - The Apache HTTP Server\n   Active: ${h.master.alive ? 'active (running)' : 'failed (Result: exit-code)'}\n Main PID: ${h.master.pid} (${h.comm})\n`);
        return h.master.alive ? 0 : 3;
      case 'reload': case 'restart': case 'start': case 'stop': case 'try-restart': case 'reload-or-restart': {
        if (p.cred.uid !== 0) return io.fail(`Failed to ${verb} ${unit}.service: Interactive authentication required.\nSee system logs and 'systemctl status ${unit}.service' for details.`);
        if (verb === 'reload') {
          if (!h.master.alive) return io.fail(`${unit}.service is not active, cannot reload.`);
          const r = h.reload('graceful');
          if (r === 'died') return io.fail(`Job for ${unit}.service failed because the control process exited with error code.\nSee "systemctl status ${unit}.service" and "journalctl -xe" for details.`);
          return 0;
        }
        if (verb === 'stop') { h.stop(); return 0; }
        if (verb === 'start') { h.start(); return 0; }
        h.restart();
        return 0;
      }
    }
    return io.fail(`Unknown command verb ${verb}.`);
  };
}

function service(h: Host): Program {
  return (p) => {
    const io = new Io(p, 'service');
    const name = p.argv[0].split('/').pop();
    let args = p.argv.slice(1);
    if (name === 'service' || name === 'invoke-rc.d') {
      if (args[0] !== h.comm) return io.fail(`${args[0]}: unrecognized service`);
      args = args.slice(1);
    }
    return ctlAction(p, h, io, args[0] ?? '');
  };
}

function curl(h: Host): Program {
  return (p) => {
    const io = new Io(p, 'curl');
    const args = p.argv.slice(1);
    let url: string | null = null;
    let silent = false, showErr = false, fail = false, head = false;
    let outFile: string | null = null;
    let wfmt: string | null = null;
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (a === '-o' || a === '--output') { outFile = args[++i]; continue; }
      if (a === '-w' || a === '--write-out') { wfmt = args[++i]; continue; }
      if (a === '-m' || a === '--max-time' || a === '-H' || a === '-X' || a === '--connect-timeout' || a === '-A' || a === '-u') { i++; continue; }
      if (a.startsWith('--')) { if (a === '--silent') silent = true; if (a === '--fail') fail = true; if (a === '--show-error') showErr = true; continue; }
      if (a.startsWith('-') && a.length > 1) {
        for (const c of a.slice(1)) { if (c === 's') silent = true; if (c === 'S') showErr = true; if (c === 'f') fail = true; if (c === 'I') head = true; }
        continue;
      }
      url = a;
    }
    if (!url) return io.fail('curl: try \'curl --help\' for more information', 2);
    const m = /^(https?):\/\/(\[[^\]]+\]|[^/:]+)(?::(\d+))?(\/[^?#]*)?(\?[^#]*)?/.exec(url);
    if (!m) { if (!silent || showErr) io.err(`curl: (3) URL using bad/illegal format or missing URL\n`); return 3; }
    const port = Number(m[3] ?? (m[1] === 'https' ? 443 : 80));
    const hostPart = m[2];
    const local = ['127.0.0.1', 'localhost', '[::1]', h.spec.name, '0.0.0.0'].includes(hostPart);
    const path = m[4] ?? '/';
    const query = m[5] ?? '';
    const code = (n: number, body: string) => {
      if (fail && n >= 400) { if (!silent || showErr) io.err(`curl: (22) The requested URL returned error: ${n}\n`); if (wfmt) io.out(wfmt.replace('%{http_code}', String(n))); return 22; }
      const text = head ? `HTTP/1.1 ${n} ${n === 200 ? 'OK' : 'Not Found'}\r\nServer: ${h.d.apacheVersion}\r\n\r\n` : body;
      if (outFile && outFile !== '/dev/null' && outFile !== '-') {
        try { p.m.fs.writeFile(outFile, text, p.cred, { cwd: p.cwd }); } catch (e) { io.err(`curl: (23) Failure writing output to destination: ${(e as FsError).text}\n`); return 23; }
      } else if (outFile !== '/dev/null') io.out(text);
      if (wfmt) io.out(wfmt.replace('%{http_code}', String(n)).replace(/\\n/g, '\n'));
      return 0;
    };
    if (!local || !h.master.alive || !h.listens.includes(port) || m[1] === 'https') {
      if (!silent || showErr) io.err(`curl: (7) Failed to connect to ${hostPart.replace(/^\[|\]$/g, '')} port ${port} after 0 ms: Couldn't connect to server\n`);
      if (wfmt) io.out(wfmt.replace('%{http_code}', '000'));
      return 7;
    }
    if (path === '/server-status') {
      const page = h.statusPage();
      if (page === null) return code(404, '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n<title>404 Not Found</title>\n</head></html>\n');
      return code(200, query.includes('auto') ? page : `<html><body><h1>Apache Server Status</h1><pre>${page}</pre></body></html>\n`);
    }
    if (path === '/' || path === '/index.html') return code(200, '<html><body>It works!</body></html>\n');
    return code(404, '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n<title>404 Not Found</title>\n</head></html>\n');
  };
}

function parseIni(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const l = raw.replace(/;.*$/, '').trim();
    const m = /^([A-Za-z0-9_.]+)\s*=\s*"?([^"]*)"?$/.exec(l);
    if (m) out.set(m[1], out.has(m[1]) && m[1] === 'extension' ? `${out.get(m[1])},${m[2]}` : m[2]);
  }
  return out;
}

function php(h: Host): Program {
  return (p) => {
    const io = new Io(p, 'php');
    const args = p.argv.slice(1);
    let ini: string | null = null;
    let code: string | null = null;
    let noIni = false;
    for (let i = 0; i < args.length; i++) {
      if (args[i] === '-c') ini = args[++i];
      else if (args[i] === '-n') noIni = true;
      else if (args[i] === '-r') code = args[++i];
      else if (args[i] === '-v') { io.out(`PHP ${h.d.phpFull} (cli) (built: Nov 12 2025 08:58:41) ( NTS )\n`); return 0; }
      else if (args[i] === '-m') code = 'echo "[PHP Modules]\\n";';
    }
    if (code === null) return io.fail('Could not open input file: (stdin is not supported by the lab php)');
    const fs = p.m.fs;
    const d = h.d;
    const settings = new Map<string, string>();
    const extensions: string[] = [];
    const load = (path: string) => {
      let text: string;
      try { text = fs.readFile(path, p.cred, p.cwd); } catch { return; }
      for (const raw of text.split('\n')) {
        const l = raw.replace(/;.*$/, '').trim();
        const m = /^([A-Za-z0-9_.]+)\s*=\s*"?([^"]*?)"?\s*$/.exec(l);
        if (!m) continue;
        if (m[1] === 'extension') extensions.push(m[2].split('/').pop()!.replace(/\.so$/, ''));
        else settings.set(m[1], m[2]);
      }
    };
    if (!noIni) {
      const iniPath = ini ?? (d.family === 'rhel' ? '/etc/php.ini' : `/etc/php/${d.php}/cli/php.ini`);
      load(iniPath.endsWith('.ini') ? iniPath : `${iniPath}/php.ini`);
      const scan = p.env.get('PHP_INI_SCAN_DIR') ?? (d.family === 'rhel' ? '/etc/php.d' : `/etc/php/${d.php}/cli/conf.d`);
      for (const dirp of scan.split(':').filter(Boolean)) {
        let names: string[] = [];
        try { names = fs.list(dirp, p.cred, p.cwd); } catch { names = []; }
        for (const n of names.filter((x) => x.endsWith('.ini'))) load(`${dirp}/${n}`);
      }
    }
    const imagick = extensions.includes('imagick');
    const version = h.imagickVersion();
    const newImagick = Number(version.split('.')[0]) > 3 || Number(version.split('.')[1]) >= 5;
    const directives: [string, string][] = imagick ? [
      ['imagick.locale_fix', '0'], ['imagick.skip_version_check', '1'], ['imagick.progress_monitor', '0'],
      ...(newImagick ? [['imagick.set_single_thread', '1'], ['imagick.shutdown_sleep_count', '10'], ['imagick.allow_zero_dimension_images', '0']] as [string, string][] : []),
    ] : [];
    const ini2 = new Map(directives.map(([k, v]) => [k, settings.get(k) ?? v]));
    const feats = `Cipher DPC Modules ${d.magick.openmp ?? ''} `.replace('  ', ' ');
    try {
      const out = runPhp(code, {
        getenv: (n) => p.env.get(n) ?? false,
        classes: new Set(imagick ? ['Imagick'] : []),
        constants: { PHP_VERSION: d.phpFull.split(/[-+~]/)[0], PHP_EOL: '\n' },
        functions: {
          phpversion: (e?: PVal) => (e === undefined ? d.phpFull.split(/[-+~]/)[0] : toStr(e ?? '') === 'imagick' && imagick ? version : false),
          ini_get: (k: PVal) => (ini2.has(toStr(k)) ? ini2.get(toStr(k))! : settings.has(toStr(k)) ? settings.get(toStr(k))! : false),
          extension_loaded: (e: PVal) => toStr(e) === 'imagick' ? imagick : ['core', 'standard', 'date'].includes(toStr(e).toLowerCase()),
          ini_get_all: (e: PVal) => (toStr(e) === 'imagick' && imagick ? new Map<string, PVal>([...ini2]) : false),
        },
        statics: {
          'Imagick::getFeatures': () => feats,
          'Imagick::getVersion': () => new Map<string, PVal>([['versionNumber', 1673], ['versionString', `ImageMagick ${d.magick.version} Q16 x86_64 ${d.magick.date} https://imagemagick.org`]]),
        },
      });
      io.out(out);
      return 0;
    } catch (e) {
      if (e instanceof PhpError) { io.out(`${e.message} in Command line code on line 1\n`); return 255; }
      throw e;
    }
  };
}

function convert(h: Host): Program {
  return (p) => {
    const io = new Io(p, 'convert');
    if (p.argv[1] !== '-version' && p.argv[1] !== '--version') return io.fail('convert: no images defined `(null)\' @ error/convert.c/ConvertImageCommand/3304.');
    const m = h.d.magick;
    io.out(`Version: ImageMagick ${m.version} Q16 x86_64 ${m.date} https://imagemagick.org\n${utf8(m.copyright)}\nLicense: https://imagemagick.org/script/license.php\nFeatures: Cipher DPC Modules ${m.openmp ? m.openmp + ' ' : ''}\nDelegates (built-in): bzlib djvu fftw fontconfig freetype jbig jng jpeg lcms lqr ltdl lzma openexr pangocairo png tiff webp wmf x xml zlib\n`);
    return 0;
  };
}

// ---- package tools ----------------------------------------------------------------------------

function dpkgQuery(h: Host): Program {
  return (p) => {
    const io = new Io(p, 'dpkg-query');
    const args = p.argv.slice(1);
    let fmt = '${binary:Package}\t${Version}\n';
    const names: string[] = [];
    let show = false;
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (a === '-W' || a === '--show') show = true;
      else if (a === '-f' || a === '--showformat') fmt = args[++i];
      else if (a.startsWith('-f=') || a.startsWith('--showformat=')) fmt = a.slice(a.indexOf('=') + 1);
      else if (a.startsWith('-f')) fmt = a.slice(2);
      else names.push(a);
    }
    if (!show) return io.fail('need an action option', 2);
    const known = h.candidates();
    let rc = 0;
    let out = '';
    for (const n of names) {
      const v = h.packages.get(n);
      if (v === undefined && !known.has(n)) { io.err(`dpkg-query: no packages found matching ${n}\n`); rc = 1; continue; }
      out += fmt.replace(/\$\{([^}]+)\}/g, (_, k: string) => {
        switch (k) {
          case 'Package': case 'binary:Package': return n;
          case 'Version': return v ?? '';
          case 'Status': return v ? 'install ok installed' : 'unknown ok not-installed';
          case 'db:Status-Abbrev': return v ? 'ii ' : 'un ';
          case 'Architecture': return 'amd64';
        }
        return '';
      }).replace(/\\n/g, '\n').replace(/\\t/g, '\t');
    }
    io.out(out);
    return rc;
  };
}

function dpkg(h: Host): Program {
  return (p) => {
    const io = new Io(p, 'dpkg');
    const a = p.argv[1];
    if (a === '--verify' || a === '-V') return 0;
    if (a === '-s' || a === '--status') {
      const n = p.argv[2];
      const v = h.packages.get(n);
      if (!v) return io.fail(`package '${n}' is not installed and no information is available`);
      io.out(`Package: ${n}\nStatus: install ok installed\nVersion: ${v}\n`);
      return 0;
    }
    if (a === '-l') {
      for (const [n, v] of [...h.packages].sort()) io.out(`ii  ${n.padEnd(30)} ${v.padEnd(30)} amd64        lab package\n`);
      return 0;
    }
    return io.fail(`need an action option`, 2);
  };
}

function aptCache(h: Host): Program {
  return (p) => {
    const io = new Io(p, 'apt-cache');
    const [verb, ...names] = p.argv.slice(1).filter((x) => !x.startsWith('-'));
    if (verb !== 'policy' && verb !== 'madison') return io.fail(`E: Invalid operation ${verb}`, 100);
    const cands = h.candidates();
    let out = '';
    for (const n of names) {
      const vs = cands.get(n);
      if (!vs) { io.err(`N: Unable to locate package ${n}\n`); continue; }
      const inst = h.packages.get(n) ?? null;
      const all = [...new Set([...vs, ...(inst ? [inst] : [])])].reverse();
      const cand = vs.length ? vs[vs.length - 1] : null;
      out += `${n}:\n  Installed: ${inst ?? '(none)'}\n  Candidate: ${cand ?? '(none)'}\n  Version table:\n`;
      for (const v of all) {
        out += ` ${v === inst ? '***' : '   '} ${v} 500\n`;
        if (vs.includes(v)) out += `        500 ${h.d.repoLine}\n`;
        if (v === inst) out += '        100 /var/lib/dpkg/status\n';
      }
    }
    io.out(out);
    return 0;
  };
}

/** One package the transaction changes: `old` null = newly installed, `v` null = removed. */
interface Change { n: string; v: string | null; old: string | null; explicit: boolean }
type ChangeKind = 'install' | 'upgrade' | 'downgrade' | 'reinstall' | 'remove';

/** Package version order (dpkg and rpm agree on these): digit runs numerically, `~` first. */
export function labVersionCmp(a: string, b: string): number {
  const parts = (v: string) => v.match(/~|\d+|[A-Za-z]+|[^~\dA-Za-z]+/g) ?? [];
  const x = parts(a), y = parts(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const p = x[i], q = y[i];
    if (p === q) continue;
    if (p === '~') return -1;
    if (q === '~') return 1;
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    const dp = /^\d/.test(p), dq = /^\d/.test(q);
    if (dp && dq) { const d = Number(p) - Number(q); if (d) return Math.sign(d); continue; }
    if (dp !== dq) return dp ? 1 : -1;
    return p < q ? -1 : 1;
  }
  return 0;
}

function changeKind(c: Change): ChangeKind {
  if (c.v === null) return 'remove';
  if (c.old === null) return 'install';
  const d = labVersionCmp(c.v, c.old);
  return d > 0 ? 'upgrade' : d < 0 ? 'downgrade' : 'reinstall';
}

/** The packages a request changes, with what the manager pulls in (listed first, as apt does). */
function withDependencies(h: Host, plan: Change[]): Change[] {
  const deps: Change[] = [];
  for (const x of plan) {
    if (x.v === null) continue;
    for (const dep of h.dependencyChanges(x.n, x.v)) {
      if (!plan.some((y) => y.n === dep.n) && !deps.some((y) => y.n === dep.n)) deps.push({ ...dep, explicit: false });
    }
  }
  return [...deps, ...plan];
}

function applyChanges(h: Host, plan: Change[]): void {
  for (const x of plan) if (x.v === null) h.removePackage(x.n); else h.installPackage(x.n, x.v);
}

function aptGet(h: Host): Program {
  return (p) => {
    const io = new Io(p, 'apt-get');
    const args = p.argv.slice(1);
    const sim = args.some((a) => a === '-s' || a === '--simulate' || a === '--dry-run' || a === '--just-print' || a === '--no-act');
    const reinstall = args.includes('--reinstall');
    const yes = args.some((a) => a === '-y' || a === '--yes' || a === '--assume-yes' || /^-[a-z]*y/.test(a) && !a.startsWith('--'));
    const allowDowngrades = args.includes('--allow-downgrades') || args.includes('--force-yes');
    // Options that take a value (-o Debug::NoLocking=1, -t release, -c file) are not words.
    const words: string[] = [];
    for (let i = 0; i < args.length; i++) {
      if (args[i] === '-o' || args[i] === '-t' || args[i] === '-c' || args[i] === '--option' || args[i] === '--target-release') { i++; continue; }
      if (!args[i].startsWith('-')) words.push(args[i]);
    }
    const verb = words[0];
    const specs = words.slice(1);
    if (!sim && p.cred.uid !== 0) { io.err('E: Could not open lock file /var/lib/dpkg/lock-frontend - open (13: Permission denied)\nE: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), are you root?\n'); return 100; }
    if (verb === 'update') {
      if (h.spec.faults.mirrorFailure) { io.out('Err:1 http://mirror.lab.invalid stable InRelease\n'); io.err('W: Failed to fetch http://mirror.lab.invalid/dists/stable/InRelease  503  Service Unavailable\nW: Some index files failed to download. They have been ignored, or old ones used instead.\n'); return 0; }
      io.out('Reading package lists...\n');
      return 0;
    }
    if (verb !== 'install' && verb !== 'upgrade' && verb !== 'remove' && verb !== 'purge') return io.fail(`E: Invalid operation ${verb}`, 100);
    if (sim && p.cred.uid !== 0) io.out('NOTE: This is only a simulation!\n      apt-get needs root privileges for real execution.\n      Keep also in mind that locking is deactivated,\n      so don\'t depend on the relevance to the real current situation!\n');
    const cands = h.candidates();
    let plan: Change[] = [];
    io.out('Reading package lists...\nBuilding dependency tree...\nReading state information...\n');
    for (const s of specs) {
      const [n, want] = s.split('=');
      const vs = cands.get(n);
      const old = h.packages.get(n) ?? null;
      if (verb === 'remove' || verb === 'purge') {
        if (!vs && old === null) { io.err(`E: Unable to locate package ${n}\n`); return 100; }
        if (old === null) { io.out(`Package '${n}' is not installed, so not removed\n`); continue; }
        plan.push({ n, v: null, old, explicit: true });
        continue;
      }
      if (!vs) { io.err(`E: Unable to locate package ${n}\n`); return 100; }
      const v = want ?? vs[vs.length - 1];
      if (!v || !vs.includes(v)) { io.err(`E: Version '${want}' for '${n}' was not found\n`); return 100; }
      if (old === v && !reinstall) { io.out(`${n} is already the newest version (${v}).\n`); continue; }
      plan.push({ n, v, old, explicit: true });
    }
    plan = withDependencies(h, plan);
    const of = (k: ChangeKind) => plan.filter((x) => changeKind(x) === k).map((x) => x.n);
    const block = (title: string, names: string[]) => { if (names.length) io.out(`${title}\n  ${[...names].sort().join(' ')}\n`); };
    block('The following additional packages will be installed:', plan.filter((x) => !x.explicit).map((x) => x.n));
    block('The following packages will be REMOVED:', of('remove'));
    block('The following NEW packages will be installed:', of('install'));
    block('The following packages will be upgraded:', of('upgrade'));
    block('The following packages will be DOWNGRADED:', of('downgrade'));
    const re = of('reinstall').length;
    io.out(`${of('upgrade').length} upgraded, ${of('install').length} newly installed, ${of('downgrade').length ? `${of('downgrade').length} downgraded, ` : ''}${re ? `${re} reinstalled, ` : ''}${of('remove').length} to remove and 0 not upgraded.\n`);
    if (sim) {
      for (const x of plan) if (x.v === null) io.out(`Remv ${x.n} [${x.old}]\n`);
      for (const x of plan) if (x.v !== null) io.out(`Inst ${x.n}${x.old ? ` [${x.old}]` : ''} (${x.v} lab [amd64])\n`);
      for (const x of plan) if (x.v !== null) io.out(`Conf ${x.n} (${x.v} lab [amd64])\n`);
      return 0;
    }
    if (of('downgrade').length && yes && !allowDowngrades) { io.err('E: Packages were downgraded and -y was used without --allow-downgrades.\n'); return 100; }
    const fetched = plan.filter((x) => x.v !== null);
    if (fetched.length && h.spec.faults.mirrorFailure) {
      io.err(`E: Failed to fetch http://mirror.lab.invalid/pool/${fetched[0].n}_${fetched[0].v}_amd64.deb  503  Service Unavailable\nE: Unable to fetch some archives, maybe run apt-get update or try with --fix-missing?\n`);
      return 100;
    }
    if (fetched.length && h.spec.faults.diskFull) {
      io.err(`E: You don't have enough free space in /var/cache/apt/archives/.\n`);
      return 100;
    }
    for (const x of plan) {
      if (x.v === null) io.out(`Removing ${x.n} (${x.old}) ...\n`);
      else io.out(`Preparing to unpack .../${x.n}_${x.v}_amd64.deb ...\nUnpacking ${x.n} (${x.v})${x.old ? ` over (${x.old})` : ''} ...\n`);
    }
    for (const x of plan) if (x.v !== null) io.out(`Setting up ${x.n} (${x.v}) ...\n`);
    applyChanges(h, plan);
    return 0;
  };
}

function rpm(h: Host): Program {
  return (p) => {
    const io = new Io(p, 'rpm');
    const args = p.argv.slice(1);
    let qf = '%{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}\n';
    const names: string[] = [];
    let query = false;
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (a === '-q' || a === '--query') query = true;
      else if (a === '--qf' || a === '--queryformat') qf = args[++i];
      else if (a === '-V' || a === '--verify') return 0;
      else if (!a.startsWith('-')) names.push(a);
    }
    if (!query) return io.fail('rpm: no operation specified', 1);
    let rc = 0;
    let out = '';
    for (const n of names) {
      const v = h.packages.get(n);
      if (!v) { out += `package ${n} is not installed\n`; rc = 1; continue; }
      const dash = v.lastIndexOf('-');
      out += qf.replace(/%\{(\w+)\}/g, (_, k: string) => ({ NAME: n, VERSION: v.slice(0, dash), RELEASE: v.slice(dash + 1), ARCH: 'x86_64', EPOCH: '(none)' } as Record<string, string>)[k] ?? '').replace(/\\n/g, '\n');
    }
    io.out(out);
    return rc;
  };
}

/**
 * yum and dnf. RHEL 7's yum is yum 3 (its own resolver log, "Updating for dependencies:",
 * "Exiting on user command" on --assumeno); RHEL 8's yum and dnf are dnf 4 (dependencies listed
 * under the same "Upgrading:" heading, "Operation aborted."). Both list every package the
 * transaction changes, dependencies included, and exit 1 on --assumeno.
 */
function dnf(h: Host): Program {
  return (p) => {
    const tool = p.argv[0].split('/').pop() ?? 'dnf';
    const io = new Io(p, tool);
    const yum3 = h.d.id === 'rhel7';
    const args = p.argv.slice(1);
    const words = args.filter((a) => !a.startsWith('-'));
    const assumeNo = args.includes('--assumeno');
    const yes = args.includes('-y') || args.includes('--assumeyes');
    const verb = words[0] === 'update' ? 'upgrade' : words[0] === 'erase' ? 'remove' : words[0];
    const cands = h.candidates();
    if (verb === 'list') {
      const names = words.slice(1).filter((w) => w !== 'available' && w !== 'installed' && w !== 'all');
      let out = '';
      const inst = names.filter((n) => h.packages.has(n));
      if (inst.length && !args.includes('--available') && !words.includes('available')) {
        out += 'Installed Packages\n';
        for (const n of inst) out += `${`${n}.x86_64`.padEnd(30)} ${h.packages.get(n)!.padEnd(28)} @${h.d.repoLine}\n`;
      }
      const av = names.filter((n) => cands.get(n)?.length);
      if (av.length) {
        out += 'Available Packages\n';
        for (const n of av) for (const v of cands.get(n)!) if (args.includes('--showduplicates') || v === cands.get(n)![cands.get(n)!.length - 1]) out += `${`${n}.x86_64`.padEnd(30)} ${v.padEnd(28)} ${h.d.repoLine}\n`;
      }
      if (!out) { io.err('Error: No matching Packages to list\n'); return 1; }
      io.out(out);
      return 0;
    }
    if (!['install', 'upgrade', 'reinstall', 'downgrade', 'remove'].includes(verb)) return io.fail(yum3 ? `No such command: ${verb}. Please use ${p.argv[0]} --help` : `No such command: ${verb}. Please use ${p.argv[0]} --help\nIt could be a ${tool} plugin command, try: "${tool} install 'dnf-command(${verb})'"`);
    if (p.cred.uid !== 0 && !assumeNo) return io.fail(yum3 ? 'You need to be root to perform this command.' : 'Error: This command has to be run with superuser privileges (under the root user on most systems).');
    if (yum3) io.out('Loaded plugins: fastestmirror\nLoading mirror speeds from cached hostfile\n');
    const marked = verb === 'remove' ? 'removal' : verb === 'downgrade' ? 'downgrade' : verb;
    let plan: Change[] = [];
    const refusals: string[] = [];
    for (const s of words.slice(1)) {
      const n = cands.has(s) || h.packages.has(s) ? s : s.replace(/-\d.*$/, '');
      const vs = cands.get(n) ?? [];
      const old = h.packages.get(n) ?? null;
      const given = s !== n ? s.slice(n.length + 1).replace(/^0:/, '') : null;
      if (verb === 'remove') {
        if (old === null) { refusals.push(yum3 ? `No Match for argument: ${s}` : `No match for argument: ${s}`); continue; }
        plan.push({ n, v: null, old, explicit: true });
        continue;
      }
      if ((!vs.length && old === null) || (given !== null && !vs.includes(given))) {
        refusals.push(yum3 ? `No package ${s} available.` : `No match for argument: ${s}`);
        continue;
      }
      if (verb === 'downgrade') {
        if (old === null) { refusals.push(`Packages for argument ${n} available, but not installed.`); continue; }
        const lower = vs.filter((v) => labVersionCmp(v, old) < 0);
        const v = given ?? lower[lower.length - 1] ?? null;
        if (v === null) { refusals.push(yum3 ? `Only Upgrade available on package: ${n}-${old}.x86_64` : `Package ${n} of lowest version already installed, cannot downgrade it.`); continue; }
        if (labVersionCmp(v, old) >= 0) { refusals.push(yum3 ? `Only Upgrade available on package: ${n}-${v}.x86_64` : `Package ${n}-${v}.x86_64 is already installed.`); continue; }
        plan.push({ n, v, old, explicit: true });
        continue;
      }
      const v = given ?? vs[vs.length - 1];
      if (old === v && verb !== 'reinstall') {
        io.out(yum3 ? `Package ${n}-${v}.x86_64 already installed and latest version\n` : `Package ${n}-${v}.x86_64 is already installed.\n`);
        continue;
      }
      if (verb === 'reinstall' && old === null) { refusals.push(`Package ${n} available, but not installed.`); continue; }
      plan.push({ n, v, old, explicit: true });
    }
    for (const r of refusals) io.out(`${r}\n`);
    plan = withDependencies(h, plan);
    // dnf refuses the whole request when an argument matched nothing; yum 3 skips that argument.
    if (refusals.length && (!plan.length || !yum3)) {
      if (yum3) io.err('Error: Nothing to do\n');
      else io.err(verb === 'install' || verb === 'upgrade' ? `Error: Unable to find a match: ${words.slice(1).join(' ')}\n` : `Error: No packages marked for ${marked}.\n`);
      return 1;
    }
    if (!plan.length) { io.out(yum3 ? 'Nothing to do\n' : 'Dependencies resolved.\nNothing to do.\nComplete!\n'); return 0; }
    const repo = (x: Change) => (x.n === h.d.imagickPkg || x.n === h.d.magick.pkg ? h.d.repoLine : h.d.id === 'rhel7' ? 'base' : 'baseos');
    const row = (x: Change) => ` ${x.n.padEnd(22)} ${'x86_64'.padEnd(9)} ${(x.v ?? x.old!).padEnd(28)} ${repo(x).padEnd(12)} ${x.v === null ? '1.2 M' : '148 k'}\n`;
    if (yum3) {
      io.out('Resolving Dependencies\n--> Running transaction check\n');
      const said = (x: Change) => {
        const k = changeKind(x);
        if (k === 'remove') io.out(`---> Package ${x.n}.x86_64 0:${x.old} will be erased\n`);
        else if (k === 'install') io.out(`---> Package ${x.n}.x86_64 0:${x.v} will be installed\n`);
        else if (k === 'upgrade') io.out(`---> Package ${x.n}.x86_64 0:${x.old} will be updated\n---> Package ${x.n}.x86_64 0:${x.v} will be an update\n`);
        else if (k === 'downgrade') io.out(`---> Package ${x.n}.x86_64 0:${x.v} will be a downgrade\n---> Package ${x.n}.x86_64 0:${x.old} will be erased\n`);
        else io.out(`---> Package ${x.n}.x86_64 0:${x.v} will be reinstalled\n`);
      };
      const deps = plan.filter((x) => !x.explicit);
      plan.filter((x) => x.explicit).forEach(said);
      for (const x of deps) {
        const by = plan.find((y) => y.explicit && y.v !== null && h.dependencyChanges(y.n, y.v).some((z) => z.n === x.n));
        if (by) io.out(`--> Processing Dependency: ${x.n} >= 9 for package: ${by.n}-${by.v}.x86_64\n`);
      }
      if (deps.length) { io.out('--> Running transaction check\n'); deps.forEach(said); }
      io.out('--> Finished Dependency Resolution\n\nDependencies Resolved\n\n');
    } else {
      io.out('Dependencies resolved.\n');
    }
    const rule = '================================================================================\n';
    io.out(`${rule} Package                Arch      Version                      Repository     Size\n${rule}`);
    const sections: [string, Change[]][] = yum3
      ? [
        ['Installing:', plan.filter((x) => x.explicit && changeKind(x) === 'install')],
        ['Updating:', plan.filter((x) => x.explicit && changeKind(x) === 'upgrade')],
        ['Downgrading:', plan.filter((x) => x.explicit && changeKind(x) === 'downgrade')],
        ['Reinstalling:', plan.filter((x) => x.explicit && changeKind(x) === 'reinstall')],
        ['Removing:', plan.filter((x) => x.explicit && changeKind(x) === 'remove')],
        ['Installing for dependencies:', plan.filter((x) => !x.explicit && changeKind(x) === 'install')],
        ['Updating for dependencies:', plan.filter((x) => !x.explicit && changeKind(x) === 'upgrade')],
      ]
      : [
        ['Installing:', plan.filter((x) => x.explicit && changeKind(x) === 'install')],
        ['Upgrading:', plan.filter((x) => changeKind(x) === 'upgrade')],
        ['Reinstalling:', plan.filter((x) => changeKind(x) === 'reinstall')],
        ['Installing dependencies:', plan.filter((x) => !x.explicit && changeKind(x) === 'install')],
        ['Removing:', plan.filter((x) => changeKind(x) === 'remove')],
        ['Downgrading:', plan.filter((x) => changeKind(x) === 'downgrade')],
      ];
    for (const [title, xs] of sections) if (xs.length) io.out(`${title}\n${xs.map(row).join('')}`);
    io.out(`\nTransaction Summary\n${rule}`);
    const pk = (n: number) => `${n} Package${n === 1 ? '' : 's'}`;
    for (const [word, k] of [['Install', 'install'], ['Upgrade', 'upgrade'], ['Remove', 'remove'], ['Reinstall', 'reinstall'], ['Downgrade', 'downgrade']] as const) {
      const all = plan.filter((x) => changeKind(x) === k);
      if (!all.length) continue;
      const dep = all.filter((x) => !x.explicit).length;
      io.out(yum3 ? `${word}  ${pk(all.length - dep)}${dep ? ` (+${dep} Dependent package${dep === 1 ? '' : 's'})` : ''}\n` : `${word}  ${pk(all.length)}\n`);
    }
    if (plan.some((x) => x.v !== null)) io.out(`\nTotal download size: ${148 * plan.filter((x) => x.v !== null).length} k\n`);
    if (assumeNo) {
      io.out(yum3 ? 'Exiting on user command\nYour transaction was saved, rerun it with:\n yum load-transaction /tmp/yum_save_tx.lab.yumtx\n' : 'Operation aborted.\n');
      return 1;
    }
    if (!yes) { io.out(yum3 ? 'Is this ok [y/d/N]: Exiting on user command\n' : 'Is this ok [y/N]: Operation aborted.\n'); return 1; }
    if (h.spec.faults.mirrorFailure && plan.some((x) => x.v !== null)) {
      const x = plan.find((y) => y.v !== null)!;
      io.err(yum3 ? `Error downloading packages:\n  ${x.n}-${x.v}.x86_64: [Errno 256] No more mirrors to try.\n` : `Error: Failed to download packages: Cannot download ${x.n}: All mirrors were tried\n`);
      return 1;
    }
    io.out(yum3 ? 'Downloading packages:\nRunning transaction check\nRunning transaction test\nTransaction test succeeded\nRunning transaction\n' : 'Downloading Packages:\nRunning transaction check\nTransaction check succeeded.\nRunning transaction test\nTransaction test succeeded.\nRunning transaction\n');
    applyChanges(h, plan);
    const name = (x: Change) => (yum3 ? `${x.n}.x86_64 0:${x.v ?? x.old}` : `${x.n}-${x.v ?? x.old}.x86_64`);
    const list = (title: string, xs: Change[]) => { if (xs.length) io.out(`\n${title}:\n${xs.map((x) => `  ${name(x)}\n`).join('')}`); };
    const kind = (k: ChangeKind, explicit?: boolean) => plan.filter((x) => changeKind(x) === k && (explicit === undefined || x.explicit === explicit));
    if (yum3) {
      // a yum 3 downgrade installs the older build and removes the newer one
      list('Removed', [...kind('remove'), ...kind('downgrade').map((x) => ({ ...x, v: x.old }))]);
      list('Installed', [...kind('install', true), ...kind('downgrade')]);
      list('Dependency Installed', kind('install', false));
      list('Updated', kind('upgrade', true));
      list('Dependency Updated', kind('upgrade', false));
      list('Reinstalled', kind('reinstall'));
    } else {
      list('Upgraded', kind('upgrade'));
      list('Downgraded', kind('downgrade'));
      list('Installed', kind('install'));
      list('Reinstalled', kind('reinstall'));
      list('Removed', kind('remove'));
    }
    io.out('\nComplete!\n');
    return 0;
  };
}

function logrotate(h: Host): Program {
  return (p) => {
    const io = new Io(p, 'logrotate');
    if (p.cred.uid !== 0) return io.fail('error: error setting owner of /var/lib/logrotate/status: Operation not permitted');
    h.logrotate();
    return 0;
  };
}

export function hostPrograms(h: Host): Record<string, Program> {
  return {
    apache2: apacheBinary(h), httpd: apacheBinary(h), apachectl: apachectl(h), systemctl: systemctl(h), service: service(h),
    curl: curl(h), php: php(h), convert: convert(h), 'dpkg-query': dpkgQuery(h), dpkg: dpkg(h), 'apt-get': aptGet(h), 'apt-cache': aptCache(h),
    rpm: rpm(h), dnf: dnf(h), logrotate: logrotate(h),
  };
}

export { parseIni };
