// What the probe grepped out of Apache's configuration: Listen directives (with the
// <IfModule>/<IfDefine> blocks around them), the server-status location, and the status URLs
// derived from them. The port comes from the config, never assumed to be 80.

export interface ConfigLine {
  file: string;
  line: number;
  text: string;
}

export interface ListenDirective {
  /** The bound address: an IPv4 address, a bracketed IPv6 address, or null for all addresses. */
  address: string | null;
  port: number;
  /** The optional protocol argument (`Listen 443 https`). */
  proto: string | null;
  file: string;
  line: number;
  /** Enclosing conditions, innermost last, e.g. ["IfModule ssl_module"]. */
  conditions: string[];
  /** Whether the conditions hold for the loaded modules and defines; null when they are unknown. */
  active: boolean | null;
}

/** `Listen [IP-address:]portnumber [protocol]`. */
export function parseListenArgs(args: string): { address: string | null; port: number; proto: string | null } | null {
  const [addr, proto] = args.trim().split(/\s+/);
  if (!addr) return null;
  let host: string | null = null;
  let portText: string;
  const v6 = /^(\[[0-9A-Fa-f:.%a-z]+\]):(\d+)$/.exec(addr);
  if (v6) { host = v6[1]; portText = v6[2]; }
  else if (/^\d+$/.test(addr)) portText = addr;
  else {
    const i = addr.lastIndexOf(':');
    if (i <= 0) return null;
    host = addr.slice(0, i);
    portText = addr.slice(i + 1);
    if (host.includes(':')) return null; // bare IPv6 without brackets is not valid here
  }
  if (!/^\d+$/.test(portText)) return null;
  const port = Number(portText);
  if (port < 1 || port > 65535) return null;
  return { address: host, port, proto: proto ? proto.toLowerCase() : null };
}

/** `mod_ssl.c` (the 2.2 spelling) and `ssl_module` name the same module. */
function moduleId(name: string): string {
  const m = /^mod_(\w+)\.c$/.exec(name);
  return m ? `${m[1]}_module` : name;
}

function holds(cond: string, modules: ReadonlySet<string> | null, defines: ReadonlySet<string> | null): boolean | null {
  const m = /^(IfModule|IfDefine)\s+(!?)\s*"?([^"\s>]+)"?$/i.exec(cond);
  if (!m) return null;
  const isModule = m[1].toLowerCase() === 'ifmodule';
  const set = isModule ? modules : defines;
  if (!set) return null;
  const present = set.has(isModule ? moduleId(m[3]) : m[3]);
  return m[2] === '!' ? !present : present;
}

export interface ParsedConfig {
  listens: ListenDirective[];
  /** Locations whose handler is server-status (default /server-status when none found). */
  statusPaths: string[];
}

/**
 * Walk the grepped lines of each file (in include order). Blocks are tracked per file, which is
 * how Apache scopes them (a block cannot span an Include).
 */
export function parseConfig(lines: readonly ConfigLine[], modules: ReadonlySet<string> | null, defines: ReadonlySet<string> | null): ParsedConfig {
  const listens: ListenDirective[] = [];
  const statusPaths: string[] = [];
  let file = '';
  let stack: string[] = [];
  let location: string | null = null;
  for (const l of lines) {
    if (l.file !== file) { file = l.file; stack = []; location = null; }
    const t = l.text.trim();
    let m: RegExpExecArray | null;
    if ((m = /^<(IfModule|IfDefine)\s+([^>]*)>/i.exec(t))) { stack.push(`${m[1]} ${m[2].trim()}`); continue; }
    if (/^<\/(IfModule|IfDefine)\s*>/i.test(t)) { stack.pop(); continue; }
    if ((m = /^<Location\s+"?([^">]+)"?\s*>/i.exec(t))) { location = m[1]; continue; }
    if (/^<\/Location\s*>/i.test(t)) { location = null; continue; }
    if (/^SetHandler\s+"?server-status"?\s*$/i.test(t)) { if (location && !statusPaths.includes(location)) statusPaths.push(location); continue; }
    if ((m = /^Listen\s+(.*)$/i.exec(t))) {
      const a = parseListenArgs(m[1]);
      if (!a) continue;
      let active: boolean | null = true;
      for (const c of stack) {
        const h = holds(c, modules, defines);
        if (h === false) { active = false; break; }
        if (h === null) active = null;
      }
      listens.push({ ...a, file: l.file, line: l.line, conditions: [...stack], active });
    }
  }
  return { listens, statusPaths: statusPaths.length ? statusPaths : ['/server-status'] };
}

/** Plain-HTTP listeners in config order (inactive ones dropped, 443 without a protocol is https). */
export function httpListens(listens: readonly ListenDirective[]): ListenDirective[] {
  return listens.filter((l) => l.active !== false && (l.proto ? l.proto === 'http' : l.port !== 443));
}

/** Where to reach the server from the host itself: wildcard addresses become loopback. */
export function localBase(l: ListenDirective): string {
  let host = l.address;
  if (host === null || host === '*' || host === '0.0.0.0') host = '127.0.0.1';
  else if (host === '[::]') host = '[::1]';
  return `http://${host}:${l.port}`;
}

export function statusUrls(cfg: ParsedConfig): string[] {
  const urls: string[] = [];
  for (const l of httpListens(cfg.listens)) {
    for (const p of cfg.statusPaths) {
      const u = `${localBase(l)}${p}?auto`;
      if (!urls.includes(u)) urls.push(u);
    }
  }
  return urls;
}
