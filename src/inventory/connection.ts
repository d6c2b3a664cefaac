// How to reach a host, from its merged vars: remediate_* names first, then Ansible's.
//   address     remediate_host | ansible_host | ansible_ssh_host          (default: the name)
//   port        remediate_port | ansible_port | ansible_ssh_port          (default 22)
//   user        remediate_user | ansible_user | ansible_ssh_user
//   key         remediate_private_key_file | ansible_ssh_private_key_file | ansible_private_key_file
//   connection  remediate_connection | ansible_connection: local → local; ssh, paramiko, smart or unset → ssh
//   proxy       remediate_proxy_jump | `-J X` / `-o ProxyJump=X` in ansible_ssh_common_args/extra_args
//   timeout     remediate_connect_timeout | ansible_ssh_timeout | ansible_timeout (seconds)
//   plus remediate_known_hosts_file, remediate_host_key_policy, remediate_max_sessions.
// Like Ansible, a `localhost` written in the inventory without ansible_connection is reached over
// ssh; only the implicit localhost (not in the inventory) is local — hostVars gives it
// ansible_connection=local. Values are taken as they are: template them before calling this.
import type { HostConn } from '../transport/types.js';
import { InputError } from '../source/errors.js';
import { shlexSplit } from './shlex.js';

export class HostVarError extends InputError {
  constructor(readonly host: string, readonly variable: string, expected: string, found: unknown) {
    super([
      {
        pos: { file: `<host ${host}>`, line: 0, col: 0 },
        message: `host ${host}: ${variable} is invalid`,
        expected,
        found: describe(found),
      },
    ]);
    this.name = 'HostVarError';
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `a list ${JSON.stringify(v)}`;
  if (typeof v === 'object') return `a mapping ${JSON.stringify(v)}`;
  return `${typeof v} ${JSON.stringify(v)}`;
}

function pick(vars: Record<string, unknown>, names: string[]): [string, unknown] | undefined {
  for (const n of names) if (vars[n] !== undefined && vars[n] !== null) return [n, vars[n]];
  return undefined;
}

function str(host: string, vars: Record<string, unknown>, names: string[]): string | undefined {
  const got = pick(vars, names);
  if (!got) return undefined;
  const [name, v] = got;
  if (typeof v === 'number' && names[0].endsWith('_host')) return String(v);
  if (typeof v !== 'string' || v === '') throw new HostVarError(host, name, 'a non-empty string', v);
  return v;
}

function int(host: string, vars: Record<string, unknown>, names: string[], min: number, max: number): number | undefined {
  const got = pick(vars, names);
  if (!got) return undefined;
  const [name, v] = got;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new HostVarError(host, name, `an integer from ${min} to ${max}`, v);
  return n;
}

function seconds(host: string, vars: Record<string, unknown>, names: string[]): number | undefined {
  const got = pick(vars, names);
  if (!got) return undefined;
  const [name, v] = got;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isFinite(n) || n <= 0) throw new HostVarError(host, name, 'a positive number of seconds', v);
  return Math.round(n * 1000);
}

function proxyFromSshArgs(host: string, vars: Record<string, unknown>): string | undefined {
  for (const name of ['ansible_ssh_common_args', 'ansible_ssh_extra_args']) {
    const v = vars[name];
    if (v === undefined || v === null || v === '') continue;
    if (typeof v !== 'string') throw new HostVarError(host, name, 'a string of ssh arguments', v);
    let words: string[];
    try {
      words = shlexSplit(v).map((w) => w.value);
    } catch {
      throw new HostVarError(host, name, 'ssh arguments with balanced quotes', v);
    }
    for (let i = 0; i < words.length; i++) {
      const w = words[i];
      if (w === '-J' && words[i + 1]) return words[i + 1];
      if (w.startsWith('-J') && w.length > 2) return w.slice(2);
      const opt = w === '-o' ? words[i + 1] : w.startsWith('-o') ? w.slice(2) : undefined;
      const m = opt ? /^ProxyJump[= ]\s*(.+)$/i.exec(opt) : null;
      if (m) return m[1];
    }
  }
  return undefined;
}

export function hostConn(name: string, vars: Record<string, unknown>): HostConn {
  const connVar = pick(vars, ['remediate_connection', 'ansible_connection']);
  let connection: HostConn['connection'] = 'ssh';
  if (connVar) {
    const [cname, v] = connVar;
    if (v === 'local') connection = 'local';
    else if (v === 'ssh' || v === 'paramiko' || v === 'smart' || v === 'ansible.builtin.ssh' || v === 'ansible.builtin.local') {
      connection = v === 'ansible.builtin.local' ? 'local' : 'ssh';
    } else throw new HostVarError(name, cname, "'ssh' or 'local' (other Ansible connection plugins are not supported)", v);
  }
  const conn: HostConn = {
    name,
    address: str(name, vars, ['remediate_host', 'ansible_host', 'ansible_ssh_host']) ?? name,
    port: int(name, vars, ['remediate_port', 'ansible_port', 'ansible_ssh_port'], 1, 65535) ?? 22,
    connection,
  };
  const user = str(name, vars, ['remediate_user', 'ansible_user', 'ansible_ssh_user']);
  if (user !== undefined) conn.user = user;
  const key = str(name, vars, ['remediate_private_key_file', 'ansible_ssh_private_key_file', 'ansible_private_key_file']);
  if (key !== undefined) conn.privateKeyFile = key;
  const known = str(name, vars, ['remediate_known_hosts_file']);
  if (known !== undefined) conn.knownHostsFile = known;
  const policy = pick(vars, ['remediate_host_key_policy']);
  if (policy) {
    const [pname, v] = policy;
    if (v !== 'strict' && v !== 'accept-new' && v !== 'off') throw new HostVarError(name, pname, "'strict', 'accept-new' or 'off'", v);
    conn.hostKeyPolicy = v;
  }
  const proxy = str(name, vars, ['remediate_proxy_jump']) ?? proxyFromSshArgs(name, vars);
  if (proxy !== undefined) conn.proxyJump = proxy;
  const timeout = seconds(name, vars, ['remediate_connect_timeout', 'ansible_ssh_timeout', 'ansible_timeout']);
  if (timeout !== undefined) conn.connectTimeoutMs = timeout;
  const sessions = int(name, vars, ['remediate_max_sessions'], 1, 1000);
  if (sessions !== undefined) conn.maxSessions = sessions;
  return conn;
}
