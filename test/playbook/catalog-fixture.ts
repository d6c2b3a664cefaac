// A tiny module catalog for loader tests: the shapes of command/shell/copy/assert/debug, so the
// tests do not depend on the real modules (written separately in src/modules/).
import { catalogOf, type ModuleCatalog } from '../../src/playbook/catalog.js';
import type { Schema } from '../../src/source/schema-types.js';

const commandSchema: Schema = {
  type: 'object',
  scalarField: 'cmd',
  fields: {
    cmd: { schema: { type: 'string', nonEmpty: true } },
    argv: { schema: { type: 'list', items: { type: 'string' }, minItems: 1 } },
    creates: { schema: { type: 'string', nonEmpty: true } },
    chdir: { schema: { type: 'string' } },
  },
};

export const testCatalog: ModuleCatalog = catalogOf([
  { name: 'command', schema: commandSchema },
  { name: 'shell', schema: { type: 'object', scalarField: 'script', fields: { script: { schema: { type: 'string', nonEmpty: true }, required: true } } } },
  {
    name: 'copy',
    schema: {
      type: 'object',
      fields: {
        dest: { schema: { type: 'string', nonEmpty: true }, required: true },
        content: { schema: { type: 'string' }, required: true },
        mode: { schema: { type: 'string' } },
        owner: { schema: { type: 'string' } },
      },
    },
  },
  {
    name: 'assert',
    schema: { type: 'object', fields: { that: { schema: { type: 'list', items: { type: 'string' }, single: true, minItems: 1 }, required: true }, fail_msg: { schema: { type: 'string' } } } },
    conditionFields: ['that'],
  },
  { name: 'debug', schema: { type: 'object', scalarField: 'msg', fields: { msg: { schema: { type: 'any' } }, var: { schema: { type: 'string' } } } } },
]);
