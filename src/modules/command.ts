// command: run an argv with no shell. `creates`/`removes` make it idempotent; without them the
// plan says it will run. `shell` (shell.ts) is the explicit script variant.
import type { Schema } from '../source/schema-types.js';
import type { Command } from '../transport/types.js';
import { shQuote } from '../transport/quote.js';
import { describeFailure, registered, unreachableOutcome } from './outcome.js';
import type { HostContext, Module, Outcome, Planned, StepClass } from './types.js';
import { splitWords } from './words.js';

export interface RunArgs {
  cmd: Command;
  creates?: string;
  removes?: string;
  chdir?: string;
  env?: Record<string, string>;
  stdin?: string;
  /** A command that undoes this one (makes the step reversible). */
  undo?: Command;
  /** Declares that running it changes no durable state (a reload, a read). */
  stateless?: boolean;
}

interface RunState { createsExists?: boolean; removesExists?: boolean }

const common = {
  creates: { schema: { type: 'string', nonEmpty: true }, doc: 'skip when this path exists' },
  removes: { schema: { type: 'string', nonEmpty: true }, doc: 'skip unless this path exists' },
  chdir: { schema: { type: 'string', nonEmpty: true } },
  env: { schema: { type: 'map', values: { type: 'string' } } },
  stdin: { schema: { type: 'string' } },
  stateless: { schema: { type: 'bool' }, doc: 'running it changes no durable state' },
} as const;

export const commandSchema: Schema = {
  type: 'object',
  scalarField: 'cmd',
  fields: {
    cmd: { schema: { type: 'string', nonEmpty: true }, doc: 'words split like a shell would, but never run by one' },
    argv: { schema: { type: 'list', items: { type: 'string' }, minItems: 1 } },
    undo: { schema: { type: 'oneOf', expected: 'a command string or an argv list', options: [{ type: 'string' }, { type: 'list', items: { type: 'string' }, minItems: 1 }] } },
    ...common,
  },
};

export const shellSchema: Schema = {
  type: 'object',
  scalarField: 'script',
  fields: {
    script: { schema: { type: 'string', nonEmpty: true }, required: true, doc: 'a shell script, run by /bin/sh' },
    undo: { schema: { type: 'string', nonEmpty: true }, doc: 'a script that undoes this one' },
    ...common,
  },
};

function commandOf(raw: Record<string, unknown>): Command {
  if (Array.isArray(raw.argv)) return { argv: raw.argv.map(String) };
  if (typeof raw.cmd === 'string') return { argv: splitWords(raw.cmd) };
  throw new Error('command: expected `cmd` (a string) or `argv` (a list)');
}

export function normalizeCommandArgs(raw: Record<string, unknown>): RunArgs {
  const undo = raw.undo === undefined ? undefined : Array.isArray(raw.undo) ? { argv: raw.undo.map(String) } : { argv: splitWords(String(raw.undo)) };
  return { ...(raw as object), cmd: commandOf(raw), undo } as RunArgs;
}

export function normalizeShellArgs(raw: Record<string, unknown>): RunArgs {
  return { ...(raw as object), cmd: { script: String(raw.script) }, undo: raw.undo === undefined ? undefined : { script: String(raw.undo) } } as RunArgs;
}

function render(cmd: Command): string {
  return 'argv' in cmd ? cmd.argv.map(shQuote).join(' ') : cmd.script;
}

async function probeRun(ctx: HostContext, args: RunArgs): Promise<RunState> {
  const paths = [args.creates, args.removes].filter((p): p is string => p !== undefined);
  if (paths.length === 0) return {};
  // One round trip for both tests: prints one 0/1 per path.
  const script = paths.map((p) => `if [ -e ${shQuote(p)} ]; then echo 1; else echo 0; fi`).join('; ');
  const r = await ctx.exec({ cmd: { script }, cwd: args.chdir });
  if (r.kind === 'unreachable') throw Object.assign(new Error(r.reason), { unreachable: true });
  const bits = r.stdout.trim().split('\n');
  const state: RunState = {};
  let i = 0;
  if (args.creates !== undefined) state.createsExists = bits[i++] === '1';
  if (args.removes !== undefined) state.removesExists = bits[i++] === '1';
  return state;
}

function planRun(kind: 'command' | 'shell', args: RunArgs, state: RunState): Planned {
  const what = render(args.cmd);
  if (state.createsExists) return { status: 'ok', summary: `${args.creates} exists, ${kind} not run`, class: 'stateless' };
  if (state.removesExists === false) return { status: 'ok', summary: `${args.removes} does not exist, ${kind} not run`, class: 'stateless' };
  const cls: StepClass = args.undo ? 'reversible' : args.stateless ? 'stateless' : 'irreversible';
  return {
    status: 'change',
    summary: `will run: ${what.length > 120 ? what.slice(0, 117) + '...' : what}`,
    class: cls,
    inverse: args.undo ? { cmd: args.undo, chdir: args.chdir, env: args.env } : undefined,
  };
}

async function applyRun(ctx: HostContext, args: RunArgs): Promise<Outcome> {
  const r = await ctx.exec({ cmd: args.cmd, cwd: args.chdir, env: args.env, stdin: args.stdin });
  const un = unreachableOutcome(r);
  if (un) return un;
  const result = registered(r);
  if (r.kind === 'exit' && (r.exitCode !== 0 || r.timedOut)) return { status: 'failed', msg: describeFailure(render(args.cmd).slice(0, 80), r), result };
  // A command declared stateless changed nothing durable: report it as ok, like changed_when: false.
  return { status: args.stateless ? 'ok' : 'changed', result };
}

async function rollbackRun(ctx: HostContext, inv: { cmd: Command; chdir?: string; env?: Record<string, string> }): Promise<Outcome> {
  const r = await ctx.exec({ cmd: inv.cmd, cwd: inv.chdir, env: inv.env });
  const un = unreachableOutcome(r);
  if (un) return un;
  if (r.kind === 'exit' && r.exitCode !== 0) return { status: 'failed', msg: describeFailure('undo', r) };
  return { status: 'changed' };
}

/** command and shell share everything but their schema and how args become a Command. */
function runModule(name: 'command' | 'shell', schema: Schema, normalize: (raw: Record<string, unknown>) => RunArgs): Module<RunArgs> {
  return {
    name,
    schema,
    normalize,
    probe: probeRun,
    plan: (args, state) => planRun(name, args, state as RunState),
    apply: (ctx, args) => applyRun(ctx, args),
    rollback: rollbackRun,
  };
}

export const commandModule = runModule('command', commandSchema, normalizeCommandArgs);
export const shellModule = runModule('shell', shellSchema, normalizeShellArgs);
