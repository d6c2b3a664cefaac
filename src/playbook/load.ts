// Playbook file → validated, typed Playbook. Every problem in the file is collected and thrown
// at once as an InputError (file:line:col, the line, what was expected and found, did-you-mean).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isSeq } from 'yaml';
import { InputError } from '../source/errors.js';
import { validate } from '../source/schema.js';
import type { Pos, Problem } from '../source/types.js';
import { lineAt, parseYaml, problemAt, problemAtPos } from '../source/yaml.js';
import { didYouMean } from '../source/suggest.js';
import type { ModuleCatalog } from './catalog.js';
import type { PlaybookCtx, Positioned } from './schema-helpers.js';
import { playbookSchema } from './schemas.js';
import type { RawTask } from './task-schema.js';
import type { Assertion, Canary, Expr, Pause, Play, Playbook, Rollout, Task } from './types.js';

export type { ModuleCatalog };

export function sha256Of(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Read, hash and load a playbook file (the hash is of the file's bytes). */
export async function loadPlaybookFile(path: string, modules: ModuleCatalog, displayName = path): Promise<Playbook> {
  const bytes = await readFile(path);
  const pb = loadPlaybook(displayName, bytes.toString('utf8'), modules);
  pb.sha256 = sha256Of(bytes);
  return pb;
}

export function loadPlaybook(file: string, text: string, modules: ModuleCatalog): Playbook {
  const { doc, problems, ctx: source } = parseYaml(file, text);
  const sha256 = sha256Of(text);
  // After a syntax error the tree is a guess; report the syntax first.
  if (doc.errors.length) throw new InputError(problems);
  const ctx: PlaybookCtx = { ...source, templates: {} };
  const root = doc.contents;
  if (root === null || (root as { value?: unknown }).value === null) {
    throw new InputError([
      problemAtPos(ctx, { file, line: 1, col: 1 }, 'the playbook is empty', { expected: 'a list of plays, e.g. "- hosts: all"' }),
    ]);
  }
  if (!isSeq(root)) {
    problems.push(
      problemAt(ctx, root, 'a playbook is a list of plays', {
        expected: 'a list of plays',
        found: (root as { items?: unknown }).items ? 'a mapping' : 'a single value',
        hint: "start each play with '- ', e.g. '- hosts: web'",
      }),
    );
    throw new InputError(sortProblems(problems));
  }
  const r = validate(root, playbookSchema(modules), ctx);
  problems.push(...r.problems);
  const notifyPositions: NotifyPositions = new Map();
  const plays = ((r.value as Positioned<Record<string, unknown>>[] | undefined) ?? []).map((p) => toPlay(p.value, p.pos, notifyPositions));
  for (const play of plays) problems.push(...crossChecks(play, text, notifyPositions));
  if (problems.length) throw new InputError(sortProblems(problems));
  return { file, sha256, plays, templates: ctx.templates };
}

function sortProblems(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems
    .filter((p) => {
      const k = `${p.pos.line}:${p.pos.col}:${p.message}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort((a, b) => a.pos.line - b.pos.line || a.pos.col - b.pos.col);
}

/** Where each task's notify names are: cross-checks point at them, the typed Task keeps names only. */
type NotifyPositions = Map<Task, Positioned<string>[]>;

function toTask(raw: RawTask, handler: boolean, notifyPositions: NotifyPositions): Task {
  const k = raw.keywords;
  const until = k['until'] as Expr | undefined;
  const notify = (k['notify'] as Positioned<string>[] | undefined) ?? [];
  const task: Task = {
    name: (k['name'] as string | undefined) ?? raw.module,
    pos: raw.pos,
    module: raw.module,
    args: raw.args,
    argsPos: raw.argsPos,
    notify: notify.map((n) => n.value),
    retries: (k['retries'] as number | undefined) ?? (until ? 3 : 0),
    delayMs: (k['delay'] as number | undefined) ?? 5000,
    ignoreErrors: (k['ignore_errors'] as boolean | undefined) ?? false,
  };
  const when = k['when'] as Expr[] | undefined;
  if (when?.length) task.when = when;
  if (k['register'] !== undefined) task.register = k['register'] as string;
  if (until) task.until = until;
  if (k['timeout'] !== undefined) task.timeoutMs = k['timeout'] as number;
  if (k['become'] !== undefined) task.become = k['become'] as boolean;
  if (k['become_user'] !== undefined) task.becomeUser = k['become_user'] as string;
  if (k['throttle'] !== undefined) task.throttle = k['throttle'] as number;
  if (handler) task.listen = (k['listen'] as string[] | undefined) ?? [];
  notifyPositions.set(task, notify);
  return task;
}

function toRollout(r: Record<string, unknown>): Rollout {
  const rollout: Rollout = {
    serial: (r['serial'] as (number | string)[] | undefined) ?? [],
    concurrency: (r['concurrency'] as number | undefined) ?? 50,
    order: (r['order'] as Rollout['order'] | undefined) ?? 'inventory',
    unreachableCountsAsFailed: (r['unreachable_counts_as_failed'] as boolean | undefined) ?? false,
  };
  const c = r['canary'] as Record<string, unknown> | undefined;
  if (c) {
    const canary: Canary = { gates: (c['gates'] as Expr[] | undefined) ?? [] };
    if (c['per'] !== undefined) canary.per = c['per'] as Expr;
    else canary.count = (c['count'] as number | string | undefined) ?? 1;
    rollout.canary = canary;
  }
  if (r['max_fail_percentage'] !== undefined) rollout.maxFailPercentage = r['max_fail_percentage'] as number;
  const p = r['pause'] as Record<string, unknown> | undefined;
  if (p) {
    const pause: Pause = {};
    if (p['seconds'] !== undefined) pause.seconds = (p['seconds'] as number) / 1000;
    if (p['prompt'] !== undefined) pause.prompt = p['prompt'] as string;
    rollout.pause = pause;
  }
  if (r['host_timeout'] !== undefined) rollout.hostTimeoutMs = r['host_timeout'] as number;
  if (r['max_in_flight_per_group'] !== undefined) rollout.maxInFlightPerGroup = r['max_in_flight_per_group'] as Record<string, number>;
  return rollout;
}

function toPlay(v: Record<string, unknown>, pos: Pos, notifyPositions: NotifyPositions): Play {
  const hostsRaw = v['hosts'];
  const hosts = Array.isArray(hostsRaw) ? (hostsRaw as string[]).join(',') : ((hostsRaw as string | undefined) ?? '');
  const compliance: Assertion[] = ((v['compliance'] as Positioned<Record<string, unknown>>[] | undefined) ?? []).map((a) => {
    const out: Assertion = { id: a.value['id'] as string, pos: a.pos, that: (a.value['that'] as Expr[] | undefined) ?? [] };
    if (a.value['description'] !== undefined) out.description = a.value['description'] as string;
    return out;
  });
  const play: Play = {
    name: (v['name'] as string | undefined) ?? hosts,
    hosts,
    pos,
    vars: (v['vars'] as Record<string, unknown> | undefined) ?? {},
    facts: (v['facts'] as string[] | undefined) ?? [],
    become: (v['become'] as boolean | undefined) ?? false,
    tasks: ((v['tasks'] as RawTask[] | undefined) ?? []).map((t) => toTask(t, false, notifyPositions)),
    handlers: ((v['handlers'] as RawTask[] | undefined) ?? []).map((t) => toTask(t, true, notifyPositions)),
    rollout: toRollout((v['rollout'] as Record<string, unknown> | undefined) ?? {}),
    compliance,
    rollback: (v['rollback'] as Play['rollback'] | undefined) ?? 'host',
  };
  if (v['become_user'] !== undefined) play.becomeUser = v['become_user'] as string;
  return play;
}

/** Rules across fields: unique compliance ids, notify names that reach a handler. */
function crossChecks(play: Play, text: string, notifyPositions: NotifyPositions): Problem[] {
  const problems: Problem[] = [];
  const ids = new Map<string, Pos>();
  for (const a of play.compliance) {
    const first = ids.get(a.id);
    if (first) {
      problems.push(
        problemAtPos({ text }, a.pos, `duplicate compliance id '${a.id}' (first at line ${first.line})`, {
          hint: 'ids name results in reports and history; make each one unique in the play',
        }),
      );
    } else ids.set(a.id, a.pos);
  }
  const handlerNames = new Set<string>();
  for (const h of play.handlers) {
    handlerNames.add(h.name);
    for (const l of h.listen ?? []) handlerNames.add(l);
  }
  for (const t of [...play.tasks, ...play.handlers]) {
    for (const n of notifyPositions.get(t) ?? []) {
      if (handlerNames.has(n.value)) continue;
      const guess = didYouMean(n.value, [...handlerNames]);
      const extra: { expected?: string; hint?: string } = {
        expected: handlerNames.size ? `one of the play's handlers: ${[...handlerNames].map((h) => `'${h}'`).join(', ')}` : 'a handler (this play has none)',
      };
      if (guess) extra.hint = `did you mean '${guess}'?`;
      const p = problemAtPos({ text }, n.pos, `no handler named '${n.value}'`, extra);
      const lt = lineAt(text, n.pos.line);
      if (lt !== undefined) p.lineText = lt;
      problems.push(p);
    }
  }
  return problems;
}
