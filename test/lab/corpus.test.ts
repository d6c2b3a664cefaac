// The product's emitted scripts run through the lab and through the real dash and core tools
// on a scratch root holding the same files (real-root.ts): same stdout, same exit status.
// The lab must never answer a script differently from a real host.
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FACTS, batchProbe } from '../../src/facts/index.js';
import { IMAGEMAGICK_PROBE } from '../../src/facts/imagemagick.js';
import { OS_PROBE } from '../../src/facts/os.js';
import { APACHE_PROBE } from '../../src/facts/apache.js';
import { phpExtensionProbe } from '../../src/facts/php-extension.js';
import { libFetchProbe, locateProbe, parseLocate } from '../../src/facts/pthread-keys.js';
import { controlProbeScript } from '../../src/modules/apache-ctl.js';
import { atomicWriteScript, fileProbeScript, sha256 } from '../../src/modules/copy.js';
import { editProbeScript } from '../../src/modules/file-edit.js';
import { packageProbeScript } from '../../src/modules/package-managers.js';
import { generateFleet } from '../../src/lab/fleet.js';
import { Host, sapiDir } from '../../src/lab/host.js';
import { materialize, prepareHost, realRootSupported, recordCalls, runReal } from './real-root.js';

interface Case { name: string; script: string; user: 'root' | 'lab'; stdin?: string }

function corpus(h: Host): Case[] {
  const rhel = h.d.family === 'rhel';
  const conf = rhel ? '/etc/httpd/conf/httpd.conf' : '/etc/apache2/apache2.conf';
  const ini = rhel ? '/etc/php.d/40-imagick.ini' : `${sapiDir(h.d)}/20-imagick.ini`;
  const cases: Case[] = [];
  for (const user of ['root', 'lab'] as const) {
    cases.push(
      { name: 'os probe', script: OS_PROBE, user },
      { name: 'apache probe', script: APACHE_PROBE, user },
      { name: 'php extension probe', script: phpExtensionProbe('imagick'), user },
      { name: 'imagemagick probe', script: IMAGEMAGICK_PROBE, user },
      { name: 'pthread keys: locate', script: locateProbe(), user },
      { name: 'copy: probe a config file', script: fileProbeScript(conf), user },
      { name: 'file edit: probe a symlinked ini', script: editProbeScript(ini), user },
      { name: 'file edit: probe a missing file', script: editProbeScript('/etc/php/none/conf.d/99-remediate.ini'), user },
      { name: 'package probe', script: packageProbeScript(h.d.imagickPkg, 'auto', false), user },
      { name: 'apache control probe', script: controlProbeScript({ name: 'auto', errorLog: 'auto' }), user },
    );
  }
  cases.push({ name: 'all facts, batched', script: batchProbe(Object.values(FACTS), { vars: {} }, { nonce: 'c0ffee00c0ffee00' }), user: 'root' });
  const a1 = Buffer.from('a = 1\n').toString('base64');
  cases.push({ name: 'copy: atomic write', script: atomicWriteScript('/etc/remediate-corpus.conf', '0640', 'root', 'adm', sha256(a1)), user: 'root', stdin: a1 + '\n' });
  // A controller killed mid-send: the script sees EOF early; nothing may be renamed over the target.
  cases.push({ name: 'copy: atomic write with stdin cut off writes nothing', script: atomicWriteScript('/etc/remediate-corpus.conf', '0600', undefined, undefined, sha256(Buffer.from('b = 2\n').toString('base64'))), user: 'root', stdin: 'Yi' });
  cases.push({ name: 'copy: probe the written file', script: fileProbeScript('/etc/remediate-corpus.conf'), user: 'root' });
  cases.push({ name: 'copy: atomic write refused without become', script: atomicWriteScript('/etc/remediate-denied.conf', '0644'), user: 'lab', stdin: 'eA==\n' });
  return cases;
}

/** The first line where two outputs part, with its neighbours. */
function firstDifference(lab: string, real: string): string {
  if (lab === real) return '  (same stdout)';
  const a = lab.split('\n');
  const b = real.split('\n');
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return `  line ${i + 1}:\n    lab:  ${JSON.stringify(a.slice(i, i + 3))}\n    real: ${JSON.stringify(b.slice(i, i + 3))}`;
}

const why = realRootSupported();
const clock = { now: () => 1764156654 };
const specs = generateFleet({ hosts: 200, profile: 'mixed', seed: 3, basePort: 0 });

for (const distro of ['debian11', 'ubuntu1804', 'debian12', 'rhel7', 'ubuntu1604', 'ubuntu2204', 'rhel8'] as const) {
  (why ? test.skip : test)(`${distro}: the product's scripts give the same stdout and exit status in the lab and under real dash${why ? ` (skipped: ${why})` : ''}`, (t) => {
    const spec = specs.find((s) => s.distro === distro)!;
    // 1. the lab answers every script once: the modelled programs' answers are recorded
    const a = new Host(spec, clock);
    const calls = recordCalls(a);
    const cases = corpus(a);
    const pid = a.master.pid;
    for (const c of cases) a.run(c.script, { user: c.user, stdin: c.stdin });
    const loc = parseLocate(a.run(locateProbe(), { user: 'root' }));
    if ('libs' in loc) cases.push({ name: 'pthread keys: fetch the mapped lib', script: libFetchProbe(pid, loc.libs[0]), user: 'root' });
    for (const c of cases.slice(-1)) a.run(c.script, { user: c.user });
    // 2. an identical host, written out as a real root with those answers as replays
    const b = new Host(spec, clock);
    prepareHost(b, calls);
    const dir = mkdtempSync(join(tmpdir(), `corpus-${distro}-`));
    try {
      materialize(b, dir);
      const differ: string[] = [];
      for (const c of cases) {
        const lab = b.run(c.script, { user: c.user, stdin: c.stdin });
        const real = runReal(dir, c.script, { user: c.user, stdin: c.stdin });
        // The one thing a file tree cannot show: the kernel refuses others even readlink of a
        // root process's /proc/PID/exe (the lab does too); the copied symlink is readable.
        if (c.user !== 'root') real.stdout = real.stdout.replace(/^(\|?)exe\|\/.*\n/m, '');
        if (lab.stdout === real.stdout && lab.exitCode === real.exitCode) continue;
        differ.push(`${c.name} as ${c.user}: exit ${lab.exitCode} in the lab, ${real.exitCode} real\n${firstDifference(lab.stdout, real.stdout)}\n  lab stderr: ${lab.stderr.slice(0, 600)}\n  real stderr: ${real.stderr.slice(0, 600)}`);
      }
      t.deepEqual(differ, [], `${differ.length} of ${cases.length} scripts differ on ${distro}:\n${differ.join('\n')}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
