// `npm run soak`: the long kill -9 soak of issues 4 and 6. A separate `remediate apply` controller
// is SIGKILLed at a seeded point read from its journal, then the journal, `runs`/`show` (every
// host accounted for) and rollback (even seeds) or resume + rollback (odd seeds) are checked:
//   sshd: per-host file trees on real OpenSSH host aliases (sha256, mode, owner of every entry);
//   lab:  playbooks/imagick.yml on a lab fleet (`lab status --hash` per host).
// One line per seed, a summary per variant; exit 1 when any round found a problem.
//
//   npm run soak                          # both variants, 20 seeds each
//   npm run soak -- lab --seeds 40 --lab-hosts 1000 --from 100
//   npm run soak -- sshd --seeds 50 --hosts 24
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../test/helpers/cli.js';
import { startSshd } from '../test/helpers/sshd.js';
import { diffSnapshots, type Snapshot } from '../test/e2e/tree-hashes.js';
import { expectedMutations, fleetSnapshot, makeFileFleet, SOAK_FILES_PLAYBOOK } from '../test/soak/file-fleet.js';
import { FAST_VARS, hashDiff, IMAGICK_PLAYBOOK, startLabFleet } from '../test/soak/lab-fleet.js';
import { killRound, roundLine, type RoundResult } from '../test/soak/round.js';

interface Options { variants: string[]; seeds: number; from: number; hosts: number; labHosts: number; labSeed: number }

function parseArgs(argv: string[]): Options {
  const o: Options = { variants: [], seeds: 20, from: 1, hosts: 16, labHosts: 600, labSeed: 5 };
  const num = (i: number, name: string) => {
    const v = Number(argv[i]);
    if (!Number.isInteger(v) || v < 1) throw new Error(`${name}: expected a whole number ≥ 1, found ${JSON.stringify(argv[i])}`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === 'sshd' || a === 'lab') o.variants.push(a);
    else if (a === '--seeds') o.seeds = num(++i, a);
    else if (a === '--from') o.from = num(++i, a);
    else if (a === '--hosts') o.hosts = num(++i, a);
    else if (a === '--lab-hosts') o.labHosts = num(++i, a);
    else if (a === '--lab-seed') o.labSeed = Number(argv[++i]);
    else throw new Error(`unknown argument ${JSON.stringify(a)} (expected sshd, lab, --seeds N, --from N, --hosts N, --lab-hosts N, --lab-seed N)`);
  }
  if (!o.variants.length) o.variants = ['sshd', 'lab'];
  return o;
}

const seedsOf = (o: Options) => Array.from({ length: o.seeds }, (_, i) => o.from + i);

function snapshotDiff(a: Snapshot, b: Snapshot): string[] {
  const d = diffSnapshots(a, b);
  return [...d.added.map((p) => `added ${p}`), ...d.removed.map((p) => `removed ${p}`), ...d.changed.map((p) => `changed ${p}`)];
}

function report(r: RoundResult, variant: string): void {
  console.log(roundLine(variant, r));
  for (const p of r.problems) console.log(`    ! ${p.split('\n').slice(0, 6).join('\n      ')}`);
}

async function soakSshd(o: Options, base: string): Promise<RoundResult[]> {
  const env = { XDG_STATE_HOME: join(base, 'state') };
  const vars = ['-e', 'listen_port=9090'];
  const sshd = await startSshd({ maxSessions: 20 });
  const out: RoundResult[] = [];
  try {
    const ref = makeFileFleet(join(base, 'reference'), sshd, o.hosts);
    const r = await cli(['apply', SOAK_FILES_PLAYBOOK, '-i', ref.inventory, ...vars, '--yes', '--journal', join(base, 'reference.db')], { cwd: ref.dir, env });
    if (r.code !== 0) throw new Error(`the reference apply failed (${r.code}): ${r.err.slice(-2000)}`);
    const post = await fleetSnapshot(ref);
    for (const seed of seedsOf(o)) {
      const fleet = makeFileFleet(join(base, `seed-${seed}`), sshd, o.hosts);
      const res = await killRound({
        seed, journal: join(base, 'journal.db'), cwd: fleet.dir, env,
        applyArgs: [SOAK_FILES_PLAYBOOK, '-i', fleet.inventory, ...vars], hosts: fleet.names,
        maxK: Math.floor(expectedMutations(o.hosts) * 0.75),
        capture: () => fleetSnapshot(fleet), diff: snapshotDiff, post,
      });
      report(res, 'sshd');
      out.push(res);
      if (!res.problems.length) rmSync(fleet.dir, { recursive: true, force: true });
    }
  } finally {
    await sshd.stop();
  }
  return out;
}

async function soakLab(o: Options, base: string): Promise<RoundResult[]> {
  const out: RoundResult[] = [];
  // A fresh lab per round, the same fleet each time (see test/soak/lab-fleet.ts).
  for (const seed of seedsOf(o)) {
    const dir = join(base, `seed-${seed}`);
    const env = { XDG_STATE_HOME: join(dir, 'state') };
    mkdirSync(dir, { recursive: true });
    const lab = await startLabFleet(dir, { hosts: o.labHosts, seed: o.labSeed, env });
    try {
      const res = await killRound({
        seed, journal: join(dir, 'journal.db'), cwd: dir, env,
        applyArgs: [IMAGICK_PLAYBOOK, '-i', lab.inventory, ...FAST_VARS], hosts: lab.hosts,
        maxK: Math.max(20, Math.floor(o.labHosts / 5)),
        capture: () => lab.hashes(), diff: hashDiff,
        resumeEnd: { run: ['succeeded', 'partial'], hosts: ['ok', 'changed', 'skipped', 'failed', 'rolled_back'] },
        pollMs: 20,
      });
      report(res, 'lab');
      out.push(res);
    } finally {
      await lab.down();
    }
  }
  return out;
}

function stats(xs: number[]): string {
  if (!xs.length) return '-';
  const s = [...xs].sort((a, b) => a - b);
  return `min ${s[0]}, median ${s[Math.floor(s.length / 2)]}, max ${s[s.length - 1]}`;
}

function summary(variant: string, rs: RoundResult[], ms: number): string {
  const ok = rs.filter((r) => !r.problems.length).length;
  const rb = rs.filter((r) => r.recovery === 'rollback');
  const rs2 = rs.filter((r) => r.recovery === 'resume+rollback');
  return [
    `== ${variant}: ${ok}/${rs.length} rounds ok (seeds ${rs[0]?.seed}–${rs[rs.length - 1]?.seed}) in ${(ms / 1000).toFixed(0)} s`,
    `   mutations in the journal at the kill: ${stats(rs.map((r) => r.mutations))}; open intents: ${rs.reduce((n, r) => n + r.openIntents, 0)} over ${rs.filter((r) => r.openIntents).length} rounds`,
    `   hosts touched: ${stats(rs.map((r) => r.hostsTouched))}; placed in started batches: ${stats(rs.map((r) => r.hostsRecorded))}`,
    `   rollback: ${rb.filter((r) => !r.problems.length).length}/${rb.length} ok, ${rb.reduce((n, r) => n + r.restored, 0)} hosts restored; resume+rollback: ${rs2.filter((r) => !r.problems.length).length}/${rs2.length} ok, ${rs2.reduce((n, r) => n + r.resumed, 0)} hosts resumed, ${rs2.reduce((n, r) => n + r.restored, 0)} restored`,
    `   per round: apply to the kill ${stats(rs.map((r) => Math.round(r.ms.apply / 100) / 10))} s; recovery ${stats(rs.map((r) => Math.round(r.ms.recover / 100) / 10))} s`,
  ].join('\n');
}

const o = parseArgs(process.argv.slice(2));
const lines: string[] = [];
let failed = 0;
for (const variant of o.variants) {
  const base = mkdtempSync(join(tmpdir(), `remediate-soak-${variant}-`));
  const t0 = Date.now();
  let rs: RoundResult[] = [];
  try {
    rs = variant === 'sshd' ? await soakSshd(o, base) : await soakLab(o, base);
  } catch (e) {
    failed++;
    console.log(`== ${variant}: FAILED to run: ${(e as Error).stack ?? e}`);
  }
  failed += rs.filter((r) => r.problems.length).length;
  if (rs.length) lines.push(summary(variant, rs, Date.now() - t0));
  if (!rs.some((r) => r.problems.length)) rmSync(base, { recursive: true, force: true });
  else console.log(`(kept ${base} for inspection: journal.db and the failed rounds' trees)`);
}
console.log('\n' + lines.join('\n'));
process.exitCode = failed ? 1 : 0;
