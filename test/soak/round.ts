// One kill -9 round, the same for every fleet (sshd host aliases, the lab): capture the fleet's
// durable state, start `remediate apply` as a separate controller process, SIGKILL it at a
// seeded point read from its journal, then check what a user would: the journal opens cleanly,
// `runs` and `show` account for every host, and `rollback` (even seeds) returns every host to
// its pre-run state, or `resume` (odd seeds) completes the run, after which `rollback` still
// returns every host to its pre-run state.
import { openJournal } from '../../src/journal/index.js';
import { cli } from '../helpers/cli.js';
import { drawKillPoint, hostsInShowText, hostsShown, integrityCheck, JournalWatch, killWhen, prng, startController, type KillPoint, type Progress } from './harness.js';

export interface RoundSpec<S> {
  seed: number;
  journal: string;
  cwd: string;
  /** XDG_STATE_HOME and the like, for the child and the in-process CLI runs. */
  env: Record<string, string>;
  /** `remediate apply` arguments after `apply` (playbook, -i, -e …); --yes and --journal are added. */
  applyArgs: string[];
  /** Every host of the inventory. */
  hosts: string[];
  /** Kill points are drawn from 1..maxK mutations (or intents). */
  maxK: number;
  capture(): Promise<S>;
  /** Human-readable differences between two states; [] when they are equal. */
  diff(expected: S, actual: S): string[];
  /** What a clean, uninterrupted apply leaves; a resumed run must end there. */
  post?: S;
  /**
   * How a resumed run may end. Default: the run `succeeded` and every host is ok/changed/skipped.
   * A fleet with real failures (the lab: a master that dies on its reload) also allows `partial`
   * and hosts the play's rollback policy undid.
   */
  resumeEnd?: { run: string[]; hosts: string[] };
  pollMs?: number;
}

export type Recovery = 'rollback' | 'resume+rollback';

export interface RoundResult {
  seed: number;
  runId?: string;
  killPoint: KillPoint;
  /** What the watcher saw when it pulled the trigger. */
  atKill?: Progress;
  /** From the journal after the kill. */
  mutations: number;
  openIntents: number;
  hostsTouched: number;
  hostsRecorded: number;
  recovery: Recovery;
  /** Hosts rollback restored (from its events), hosts resume started. */
  restored: number;
  resumed: number;
  ms: { apply: number; recover: number; total: number };
  problems: string[];
}

const MAX_DIFFS = 10;

export async function killRound<S>(spec: RoundSpec<S>): Promise<RoundResult> {
  const t0 = Date.now();
  const rand = prng(spec.seed);
  const killPoint = drawKillPoint(rand, spec.maxK);
  const recovery: Recovery = spec.seed % 2 === 0 ? 'rollback' : 'resume+rollback';
  const res: RoundResult = { seed: spec.seed, killPoint, mutations: 0, openIntents: 0, hostsTouched: 0, hostsRecorded: 0, recovery, restored: 0, resumed: 0, ms: { apply: 0, recover: 0, total: 0 }, problems: [] };
  const problem = (msg: string) => res.problems.push(msg);
  const J = spec.journal;
  const run = (argv: string[]) => cli([...argv, '--journal', J], { cwd: spec.cwd, env: spec.env });
  const compare = (what: string, expected: S, actual: S) => {
    const d = spec.diff(expected, actual);
    if (d.length) problem(`${what}: ${d.length} difference(s): ${d.slice(0, MAX_DIFFS).join('; ')}${d.length > MAX_DIFFS ? '; …' : ''}`);
  };

  const pre = await spec.capture();

  // 1. The controller, killed with SIGKILL at the drawn point.
  const watch = new JournalWatch(J);
  let kill;
  try {
    const ctl = startController(['apply', ...spec.applyArgs, '--yes', '--journal', J], { cwd: spec.cwd, env: spec.env });
    kill = await killWhen(ctl, watch, killPoint, { pollMs: spec.pollMs });
    res.atKill = kill.atKill;
    res.runId = kill.atKill.runId;
    res.ms.apply = kill.ms;
    if (kill.finishedFirst) {
      problem(`the controller exited on its own (code ${kill.code}, signal ${kill.signal}) before the kill point ${killPoint.on} ≥ ${killPoint.k}: ${JSON.stringify(kill.atKill)}\n${ctl.tail().slice(-3000)}`);
      return finish();
    }
    if (!res.runId) {
      problem(`killed before the run was recorded: ${JSON.stringify(kill.atKill)}`);
      return finish();
    }
  } finally {
    watch.close();
  }
  const runId = res.runId!;

  // 2. The journal after the kill: SQLite-consistent, opened by the product, an unfinished run
  //    with at least one confirmed mutation.
  const integrity = integrityCheck(J);
  if (integrity !== 'ok') problem(`integrity_check: ${integrity}`);
  try {
    const j = openJournal(J, { now: () => Date.now() });
    try {
      const rec = j.getRun(runId);
      if (!rec) problem(`run ${runId} is not in the journal`);
      else {
        if (rec.status !== 'running' || rec.finished !== undefined) problem(`the killed run is '${rec.status}' (finished ${rec.finished}); expected an unfinished 'running' run`);
        const steps = j.stepsFor(runId);
        res.mutations = steps.filter((s) => s.class === 'reversible' && s.outcome?.status === 'changed').length;
        res.openIntents = steps.filter((s) => !s.outcome).length;
        res.hostsTouched = new Set(steps.filter((s) => s.class !== 'stateless').map((s) => s.host)).size;
        res.hostsRecorded = rec.hostList.length;
        if (res.mutations < 1) problem('the kill landed before any mutation was confirmed in the journal');
        if (rec.unfinished !== res.openIntents) problem(`runs' unfinished count ${rec.unfinished} ≠ ${res.openIntents} intents without outcome`);
      }
    } finally {
      j.close();
    }
  } catch (e) {
    problem(`the journal does not open after the kill: ${(e as Error).message}`);
    return finish();
  }

  // 3. runs and show account for the run and every host.
  const runs = await run(['runs', '--json']);
  if (runs.code !== 0) problem(`runs --json exited ${runs.code}: ${runs.err}`);
  else {
    const listed = (JSON.parse(runs.out) as { id: string; status: string; liveness?: string }[]).find((r) => r.id === runId);
    if (listed?.status !== 'running') problem(`runs --json lists the killed run as ${JSON.stringify(listed?.status)}`);
    if (listed?.liveness !== 'interrupted') problem(`runs --json does not see the killed run as interrupted (liveness ${JSON.stringify(listed?.liveness)})`);
  }
  checkShow(await run(['show', runId, '--json']), await run(['show', runId]), spec.hosts, 'after the kill', problem);

  // 4. Recovery.
  const r0 = Date.now();
  if (recovery === 'resume+rollback') {
    const r = await run(['resume', runId, '--yes', '--json']);
    const events = jsonLines(r.out);
    res.resumed = events.filter((e) => e.kind === 'host.start').length;
    if (r.code !== 0) {
      problem(`resume exited ${r.code}: ${r.err.slice(-2000)}`);
      // What the journal says about the first failed host, across the killed and resumed parts.
      const bad = events.find((e) => e.kind === 'host.end' && e.status === 'failed')?.host;
      if (bad) problem(`show ${runId} --host ${bad}:\n${(await run(['show', runId, '--host', bad])).out.slice(-3000)}\nits resumed events:\n${r.out.split('\n').filter((l) => l.includes(`"${bad}"`)).join('\n').slice(-4000)}`);
    }
    const after = await run(['runs', '--json']);
    const st = (JSON.parse(after.out) as { id: string; status: string }[]).find((x) => x.id === runId)?.status;
    const end = spec.resumeEnd ?? { run: ['succeeded'], hosts: ['ok', 'changed', 'skipped'] };
    if (!end.run.includes(st ?? '')) problem(`after resume the run is ${JSON.stringify(st)}, expected ${end.run.join(' or ')}`);
    const shown = checkShow(await run(['show', runId, '--json']), await run(['show', runId]), spec.hosts, 'after resume', problem);
    const unfinished = [...shown].filter(([, s]) => !end.hosts.includes(s));
    if (unfinished.length) problem(`after resume, hosts not finished: ${unfinished.slice(0, 10).map(([h, s]) => `${h}=${s}`).join(', ')}`);
    if (spec.post) compare('after resume, the fleet differs from a clean apply', spec.post, await spec.capture());
  }
  const rb = await run(['rollback', runId, '--yes', '--json']);
  const rbEvents = jsonLines(rb.out);
  res.restored = rbEvents.filter((e) => e.kind === 'host.rollback' && e.status === 'restored').length;
  const failed = rbEvents.filter((e) => e.kind === 'host.rollback' && e.status !== 'restored');
  if (rb.code !== 0) problem(`rollback exited ${rb.code}: ${failed.slice(0, 5).map((e) => `${e.host}: ${e.msg}`).join('; ')} ${rb.err.slice(-1500)}`);
  compare('after rollback, the fleet differs from before the run', pre, await spec.capture());
  const final = (JSON.parse((await run(['runs', '--json'])).out) as { id: string; status: string }[]).find((x) => x.id === runId)?.status;
  if (final !== 'rolled_back') problem(`after rollback the run is ${JSON.stringify(final)}, expected rolled_back`);
  res.ms.recover = Date.now() - r0;
  return finish();

  function finish(): RoundResult {
    res.ms.total = Date.now() - t0;
    return res;
  }
}

interface JsonEvent { kind: string; host?: string; status?: string; msg?: string }

function jsonLines(out: string): JsonEvent[] {
  return out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as JsonEvent);
}

/** `show RUN --json` and `show RUN` each account for exactly the inventory's hosts. */
function checkShow(json: { code: number; out: string; err: string }, text: { code: number; out: string; err: string }, hosts: string[], when: string, problem: (m: string) => void): Map<string, string> {
  if (json.code !== 0 || text.code !== 0) {
    problem(`${when}: show exited ${json.code}/${text.code}: ${json.err}${text.err}`);
    return new Map();
  }
  const shown = hostsShown(json.out);
  const missing = hosts.filter((h) => !shown.has(h));
  const extra = [...shown.keys()].filter((h) => !hosts.includes(h));
  if (missing.length) problem(`${when}: show --json misses ${missing.length} host(s): ${missing.slice(0, 10).join(', ')}`);
  if (extra.length) problem(`${when}: show --json names hosts not in the inventory: ${extra.slice(0, 10).join(', ')}`);
  const t = hostsInShowText(text.out);
  const notListed = [...shown].filter(([h, s]) => s !== 'not started' && t.listed.get(h) !== s);
  if (notListed.length) problem(`${when}: show's text lacks ${notListed.length} host line(s): ${notListed.slice(0, 5).map(([h, s]) => `${h}: ${s}`).join(', ')}`);
  if (t.listed.size + t.notStarted !== hosts.length) problem(`${when}: show's text accounts for ${t.listed.size} listed + ${t.notStarted} not started ≠ ${hosts.length} hosts`);
  return shown;
}

/** One line per round, for logs and the soak runner. */
export function roundLine(variant: string, r: RoundResult): string {
  const k = `${r.killPoint.on}≥${r.killPoint.k}`;
  const at = r.atKill ? `${r.atKill.mutations}m/${r.atKill.intents}i` : '-';
  return `${variant} seed ${String(r.seed).padStart(3)}: kill at ${k.padEnd(14)} (saw ${at}) journal ${r.mutations} mutations, ${r.openIntents} open, ${r.hostsTouched} hosts touched of ${r.hostsRecorded} placed; ${r.recovery}: ${r.resumed ? `${r.resumed} resumed, ` : ''}${r.restored} restored; apply ${(r.ms.apply / 1000).toFixed(1)} s, recover ${(r.ms.recover / 1000).toFixed(1)} s → ${r.problems.length ? `FAIL (${r.problems.length})` : 'ok'}`;
}
