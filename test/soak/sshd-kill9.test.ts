// Issue 4's kill -9 rounds on real OpenSSH host aliases: a separate `remediate apply` controller
// editing per-host file trees (copy, ini, lineinfile; modes and owners) is SIGKILLed at a seeded
// point read from its journal, 20 seeds in a row on one journal. Each round then checks the
// journal, `runs` and `show` (every host accounted for), and `rollback` (even seeds) or
// `resume` then `rollback` (odd seeds): sha256, mode and owner of every entry of every tree.
// The longer version: `npm run soak`.
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';
import { sshdAvailable, startSshd, type Sshd } from '../helpers/sshd.js';
import { diffSnapshots, type Snapshot } from '../e2e/tree-hashes.js';
import { expectedMutations, fleetSnapshot, makeFileFleet, SOAK_FILES_PLAYBOOK } from './file-fleet.js';
import { killRound, roundLine } from './round.js';

const HOSTS = 6;
const SEEDS = Array.from({ length: 20 }, (_, i) => i + 1);
// Not the playbook's default: a resumed run that forgot the run's -e would write 8080.
const VARS = ['-e', 'listen_port=9090'];

function diffLines(a: Snapshot, b: Snapshot): string[] {
  const d = diffSnapshots(a, b);
  return [...d.added.map((p) => `added ${p}`), ...d.removed.map((p) => `removed ${p}`), ...d.changed.map((p) => `changed ${p}: ${a[p]} → ${b[p]}`)];
}

let base = '';
let sshd: Sshd | undefined;
let post: Snapshot | undefined;
const env: Record<string, string> = {};

if (!sshdAvailable()) {
  if (process.env.CI) test('kill -9 soak on sshd host aliases (CI)', (t) => t.fail('needs root and /usr/sbin/sshd (.ci/run installs openssh-server)'));
  else test.skip('kill -9 soak on sshd host aliases: needs root and /usr/sbin/sshd', () => undefined);
} else {
  test.before(async () => {
    base = mkdtempSync(join(tmpdir(), 'remediate-soak-sshd-'));
    env.XDG_STATE_HOME = join(base, 'state');
    sshd = await startSshd({ maxSessions: 20 });
    // What a clean, uninterrupted apply leaves: every resumed round must end exactly there.
    const ref = makeFileFleet(join(base, 'reference'), sshd, HOSTS);
    const r = await cli(['apply', SOAK_FILES_PLAYBOOK, '-i', ref.inventory, ...VARS, '--yes', '--journal', join(base, 'reference.db')], { cwd: ref.dir, env });
    if (r.code !== 0) throw new Error(`the reference apply failed (${r.code}):\n${r.err}\n${r.out.slice(-3000)}`);
    post = await fleetSnapshot(ref);
  });

  test.after.always(async () => {
    await sshd?.stop();
    if (base) rmSync(base, { recursive: true, force: true });
  });

  for (const seed of SEEDS) {
    test.serial(`seed ${seed}: kill -9 mid-apply over ${HOSTS} sshd hosts, then ${seed % 2 ? 'resume and rollback' : 'rollback'}`, async (t) => {
      t.timeout(300_000);
      const fleet = makeFileFleet(join(base, `seed-${seed}`), sshd!, HOSTS);
      const r = await killRound({
        seed,
        journal: join(base, 'journal.db'),
        cwd: fleet.dir,
        env,
        applyArgs: [SOAK_FILES_PLAYBOOK, '-i', fleet.inventory, ...VARS],
        hosts: fleet.names,
        // Leave the last quarter of the mutations unreached, so the kill lands mid-run.
        maxK: Math.floor(expectedMutations(HOSTS) * 0.75),
        capture: () => fleetSnapshot(fleet),
        diff: diffLines,
        post,
      });
      t.log(roundLine('sshd', r));
      t.deepEqual(r.problems, []);
      t.true(r.mutations >= 1 && r.runId !== undefined);
      t.true(r.restored >= r.hostsTouched, `rollback restored ${r.restored} of ${r.hostsTouched} touched hosts`);
      rmSync(fleet.dir, { recursive: true, force: true });
    });
  }
}
