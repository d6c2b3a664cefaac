// hostConn: remediate_* and Ansible's connection variables → HostConn, wrong types named.
import test from 'ava';
import { hostConn, HostVarError } from '../../src/inventory/index.js';
import type { HostConn } from '../../src/transport/types.js';

const rows: Array<[string, Record<string, unknown>, HostConn]> = [
  ['no vars: ssh to the name on 22', {}, { name: 'h', address: 'h', port: 22, connection: 'ssh' }],
  [
    "Ansible's names",
    { ansible_host: '10.0.0.1', ansible_port: 2222, ansible_user: 'deploy', ansible_ssh_private_key_file: '~/.ssh/id', ansible_connection: 'ssh' },
    { name: 'h', address: '10.0.0.1', port: 2222, user: 'deploy', privateKeyFile: '~/.ssh/id', connection: 'ssh' },
  ],
  [
    'remediate_* wins over ansible_*',
    { ansible_host: 'a', remediate_host: 'b', ansible_port: 1, remediate_port: 2, ansible_user: 'x', remediate_user: 'y', remediate_connection: 'local', ansible_connection: 'ssh' },
    { name: 'h', address: 'b', port: 2, user: 'y', connection: 'local' },
  ],
  ['legacy ansible_ssh_* names', { ansible_ssh_host: 'c', ansible_ssh_port: '2200', ansible_ssh_user: 'u' }, { name: 'h', address: 'c', port: 2200, user: 'u', connection: 'ssh' }],
  ['paramiko and smart mean ssh', { ansible_connection: 'paramiko' }, { name: 'h', address: 'h', port: 22, connection: 'ssh' }],
  [
    'remediate-only settings',
    { remediate_known_hosts_file: '/k', remediate_host_key_policy: 'accept-new', remediate_proxy_jump: 'bastion:2222', remediate_max_sessions: 4, remediate_connect_timeout: 2.5 },
    { name: 'h', address: 'h', port: 22, connection: 'ssh', knownHostsFile: '/k', hostKeyPolicy: 'accept-new', proxyJump: 'bastion:2222', maxSessions: 4, connectTimeoutMs: 2500 },
  ],
  ['a ProxyJump from ansible_ssh_common_args', { ansible_ssh_common_args: '-o StrictHostKeyChecking=no -J jump@bastion' }, { name: 'h', address: 'h', port: 22, connection: 'ssh', proxyJump: 'jump@bastion' }],
  ['-o ProxyJump=', { ansible_ssh_common_args: "-o 'ProxyJump=ops@gw:22'" }, { name: 'h', address: 'h', port: 22, connection: 'ssh', proxyJump: 'ops@gw:22' }],
  ['ansible_ssh_timeout in seconds', { ansible_ssh_timeout: 10 }, { name: 'h', address: 'h', port: 22, connection: 'ssh', connectTimeoutMs: 10000 }],
];

for (const [title, vars, expected] of rows) {
  test(`hostConn: ${title}`, (t) => t.deepEqual(hostConn('h', vars), expected));
}

const bad: Array<[Record<string, unknown>, string, RegExp]> = [
  [{ ansible_port: 'ssh' }, 'ansible_port', /integer from 1 to 65535/],
  [{ remediate_port: 70000 }, 'remediate_port', /integer from 1 to 65535/],
  [{ ansible_port: 22.5 }, 'ansible_port', /integer/],
  [{ ansible_user: ['a'] }, 'ansible_user', /non-empty string/],
  [{ ansible_host: '' }, 'ansible_host', /non-empty string/],
  [{ ansible_connection: 'winrm' }, 'ansible_connection', /'ssh' or 'local'/],
  [{ remediate_host_key_policy: 'yes' }, 'remediate_host_key_policy', /'strict', 'accept-new' or 'off'/],
  [{ remediate_max_sessions: 0 }, 'remediate_max_sessions', /integer from 1/],
  [{ remediate_connect_timeout: 'soon' }, 'remediate_connect_timeout', /seconds/],
];
for (const [vars, variable, expected] of bad) {
  test(`hostConn rejects ${JSON.stringify(vars)}`, (t) => {
    const e = t.throws(() => hostConn('web1', vars), { instanceOf: HostVarError }) as HostVarError;
    t.is(e.host, 'web1');
    t.is(e.variable, variable);
    t.regex(e.message, new RegExp(`host web1: ${variable} is invalid`));
    t.regex(e.problems[0].expected ?? '', expected);
    t.truthy(e.problems[0].found);
  });
}
