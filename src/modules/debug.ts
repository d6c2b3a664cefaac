// debug: show a rendered message or a variable. Never changes anything.
import type { Schema } from '../source/schema-types.js';
import type { Module } from './types.js';

export interface DebugArgs { msg?: unknown; var?: unknown }

export const debugSchema: Schema = {
  type: 'object',
  scalarField: 'msg',
  fields: { msg: { schema: { type: 'any' } }, var: { schema: { type: 'any' }, doc: 'a variable name; its value is shown' } },
};

function show(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export const debugModule: Module<DebugArgs> = {
  name: 'debug',
  schema: debugSchema,
  normalize: (raw) => raw as DebugArgs,
  plan: (args) => ({ status: 'ok', summary: show(args.msg ?? args.var ?? 'Hello world!'), class: 'stateless' }),
  async apply(_ctx, args) {
    return { status: 'ok', msg: show(args.msg ?? args.var ?? 'Hello world!'), result: { msg: args.msg ?? args.var } };
  },
};
