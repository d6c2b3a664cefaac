// ini: set one key in an ini file (a PHP SAPI's ini, a systemd drop-in), idempotently, with a
// diff, an atomic write that keeps owner and mode, and the previous bytes as the inverse.
//
// Never through a symlink: Debian's /etc/php/X.Y/apache2/conf.d/20-imagick.ini links into
// mods-available and is shared with the CLI. The preferred pattern is a dedicated drop-in of the
// SAPI, named to load last: /etc/php/8.2/apache2/conf.d/99-remediate-imagick.ini (as `path`, or
// as `sapi_dropin` to be used only when `path` turns out to be a shared symlink).
import type { Schema } from '../source/schema-types.js';
import { applyEdit, planEdit, probeEdit, rollbackEdit, verifyEdit, type EditInverse, type EditOptions, type EditResult, type EditState } from './file-edit.js';
import { setIniValue } from './ini-text.js';
import type { Module, Planned } from './types.js';

export interface IniArgs {
  path: string;
  section?: string;
  key: string;
  value: string;
  /** Where to write instead when `path` is a symlink (a drop-in of this SAPI only). */
  sapi_dropin?: string;
  /** Create the file when absent (default true). */
  create: boolean;
  /** Mode of a created file (default 0644). */
  mode?: string;
  /** Write "key = value" (default) or "key=value". */
  spaces: boolean;
}

export interface IniState {
  target: EditState;
  /** Probed only when `path` is a symlink and a drop-in is given. */
  dropin?: EditState;
}

export const iniSchema: Schema = {
  type: 'object',
  name: 'ini arguments',
  fields: {
    path: { schema: { type: 'string', nonEmpty: true }, required: true },
    section: { schema: { type: 'string' }, doc: 'omit for keys before any [section] (PHP ini files)' },
    key: { schema: { type: 'string', nonEmpty: true }, required: true },
    value: { schema: { type: 'oneOf', expected: 'a string, number or boolean', options: [{ type: 'string' }, { type: 'number' }, { type: 'bool' }] }, required: true },
    sapi_dropin: { schema: { type: 'string', nonEmpty: true }, doc: 'file to write instead when path is a symlink shared with other SAPIs' },
    create: { schema: { type: 'bool' }, default: true },
    mode: { schema: { type: 'string', nonEmpty: true }, doc: 'octal mode of a created file, e.g. "0644"' },
    spaces: { schema: { type: 'bool' }, default: true, doc: 'write "key = value" rather than "key=value"' },
  },
};

const MODE = /^0?[0-7]{3,4}$/;

export function normalizeIniArgs(raw: Record<string, unknown>): IniArgs {
  const path = String(raw.path ?? '');
  const key = String(raw.key ?? '');
  if (!path.startsWith('/')) throw new Error(`ini: path must be absolute, found ${JSON.stringify(path)}`);
  if (key === '' || /[=\[\];\n]/.test(key)) throw new Error(`ini: key must be a plain name, found ${JSON.stringify(key)}`);
  if (raw.value === undefined) throw new Error('ini: value is required');
  // PHP reads true/false as 1/"" ; write what it means rather than the word.
  const value = typeof raw.value === 'boolean' ? (raw.value ? '1' : '0') : String(raw.value);
  if (value.includes('\n')) throw new Error('ini: value must be one line');
  const mode = raw.mode === undefined ? undefined : String(raw.mode);
  if (mode !== undefined && !MODE.test(mode)) throw new Error(`ini: mode must be octal like "0644", found ${JSON.stringify(mode)}`);
  const dropin = raw.sapi_dropin === undefined ? undefined : String(raw.sapi_dropin);
  if (dropin !== undefined && !dropin.startsWith('/')) throw new Error(`ini: sapi_dropin must be absolute, found ${JSON.stringify(dropin)}`);
  return {
    path,
    section: raw.section === undefined || raw.section === null ? undefined : String(raw.section),
    key,
    value,
    sapi_dropin: dropin,
    create: raw.create === undefined ? true : Boolean(raw.create),
    mode: mode && mode.replace(/^0(?=[0-7]{4}$)/, '').padStart(4, '0'),
    spaces: raw.spaces === undefined ? true : Boolean(raw.spaces),
  };
}

/** "/etc/php/8.2/apache2/conf.d/20-imagick.ini" → ".../conf.d/99-remediate-imagick.ini" */
export function suggestedDropin(path: string): string {
  const dir = path.replace(/\/[^/]*$/, '');
  const base = path.slice(dir.length + 1).replace(/^\d+-/, '').replace(/\.ini$/, '');
  return `${dir}/99-remediate-${base || 'settings'}.ini`;
}

function editor(args: IniArgs): (text: string | null) => EditResult {
  return (text) => setIniValue(text, { section: args.section, key: args.key, value: args.value, spaces: args.spaces });
}

function options(args: IniArgs): EditOptions {
  return {
    onSymlink: 'refuse',
    create: args.create,
    mode: args.mode,
    symlinkHint: `Set it in a drop-in of this SAPI only, e.g. path: ${suggestedDropin(args.path)} (or give sapi_dropin: to switch automatically).`,
  };
}

export function planIni(args: IniArgs, state: IniState): Planned<EditInverse> {
  const direct = planEdit(state.target, options(args), editor(args));
  if (state.target.link === undefined || !state.dropin || direct.status === 'ok') return direct;
  // PHP reads a scan dir in name order and the last assignment wins: the drop-in must come later.
  const dir = (f: string) => f.replace(/\/[^/]*$/, '');
  const base = (f: string) => f.slice(dir(f).length + 1);
  if (dir(args.sapi_dropin!) === dir(args.path) && base(args.sapi_dropin!) <= base(args.path)) {
    const why = `${args.sapi_dropin} loads before ${args.path} (PHP reads conf.d in name order), so its value would be overridden; name it to sort later, e.g. ${suggestedDropin(args.path)}`;
    return { status: 'fail', summary: why, reason: why, class: 'stateless' };
  }
  const p = planEdit(state.dropin, { ...options(args), create: true }, editor(args));
  const why = `${args.path} is a symlink (→ ${state.target.link}) shared with other SAPIs`;
  return { ...p, summary: `${p.summary} (${why}; using the drop-in)`, reason: p.reason ?? why };
}

export const iniModule: Module<IniArgs, EditInverse> = {
  name: 'ini',
  schema: iniSchema,
  normalize: normalizeIniArgs,
  async probe(ctx, args): Promise<IniState> {
    const target = await probeEdit(ctx, args.path);
    const dropin = target.link !== undefined && args.sapi_dropin ? await probeEdit(ctx, args.sapi_dropin) : undefined;
    return { target, dropin };
  },
  plan: (args, state) => planIni(args, state as IniState),
  apply: (ctx, _args, planned) => applyEdit(ctx, planned),
  verify: (ctx, args, planned) => verifyEdit(ctx, planned, options(args), editor(args)),
  rollback: rollbackEdit,
};
