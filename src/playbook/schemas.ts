// Every playbook keyword's schema, in one place. Later work extends the playbook here: add a
// field to a play, a rollout, a canary or a compliance assertion, and the loader validates it
// (unknown keys, wrong types, did-you-mean) with no other change. load.ts maps the validated
// values to the typed Playbook in types.ts.
import type { Field, Schema } from '../source/schema-types.js';
import type { Problem } from '../source/types.js';
import { problemAt } from '../source/yaml.js';
import type { ModuleCatalog } from './catalog.js';
import { exprSchema, positioned, refine, templated } from './schema-helpers.js';
import { taskSchema } from './task-schema.js';

type ObjectSchema = Extract<Schema, { type: 'object' }>;

const str: Schema = { type: 'string' };
const nonEmpty: Schema = { type: 'string', nonEmpty: true };
const bool: Schema = { type: 'bool' };
const exprList: Schema = { type: 'list', items: exprSchema, single: true };
const names: Schema = { type: 'list', items: nonEmpty, single: true };

export const ROLLBACK_POLICIES = ['host', 'batch', 'run', 'none'] as const;
export const HOST_ORDERS = ['inventory', 'reverse_inventory', 'sorted', 'reverse_sorted', 'shuffle'] as const;

const identifier = refine(nonEmpty, (value, node, ctx) =>
  /^[A-Za-z_][A-Za-z0-9_]*$/.test(value as string)
    ? []
    : [problemAt(ctx, node, `invalid name '${value as string}' for 'register'`, { expected: 'a variable name (letters, digits, _)', hint: 'later tasks use it as result.stdout' })],
);

/** Keywords of a task (besides its one module key). */
export const taskKeywordFields: Record<string, Field> = {
  name: { schema: str, doc: 'shown in the plan and the recap; defaults to the module name' },
  when: { schema: exprList, doc: 'conditions (all must hold); a bare expression like Ansible' },
  register: { schema: identifier, doc: 'store the result under this variable for later tasks' },
  notify: { schema: { type: 'list', items: positioned(nonEmpty), single: true }, doc: 'handlers to run if this task changes something' },
  retries: { schema: { type: 'int', min: 0 }, doc: 'retries until `until` holds (default 3 with until)' },
  delay: { schema: { type: 'duration' }, doc: 'between retries (default 5s)' },
  until: { schema: exprSchema, doc: 'retry until this holds' },
  timeout: { schema: { type: 'duration' }, doc: 'per-attempt time limit' },
  become: { schema: bool },
  become_user: { schema: nonEmpty },
  throttle: { schema: { type: 'int', min: 1 }, doc: 'at most this many hosts run this task at once' },
  ignore_errors: { schema: bool, default: false },
};

export const handlerKeywordFields: Record<string, Field> = {
  ...taskKeywordFields,
  listen: { schema: names, doc: 'topics this handler also answers to' },
};

export const taskKeywordsSchema: ObjectSchema = { type: 'object', name: 'a task', fields: taskKeywordFields };
export const handlerKeywordsSchema: ObjectSchema = { type: 'object', name: 'a handler', fields: handlerKeywordFields };

function exactlyOne(a: string, b: string, what: string, required: boolean) {
  return (value: unknown, node: unknown, ctx: Parameters<typeof problemAt>[0], at: unknown): Problem[] => {
    const v = value as Record<string, unknown>;
    if (v[a] !== undefined && v[b] !== undefined) {
      return [problemAt(ctx, node ?? at, `${what}: give either '${a}' or '${b}', not both`)];
    }
    if (required && v[a] === undefined && v[b] === undefined) {
      return [problemAt(ctx, node ?? at, `${what}: needs '${a}' or '${b}'`, { expected: `'${a}' or '${b}'` })];
    }
    return [];
  };
}

export const canaryObject: ObjectSchema = {
  type: 'object',
  name: 'a canary',
  scalarField: 'count',
  fields: {
    count: { schema: { type: 'count-or-percent' }, doc: 'hosts in the canary stage (default 1)' },
    per: { schema: exprSchema, doc: 'one canary host per distinct value, e.g. facts.os.distro' },
    gates: { schema: exprList, default: [], doc: 'conditions every canary host must meet before the rollout' },
  },
};
export const canarySchema: Schema = refine(canaryObject, exactlyOne('count', 'per', 'a canary', false));

export const pauseObject: ObjectSchema = {
  type: 'object',
  name: 'a pause',
  scalarField: 'seconds',
  fields: {
    seconds: { schema: { type: 'duration' }, doc: 'wait between batches' },
    prompt: { schema: nonEmpty, doc: 'ask on a TTY between batches (--yes answers)' },
  },
};
export const pauseSchema: Schema = refine(pauseObject, (value, node, ctx, at) => {
  const v = value as Record<string, unknown>;
  return v['seconds'] === undefined && v['prompt'] === undefined
    ? [problemAt(ctx, node ?? at, "a pause needs 'seconds' or 'prompt'", { expected: "'seconds' or 'prompt'" })]
    : [];
});

const hostTimeoutSchema: Schema = refine({ type: 'duration' }, (value, node, ctx, at) =>
  value === 0 ? [problemAt(ctx, node ?? at, 'a host_timeout of 0 would fail every host before it starts', { expected: 'a duration above 0, like 15m', found: '0' })] : [],
);

export const rolloutSchema: ObjectSchema = {
  type: 'object',
  name: 'a rollout',
  fields: {
    canary: { schema: canarySchema },
    serial: { schema: { type: 'list', items: { type: 'count-or-percent' }, single: true }, default: [], doc: "Ansible's serial; the last item repeats" },
    max_fail_percentage: { schema: { type: 'number', min: 0, max: 100 }, doc: 'a batch fails when more than this % of its hosts fail' },
    concurrency: { schema: { type: 'int', min: 1 }, default: 50 },
    order: { schema: { type: 'string', enum: HOST_ORDERS }, default: 'inventory' },
    pause: { schema: pauseSchema },
    max_in_flight_per_group: { schema: { type: 'map', values: { type: 'int', min: 1 } } },
    unreachable_counts_as_failed: { schema: bool, default: false },
    host_timeout: { schema: hostTimeoutSchema, doc: "a host's whole play (facts, tasks, handlers) must end within this; a host over it stops, failed" },
  },
};

export const assertionObject: ObjectSchema = {
  type: 'object',
  name: 'a compliance assertion',
  fields: {
    id: { schema: nonEmpty, required: true, doc: 'stable id, unique in the play' },
    description: { schema: str },
    that: { schema: { type: 'list', items: exprSchema, single: true, minItems: 1 }, required: true },
  },
};

export const ANSIBLE_ONLY_PLAY_KEYS: Readonly<Record<string, string>> = {
  gather_facts: "remediate gathers only the facts listed under 'facts:'",
  serial: "'serial' goes under 'rollout:'",
  max_fail_percentage: "'max_fail_percentage' goes under 'rollout:'",
  order: "'order' goes under 'rollout:'",
  throttle: "'throttle' is a task keyword; for the whole play use 'rollout: { concurrency: N }'",
  strategy: "strategies are not supported: remediate runs each host's play in one slot",
  roles: 'roles are not supported; write the tasks in the play',
  pre_tasks: "put them at the start of 'tasks:'",
  post_tasks: "put them at the end of 'tasks:'",
  tags: 'tags are not supported; split the playbook instead',
  vars_files: "vars_files are not supported; use 'vars:' or -e @file",
  remote_user: "set the user in the inventory (ansible_user)",
  connection: 'set the connection in the inventory (ansible_connection)',
  import_playbook: 'imports are not supported; run the playbooks one after the other',
};

export function playObject(catalog: ModuleCatalog): ObjectSchema {
  return {
    type: 'object',
    name: 'a play',
    unknownKeyHints: ANSIBLE_ONLY_PLAY_KEYS,
    fields: {
      name: { schema: templated(str) },
      hosts: {
        schema: {
          type: 'oneOf',
          expected: 'a host pattern (a string like "web:&debian", or a list of patterns)',
          options: [nonEmpty, { type: 'list', items: nonEmpty, minItems: 1 }],
        },
        required: true,
      },
      vars: { schema: templated({ type: 'map', values: { type: 'any' } }), default: {} },
      facts: { schema: names, default: [], doc: 'facts gathered in the detect phase' },
      become: { schema: bool, default: false },
      become_user: { schema: nonEmpty },
      tasks: { schema: { type: 'list', items: taskSchema(catalog, taskKeywordsSchema, 'task') }, default: [] },
      handlers: { schema: { type: 'list', items: taskSchema(catalog, handlerKeywordsSchema, 'handler') }, default: [] },
      rollout: { schema: rolloutSchema, default: {} },
      compliance: { schema: { type: 'list', items: positioned(assertionObject) }, default: [] },
      rollback: { schema: { type: 'string', enum: ROLLBACK_POLICIES }, default: 'host' },
    },
  };
}

/** A playbook: a list of plays, each keeping its position. */
export function playbookSchema(catalog: ModuleCatalog): Schema {
  return { type: 'list', items: positioned(playObject(catalog)), minItems: 1 };
}
