// The corpus the Ansible oracle runs over: each fixture's -i sources (relative to
// test/fixtures/inventories/<dir>, or a host list) and the patterns whose selections are compared
// with Ansible's. Patterns marked with a comment come from Ansible's pattern documentation.

export interface Query {
  pattern: string;
  /** --limit; `@file` is relative to the fixture directory. */
  limit?: string;
}

export interface OracleCase {
  name: string;
  dir: string;
  sources: string[];
  queries: Array<string | Query>;
  /** Also compare `ansible-inventory --graph --vars` (no integral floats in such fixtures). */
  graphVars?: boolean;
}

export const cases: OracleCase[] = [
  {
    name: 'INI: the ini plugin and pattern documentation examples',
    dir: 'ini-docs',
    sources: ['hosts.ini'],
    graphVars: true,
    queries: [
      'all', '*', 'host1', 'host1:host2', 'host1,host2', // docs: all, one host, several hosts
      'webservers', 'webservers:dbservers', 'webservers,dbservers', // docs: groups and unions
      'webservers:!atlanta', 'webservers:&staging', 'webservers:dbservers:&staging:!phoenix', // docs
      '*.example.com', '*.com', 'one*.com:dbservers', '192.0.*', // docs: wildcards
      '~(web|db).*\\.example\\.com', '~(foo|one)', // docs: regex (anchored at the start only)
      'webservers[0]', 'webservers[-1]', 'webservers[0:2]', 'webservers[1:]', 'dbservers[2:0]', // docs: subscripts
      'web*', 'web*[1]', '!atlanta', '&staging', 'staging:&g*', '!staging:dbservers',
      'ungrouped', 'ungr*', 'al*', 'apache:nginx', 'web[0-1]', '*[0]',
      'nomatch', 'nomatch:web', 'localhost', 'web:localhost', 'g1,g2,host4', 'g?', 'g[12]', 'g[!1]',
      { pattern: 'all', limit: 'web' },
      { pattern: 'web*', limit: '!apache' },
      { pattern: 'all', limit: '@limit.txt' },
      { pattern: 'webservers:dbservers', limit: 'staging:phoenix' },
      'webservers[5]', '~(', // errors in Ansible too
    ],
  },
  {
    name: 'INI: literal_eval value typing on host lines and in :vars',
    dir: 'ini-types',
    sources: ['inventory'],
    queries: ['all', 'typed', 'plain:bools', 'p*', '~(quotes|odd)', 'typed[1]'],
  },
  {
    name: 'YAML: the yaml plugin documentation example',
    dir: 'yaml-docs',
    sources: ['inventory.yml'],
    graphVars: true,
    queries: ['all', 'other_group', 'group_x:group_y', 'last_group', 'test*', 'other_group:!test4', 'other_group[1:]'],
  },
  {
    name: 'YAML: YAML 1.1 typing, anchors, merge keys, skipped keys',
    dir: 'yaml-types',
    sources: ['hosts.yaml'],
    queries: ['all', 'web', 'web_and_db', '*.example.com', 'weird', 'empty_group', '10.0.0.5', '~web[0-9]'],
  },
  {
    name: 'ranges in INI and YAML (two sources)',
    dir: 'ranges',
    sources: ['hosts.ini', 'hosts.yml'],
    graphVars: true,
    queries: [
      'all', 'web', 'web[0]', 'web[-1]', 'web[2:4]', 'web00*', 'db*', 'db-[A-B]-*', 'rack:&db', 'ports',
      '10.0.*', 'cache', 'node*', '~web0(0[5-9]|1)', 'rack:!web-*:!db1', 'mem-y.local', 'app2',
      { pattern: 'rack', limit: 'web0*:db-*' },
    ],
  },
  {
    name: 'group_vars/ and host_vars/ files and folders',
    dir: 'vars-files',
    sources: ['hosts.ini'],
    graphVars: true,
    queries: ['all', 'app', 'web:&app', 'db', 'app:!db2'],
  },
  {
    name: 'precedence: depth, diamonds, same depth by name, group_vars/all over inline child vars',
    dir: 'precedence',
    sources: ['inventory.yml'],
    queries: [
      'all', 'region', 'dc1', 'rack*', 'deep', 'p1:&p2', 'region:!dc2', 'h1', 'region[0]', 'region[1:3]',
      '~h[0-9]', 'role_web:zeta', 'mid,omega', 'p*',
    ],
  },
  {
    name: 'ansible_group_priority inline and in group_vars',
    dir: 'priority',
    sources: ['hosts'],
    graphVars: true,
    queries: ['all', 'parent', 'a_low:&c_mid', 'b_high,a_low'],
  },
  {
    name: 'several sources merged, each with its own group_vars/, plus a host list',
    dir: 'multi-source',
    sources: ['dirA/a.ini', 'dirB/b.yml', 'extra1,extra2:2222,web1'],
    queries: ['all', 'web', 'parent', 'ungrouped', 'extra*', 'web:parent', 'child:&web'],
  },
  {
    name: 'a directory source: sorted files, ignored names, a script inside',
    dir: 'dir-source',
    sources: ['.'],
    queries: ['all', 'web', 'cache', 'lb', 'ignored', 'web:&cache', 'db[1]'],
  },
  {
    name: 'executable inventory with _meta',
    dir: 'script-meta',
    sources: ['inventory.js'],
    graphVars: true,
    queries: ['all', 'region', 'web:!canary', 'lonely', '*.example.com', 'region[2:]'],
  },
  {
    name: 'executable inventory without _meta (--host per host)',
    dir: 'script-nometa',
    sources: ['inventory.js'],
    graphVars: true,
    queries: ['all', 'app', 'app[1]'],
  },
  {
    name: 'ungrouped hosts, hosts in several groups, an explicit localhost',
    dir: 'ungrouped',
    sources: ['hosts.yml'],
    graphVars: true,
    queries: ['all', 'ungrouped', 'g3', 'g1:g2', 'g1:&g2', 'localhost', 'both', '127.0.0.1', 'loose*'],
  },
  {
    name: 'a host and a group with the same name',
    dir: 'name-clash',
    sources: ['hosts.ini'],
    queries: ['all', 'db', 'web', 'd*', 'db:web1', '&db', 'web:!db'],
  },
];
