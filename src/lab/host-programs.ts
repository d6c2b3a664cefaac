// Programs that answer from a host's model: apache2/httpd, apachectl, systemctl, service,
// curl, php, convert, and the package tools (dpkg-query, dpkg, apt-get, apt-cache, rpm, dnf/yum).
import type { Host } from './host.js';
import { runPhp, PhpError, toStr, type PVal } from './php.js';
import { FsError, ROOT } from './fs.js';
import { Io, type Proc, type Program } from './shell/process.js';

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
        io.out(`● ${unit}.service - The Apache HTTP Server\n   Active: ${h.master.alive ? 'active (running)' : 'failed (Result: exit-code)'}\n Main PID: ${h.master.pid} (${h.comm})\n`);
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
    io.out(`Version: ImageMagick ${m.version} Q16 x86_64 ${m.date} https://imagemagick.org\n${m.copyright}\nLicense: https://imagemagick.org/script/license.php\nFeatures: Cipher DPC Modules ${m.openmp ? m.openmp + ' ' : ''}\nDelegates (built-in): bzlib djvu fftw fontconfig freetype jbig jng jpeg lcms lqr ltdl lzma openexr pangocairo png tiff webp wmf x xml zlib\n`);
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

function aptGet(h: Host): Program {
  return (p) => {
    const io = new Io(p, 'apt-get');
    const args = p.argv.slice(1);
    const sim = args.some((a) => a === '-s' || a === '--simulate' || a === '--dry-run' || a === '--just-print');
    const reinstall = args.includes('--reinstall');
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
    if (verb !== 'install' && verb !== 'upgrade' && verb !== 'remove') return io.fail(`E: Invalid operation ${verb}`, 100);
    const cands = h.candidates();
    const plan: { n: string; v: string; old: string | null }[] = [];
    io.out('Reading package lists...\nBuilding dependency tree...\nReading state information...\n');
    for (const s of specs) {
      const [n, want] = s.split('=');
      const vs = cands.get(n);
      if (!vs) { io.err(`E: Unable to locate package ${n}\n`); return 100; }
      const v = want ?? vs[vs.length - 1];
      if (!v || !vs.includes(v)) { io.err(`E: Version '${want}' for '${n}' was not found\n`); return 100; }
      const old = h.packages.get(n) ?? null;
      if (old === v && !reinstall) { io.out(`${n} is already the newest version (${v}).\n`); continue; }
      plan.push({ n, v, old });
    }
    if (sim) {
      for (const x of plan) io.out(`Inst ${x.n}${x.old ? ` [${x.old}]` : ''} (${x.v} lab [amd64])\n`);
      for (const x of plan) io.out(`Conf ${x.n} (${x.v} lab [amd64])\n`);
      return 0;
    }
    if (plan.length && h.spec.faults.mirrorFailure) {
      io.err(`E: Failed to fetch http://mirror.lab.invalid/pool/${plan[0].n}_${plan[0].v}_amd64.deb  503  Service Unavailable\nE: Unable to fetch some archives, maybe run apt-get update or try with --fix-missing?\n`);
      return 100;
    }
    if (plan.length && h.spec.faults.diskFull) {
      io.err(`E: You don't have enough free space in /var/cache/apt/archives/.\n`);
      return 100;
    }
    for (const x of plan) {
      io.out(`Unpacking ${x.n} (${x.v})${x.old ? ` over (${x.old})` : ''} ...\nSetting up ${x.n} (${x.v}) ...\n`);
      h.installPackage(x.n, x.v);
    }
    io.out(`${plan.length} upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n`);
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

function dnf(h: Host): Program {
  return (p) => {
    const io = new Io(p, p.argv[0].split('/').pop() ?? 'dnf');
    const args = p.argv.slice(1);
    const words = args.filter((a) => !a.startsWith('-'));
    const assumeNo = args.includes('--assumeno');
    const verb = words[0];
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
    if (verb === 'install' || verb === 'upgrade' || verb === 'reinstall') {
      if (p.cred.uid !== 0 && !assumeNo) return io.fail('Error: This command has to be run with superuser privileges (under the root user on most systems).');
      const plan: { n: string; v: string; old: string | null }[] = [];
      for (const s of words.slice(1)) {
        const n = cands.has(s) ? s : s.replace(/-\d.*$/, '');
        const vs = cands.get(n);
        if (!vs) { io.err(`No match for argument: ${s}\nError: Unable to find a match: ${s}\n`); return 1; }
        const v = s !== n ? s.slice(n.length + 1) : vs[vs.length - 1];
        const old = h.packages.get(n) ?? null;
        if (old === v && verb !== 'reinstall') continue;
        plan.push({ n, v, old });
      }
      if (!plan.length) { io.out('Dependencies resolved.\nNothing to do.\nComplete!\n'); return 0; }
      io.out('Dependencies resolved.\n================================================================================\n Package                 Arch       Version                   Repository   Size\n================================================================================\n');
      io.out(`${plan.some((x) => x.old) ? 'Upgrading:' : 'Installing:'}\n`);
      for (const x of plan) io.out(` ${x.n.padEnd(23)} x86_64     ${x.v.padEnd(25)} ${h.d.repoLine}  120 k\n`);
      if (assumeNo) { io.out('\nOperation aborted.\n'); return 1; }
      if (h.spec.faults.mirrorFailure) { io.err(`Error: Failed to download packages: Cannot download ${plan[0].n}: All mirrors were tried\n`); return 1; }
      for (const x of plan) h.installPackage(x.n, x.v);
      io.out('\nComplete!\n');
      return 0;
    }
    return io.fail(`No such command: ${verb}. Please use ${p.argv[0]} --help`);
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
