// The schema language every keyword is described in. Modules and later issues (canary gates,
// compliance) extend the playbook by declaring schemas in this language; source/schema.ts
// validates positioned YAML nodes against it.

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
  | { type: 'object'; fields: Readonly<Record<string, Field>>; /** shorthand: a scalar stands for this field */ scalarField?: string }
  | { type: 'oneOf'; options: readonly Schema[]; expected: string }
  | { type: 'any' };

export interface Field {
  schema: Schema;
  required?: boolean;
  default?: unknown;
  doc?: string;
}
