// The schema language every keyword is described in. Modules and later issues (canary gates,
// compliance) extend the playbook by declaring schemas in this language; source/schema.ts
// validates positioned YAML nodes against it.
import type { Problem } from './types.js';
import type { SourceCtx } from './yaml.js';

export type Schema =
  | { type: 'string'; enum?: readonly string[]; nonEmpty?: boolean }
  | { type: 'int'; min?: number; max?: number }
  | { type: 'number'; min?: number; max?: number }
  | { type: 'bool' }
  /** "30%" or a positive integer (serial items, canary counts). */
  | { type: 'count-or-percent' }
  /** "10s", "5m", "1h", or a number of seconds. Value: milliseconds. */
  | { type: 'duration' }
  | { type: 'list'; items: Schema; minItems?: number; /** a scalar is accepted as a one-item list */ single?: boolean }
  | { type: 'map'; values: Schema }
  | {
      type: 'object';
      fields: Readonly<Record<string, Field>>;
      /** shorthand: a scalar stands for this field */ scalarField?: string;
      /** what this object is, for messages: "unknown key 'hots' in a play" */ name?: string;
      /** advice for known-but-unsupported keys (e.g. Ansible's), when no near miss exists */
      unknownKeyHints?: Readonly<Record<string, string>>;
    }
  | { type: 'oneOf'; options: readonly Schema[]; expected: string }
  | { type: 'any' }
  /**
   * Escape hatch for rules the data shapes above cannot say (a task's one module key, an
   * expression's syntax, cross-field checks). `node` is the yaml node (or undefined when absent);
   * `at` is where to point when the node itself has no useful position (an empty value);
   * `label` names the value in messages (e.g. "'when'", "item 2 of 'serial'").
   */
  | { type: 'custom'; expected: string; check(node: unknown, ctx: SourceCtx, at?: unknown, label?: string): CheckResult };

export interface CheckResult {
  value: unknown;
  problems: Problem[];
}

export interface Field {
  schema: Schema;
  required?: boolean;
  default?: unknown;
  doc?: string;
}
