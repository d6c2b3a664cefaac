// A task is keywords plus exactly one module key whose value the module's own schema validates.
// The generic object validator cannot say "exactly one of an open set of keys", so this is a
// custom check: sort the keys into keywords / module / unknown, validate each part, and suggest
// near misses from keywords and module names together.
import { isMap, isScalar, isSeq, YAMLMap, type Pair } from 'yaml';
import { describeExpected, describeFound, unknownKeyProblem, validate, validateObject } from '../source/schema.js';
import type { CheckResult, Schema } from '../source/schema-types.js';
import type { Problem } from '../source/types.js';
import { keyName, pairsOf, posOf, problemAt, type SourceCtx } from '../source/yaml.js';
import type { ModuleCatalog } from './catalog.js';
import { checkExpr, checkTemplatesIn } from './schema-helpers.js';
import type { Pos } from '../source/types.js';

/** What the task check produces; load.ts turns it into a typed Task. */
export interface RawTask {
  keywords: Record<string, unknown>;
  module: string;
  args: unknown;
  argsPos: Pos;
  pos: Pos;
}

/** Keys Ansible users reach for that remediate does not have, with what to do instead. */
export const ANSIBLE_ONLY_TASK_KEYS: Readonly<Record<string, string>> = {
  loop: 'loops are not supported; write one task per item',
  with_items: 'loops are not supported; write one task per item',
  block: "blocks are not supported; use separate tasks with 'when'",
  rescue: "blocks are not supported; use 'ignore_errors' and 'when' on a later task",
  always: 'blocks are not supported',
  tags: 'tags are not supported; split the playbook instead',
  changed_when: "'changed_when' is not supported: modules decide change from the plan",
  failed_when: "'failed_when' is not supported; follow with an 'assert' task",
  delegate_to: "'delegate_to' is not supported: a task runs on the host itself",
  run_once: "'run_once' is not supported",
  include_tasks: 'includes are not supported; keep tasks in the playbook',
  import_tasks: 'imports are not supported; keep tasks in the playbook',
  args: "put a module's arguments under the module key itself",
  action: "write the module as a key, e.g. 'command: …'",
};

export function taskSchema(catalog: ModuleCatalog, keywords: Extract<Schema, { type: 'object' }>, kind: 'task' | 'handler'): Schema {
  const what = kind === 'task' ? 'a task' : 'a handler';
  const expected = `${what} (a mapping with one module key, e.g. 'command: …')`;
  return {
    type: 'custom',
    expected,
    check(node, ctx, at): CheckResult {
      if (!isMap(node)) {
        return { value: undefined, problems: [problemAt(ctx, node ?? at, `wrong type for ${what}`, { expected, found: describeFound(node, ctx) })] };
      }
      const problems: Problem[] = [];
      const keywordPairs: Pair[] = [];
      let moduleKey: { name: string; pair: Pair } | undefined;
      const keywordNames = Object.keys(keywords.fields);
      const moduleNames = catalog.names();
      for (const pair of pairsOf(node, ctx.doc)) {
        const name = keyName(pair);
        if (name === undefined) {
          problems.push(problemAt(ctx, pair.key ?? node, 'a key must be a plain scalar', { found: describeFound(pair.key, ctx) }));
        } else if (Object.hasOwn(keywords.fields, name)) {
          keywordPairs.push(pair);
        } else if (catalog.schemaOf(name)) {
          if (moduleKey) {
            const first = posOf(ctx.file, ctx.lineCounter, moduleKey.pair.key);
            problems.push(
              problemAt(ctx, pair.key, `more than one module in ${what}: '${name}' after '${moduleKey.name}' (line ${first.line})`, {
                expected: 'exactly one module key per task',
                hint: 'split it into two tasks',
              }),
            );
          } else moduleKey = { name, pair };
        } else if (kind === 'task' && name === 'listen') {
          problems.push(problemAt(ctx, pair.key, "'listen' is only for handlers", { hint: "move this task under 'handlers:' or use 'notify'" }));
        } else {
          problems.push(unknownKeyProblem(ctx, pair.key, name, [...keywordNames, ...moduleNames].filter((n) => n !== 'listen' || kind === 'handler'), what, ANSIBLE_ONLY_TASK_KEYS[name]));
        }
      }

      const kwMap = new YAMLMap();
      kwMap.items = keywordPairs;
      kwMap.range = node.range;
      const kw = validateObject(kwMap, keywords, ctx);
      problems.push(...kw.problems);
      problems.push(...checkTemplatesIn(keywordPairs.find((p) => keyName(p) === 'name')?.value, ctx));

      if (!moduleKey) {
        problems.push(
          problemAt(ctx, node, `no module in ${what}`, {
            expected: `one module key: one of ${moduleNames.join(', ')}`,
            found: keywordPairs.length ? `only keywords (${keywordPairs.map((p) => keyName(p)).join(', ')})` : 'nothing',
          }),
        );
        return { value: undefined, problems };
      }
      const { name: module, pair } = moduleKey;
      const schema = catalog.schemaOf(module)!;
      const args = validate(pair.value ?? null, schema, { ...ctx, templatedScalars: true }, { at: pair.key, label: `'${module}'` });
      problems.push(...args.problems);
      problems.push(...checkTemplatesIn(pair.value, ctx));
      problems.push(...conditionProblems(catalog, module, pair.value, ctx));
      if (args.value === undefined && args.problems.length === 0) {
        problems.push(problemAt(ctx, pair.key, `invalid arguments for '${module}'`, { expected: describeExpected(schema) }));
      }
      const value: RawTask = {
        keywords: kw.value ?? {},
        module,
        args: args.value,
        argsPos: posOf(ctx.file, ctx.lineCounter, pair.key),
        pos: posOf(ctx.file, ctx.lineCounter, node),
      };
      return { value, problems };
    },
  };
}

/** Syntax of a module's condition fields (assert's `that`), each positioned. */
function conditionProblems(catalog: ModuleCatalog, module: string, argsNode: unknown, ctx: SourceCtx): Problem[] {
  const fields = catalog.conditionFieldsOf?.(module);
  if (!fields?.length || !isMap(argsNode)) return [];
  const out: Problem[] = [];
  for (const pair of pairsOf(argsNode, ctx.doc)) {
    const name = keyName(pair);
    if (name === undefined || !fields.includes(name)) continue;
    const items = isSeq(pair.value) ? pair.value.items : [pair.value];
    for (const item of items) {
      if (!isScalar(item) || typeof item.value !== 'string') continue;
      out.push(...checkExpr(item, ctx, pair.key).problems);
    }
  }
  return out;
}
