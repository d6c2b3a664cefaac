// The package module end to end against lab hosts (in process): the Imagick upgrade pulls a newer
// libgomp in; the plan says so, the inverse records it, and rollback brings the host's durable
// state (packages and files, `lab status --hash`) back to what it was before apply.
import test from 'ava';
import { Host, type HostSpec } from '../../src/lab/host.js';
import { normalizePackageArgs, packageModule, type PackageInverse } from '../../src/modules/package.js';
import type { HostContext } from '../../src/modules/types.js';
import { renderCommand, stdinFor } from '../../src/transport/command.js';
import { localhost } from './local-host.js';

const spec = (distro: HostSpec['distro'], faults: HostSpec['faults'] = {}): HostSpec => ({
  name: 'web-0001', index: 0, distro, address: '127.0.0.1', port: 22, baseline: 7, reloads: 10, rotateMinute: 385,
  gompUpdated: false, listenPort: 80, pidBase: 3426, libBase: 0x7f1234000000, faults,
});

/** A HostContext on a lab host: the command line the ssh transport would send, with become. */
function labContext(h: Host): HostContext {
  return {
    host: localhost,
    exec: async (s) => {
      const spec = { ...s, become: s.become ?? {} };
      const r = h.run(renderCommand(spec), { user: 'lab', stdin: stdinFor(spec) });
      return { kind: 'exit', exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, timedOut: false, durationMs: 1 };
    },
  };
}

for (const distro of ['rhel7', 'rhel8'] as const) {
  test(`${distro}: Imagick >= 3.5.0 upgrades libgomp too; rollback restores both (hash as before)`, async (t) => {
    const h = new Host(spec(distro), { now: () => 1764156654 });
    h.machine();
    const before = h.hash();
    const gompBefore = h.packages.get(h.d.gompPkg);
    const ctx = labContext(h);
    const args = normalizePackageArgs({ name: h.d.imagickPkg, version: '>= 3.5.0' });
    const planned = packageModule.plan(args, await packageModule.probe!(ctx, args));
    t.is(planned.status, 'change', planned.reason);
    t.is(planned.class, 'reversible');
    const newGomp = h.d.imagickCandidate!.gomp.pkgVersion;
    t.regex(newGomp, /\.el[78]$/, 'a libgomp of this distro');
    t.regex(planned.summary, new RegExp(`${h.d.gompPkg} ${newGomp.replace(/\./g, '\\.')}.*rollback also restores ${h.d.gompPkg} ${gompBefore!.replace(/\./g, '\\.')}`));
    const inv = planned.inverse as PackageInverse;
    t.deepEqual(inv.dependencies, [{ name: h.d.gompPkg, previous: gompBefore!, target: newGomp, previousDownloadable: true }]);

    const applied = await packageModule.apply(ctx, args, planned);
    t.is(applied.status, 'changed', applied.msg);
    t.is((await packageModule.verify!(ctx, args, planned)).status, 'ok');
    t.is(h.packages.get(h.d.gompPkg), newGomp);

    const back = await packageModule.rollback!(ctx, inv);
    t.is(back.status, 'changed', back.msg);
    t.regex(back.msg ?? '', new RegExp(`and ${h.d.gompPkg} `));
    t.is(h.packages.get(h.d.gompPkg), gompBefore);
    t.is(h.hash(), before);
  });
}

test('stillLeaks: the upgrade changes no libgomp, so no dependency is recorded', async (t) => {
  const h = new Host(spec('rhel7', { stillLeaks: true }), { now: () => 1764156654 });
  const ctx = labContext(h);
  const args = normalizePackageArgs({ name: h.d.imagickPkg, version: '>= 3.5.0' });
  const planned = packageModule.plan(args, await packageModule.probe!(ctx, args));
  t.is(planned.status, 'change');
  t.is((planned.inverse as PackageInverse).dependencies, undefined);
  t.notRegex(planned.summary, /rollback also restores/);
});
