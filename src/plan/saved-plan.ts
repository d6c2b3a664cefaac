// A saved plan (`plan --out FILE`): what `apply --plan FILE` must execute exactly — the
// playbook and inventory it was made from (by hash), the variables and seed, the schedule,
// and per host the durable facts (with their fingerprint) and every planned step.
import { isMap, isScalar } from 'yaml';
import { InputError } from '../source/errors.js';
import { parseYaml, problemAt, problemAtPos } from '../source/yaml.js';
import type { Problem } from '../source/types.js';
import type { ScheduleView } from '../report/plan-schedule.js';
import type { HostPlan } from './types.js';

export const PLAN_FORMAT = 'remediate-plan/1';

export interface SavedPlan {
  format: typeof PLAN_FORMAT;
  createdAt: string;
  createdBy: { user: string; host: string };
  playbook: { path: string; sha256: string };
  inventory: { sources: string[]; sha256: string[] };
  limit?: string;
  extraVars: Record<string, unknown>;
  seed: number;
  forks?: number;
  schedule: ScheduleView[];
  hosts: Record<string, Omit<HostPlan, 'host' | 'ms'>>;
}

export function toSavedPlan(p: Omit<SavedPlan, 'format' | 'hosts'>, hosts: Iterable<HostPlan>): SavedPlan {
  const out: SavedPlan['hosts'] = {};
  for (const { host, ms: _ms, ...rest } of hosts) out[host] = rest;
  return { format: PLAN_FORMAT, ...p, hosts: out };
}

/** Parse and check a saved plan; problems are positioned in the file (JSON is YAML). */
export function readSavedPlan(file: string, text: string): SavedPlan {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const y = parseYaml(file, text);
    const problems = y.problems.length ? y.problems : [problemAtPos({ text }, { file, line: 1, col: 1 }, 'not a JSON plan', { expected: `a plan written by \`remediate plan --out\`` })];
    throw new InputError(problems);
  }
  const problems = shapeProblems(value);
  if (problems.length) {
    // Slow path, only to point at the place: re-read with positions.
    const y = parseYaml(file, text);
    const root = y.doc.contents;
    throw new InputError(problems.map(({ key, message, expected, found }) => {
      const node = isMap(root) ? (root.get(key, true) ?? root) : root;
      return problemAt(y.ctx, isScalar(node) || isMap(node) ? node : root, message, { expected, found });
    }));
  }
  return value as SavedPlan;
}

interface ShapeProblem { key: string; message: string; expected: string; found: string }

function shapeProblems(v: unknown): ShapeProblem[] {
  const found = (x: unknown) => (x === undefined ? 'nothing' : JSON.stringify(x)?.slice(0, 60) ?? String(x));
  if (!v || typeof v !== 'object' || Array.isArray(v)) return [{ key: '', message: 'a plan is a JSON object', expected: 'an object with format, playbook, hosts …', found: found(v) }];
  const o = v as Record<string, unknown>;
  const out: ShapeProblem[] = [];
  if (o.format !== PLAN_FORMAT) out.push({ key: 'format', message: 'not a plan this version of remediate can apply', expected: JSON.stringify(PLAN_FORMAT), found: found(o.format) });
  const pb = o.playbook as Record<string, unknown> | undefined;
  if (!pb || typeof pb.path !== 'string' || typeof pb.sha256 !== 'string') out.push({ key: 'playbook', message: 'playbook: path and sha256 are required', expected: '{"path": "…", "sha256": "…"}', found: found(pb) });
  const inv = o.inventory as Record<string, unknown> | undefined;
  if (!inv || !Array.isArray(inv.sources) || !Array.isArray(inv.sha256)) out.push({ key: 'inventory', message: 'inventory: sources and sha256 lists are required', expected: '{"sources": […], "sha256": […]}', found: found(inv) });
  if (typeof o.seed !== 'number') out.push({ key: 'seed', message: 'seed: a number is required', expected: 'a number', found: found(o.seed) });
  if (!o.extraVars || typeof o.extraVars !== 'object') out.push({ key: 'extraVars', message: 'extraVars: an object is required', expected: 'an object', found: found(o.extraVars) });
  if (!o.hosts || typeof o.hosts !== 'object' || Array.isArray(o.hosts)) out.push({ key: 'hosts', message: 'hosts: an object of host plans is required', expected: '{"host": {"steps": […], …}}', found: found(o.hosts) });
  else {
    for (const [h, p] of Object.entries(o.hosts as Record<string, unknown>)) {
      const hp = p as Record<string, unknown>;
      if (!hp || !Array.isArray(hp.steps) || typeof hp.status !== 'string') {
        out.push({ key: 'hosts', message: `hosts.${h}: status and steps are required`, expected: '{"status": "planned", "steps": […]}', found: found(p) });
        break;
      }
    }
  }
  return out;
}

