// ~/.ssh/config: the subset remediate honours (Host, HostName, User, Port, IdentityFile,
// ProxyJump, ConnectTimeout, ServerAliveInterval/CountMax), parsed by the `ssh-config`
// package. Include lines are expanded textually first (the package does not follow them).
// Values come back raw; inventory vars win over them (decided by the caller).
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import SSHConfig from 'ssh-config';

export interface SshConfigEntry {
  hostName?: string;
  user?: string;
  port?: number;
  identityFiles?: string[];
  /** `none` already removed. */
  proxyJump?: string;
  connectTimeoutMs?: number;
  serverAliveIntervalMs?: number;
  serverAliveCountMax?: number;
}

export type SshConfigLookup = (host: string) => SshConfigEntry;

export interface SshConfigProblem {
  file: string;
  line: number;
  message: string;
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Expand `~` and the `%d` (home) / `%%` tokens usable anywhere. */
function expandHome(path: string, homeDir: string): string {
  if (path === '~' || path.startsWith('~/')) return homeDir + path.slice(1);
  return path.replace(/%d/g, homeDir).replace(/%%/g, '%');
}

/** Files matched by an Include pattern (`*`/`?` in the last component only). */
function includeTargets(pattern: string, homeDir: string, baseDir: string): string[] {
  const abs = expandHome(pattern, homeDir);
  const full = isAbsolute(abs) ? abs : join(baseDir, abs);
  const name = basename(full);
  if (!/[*?]/.test(name)) return [full];
  const re = new RegExp('^' + name.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
  try {
    return readdirSync(dirname(full)).filter((f) => re.test(f)).sort().map((f) => join(dirname(full), f));
  } catch {
    return [];
  }
}

/** Inline Include directives (recursively, depth-limited as in OpenSSH). */
function expandIncludes(text: string, homeDir: string, baseDir: string, depth: number, problems: SshConfigProblem[], file: string): string {
  const out: string[] = [];
  text.split('\n').forEach((line, i) => {
    const m = /^\s*include[\s=]+(.+?)\s*$/i.exec(line);
    if (!m) {
      out.push(line);
      return;
    }
    if (depth >= 16) {
      problems.push({ file, line: i + 1, message: 'Include nested too deeply (max 16)' });
      return;
    }
    for (const pattern of m[1]!.split(/\s+/)) {
      for (const target of includeTargets(pattern.replace(/^"|"$/g, ''), homeDir, baseDir)) {
        const inc = readIfExists(target);
        if (inc !== undefined) out.push(expandIncludes(inc, homeDir, baseDir, depth + 1, problems, target));
      }
    }
  });
  return out.join('\n');
}

function seconds(v: string | undefined): number | undefined {
  const n = positiveInt(v);
  return n === undefined ? undefined : n * 1000;
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function positiveInt(v: string | undefined): number | undefined {
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  return Number(v);
}

/**
 * Parse the config at `path` (missing file = empty config) and return a lookup by the host
 * name given to ssh (the inventory address). Lookups are cached. Match exec is never run.
 */
export function loadSshConfig(path: string, homeDir: string, problems: SshConfigProblem[] = []): SshConfigLookup {
  const text = readIfExists(path);
  if (text === undefined) return () => ({});
  const config = SSHConfig.parse(expandIncludes(text, homeDir, join(homeDir, '.ssh'), 0, problems, path));
  const cache = new Map<string, SshConfigEntry>();
  return (host: string) => {
    let hit = cache.get(host);
    if (hit) return hit;
    const raw = config.compute(host, { ignoreCase: true, matchExec: false }) as Record<string, string | string[] | undefined>;
    const hostName = first(raw.hostname);
    const user = first(raw.user);
    const expand = (p: string) =>
      expandHome(p, homeDir).replace(/%h/g, hostName ?? host).replace(/%n/g, host).replace(/%r/g, user ?? '');
    const jump = first(raw.proxyjump);
    const idf = raw.identityfile;
    hit = {
      hostName: hostName?.replace(/%h/g, host),
      user,
      port: positiveInt(first(raw.port)),
      identityFiles: idf === undefined ? undefined : (Array.isArray(idf) ? idf : [idf]).filter((f) => f.toLowerCase() !== 'none').map(expand),
      proxyJump: jump && jump.toLowerCase() !== 'none' ? jump : undefined,
      connectTimeoutMs: (positiveInt(first(raw.connecttimeout)) ?? NaN) * 1000 || undefined,
      // 0 means "no keepalive" in OpenSSH: keep it as 0, not as "unset".
      serverAliveIntervalMs: seconds(first(raw.serveraliveinterval)),
      serverAliveCountMax: positiveInt(first(raw.serveralivecountmax)),
    };
    cache.set(host, hit);
    return hit;
  };
}
