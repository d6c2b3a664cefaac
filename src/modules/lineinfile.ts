// lineinfile: make sure one line is in (or out of) a text file — Ansible's lineinfile, for
// environment files: `export LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libgomp.so.1` in
// /etc/apache2/envvars (RHEL: /etc/sysconfig/httpd holds `LD_PRELOAD=...` without export).
// A systemd drop-in needs a [Service] section: use `ini` with section: Service,
// key: Environment, value: LD_PRELOAD=... on /etc/systemd/system/apache2.service.d/remediate.conf.
//
// Same discipline as ini: diff, atomic write keeping owner/mode, previous bytes as the inverse.
// A symlink is followed (its target is edited, the link stays), never replaced.
import type { Schema } from '../source/schema-types.js';
import { applyEdit, planEdit, probeEdit, rollbackEdit, verifyEdit, type EditInverse, type EditOptions, type EditResult, type EditState } from './file-edit.js';
import type { Module, Planned } from './types.js';

export interface LineArgs {
  path: string;
  line?: string;
  /** JavaScript regular expression source; the last matching line is replaced (present) or every match removed (absent). */
  regexp?: string;
  state: 'present' | 'absent';
  create: boolean;
  mode?: string;
  /** Where a new line goes when nothing matches: end of file (default) or beginning. */
  insert: 'EOF' | 'BOF';
}

export const lineinfileSchema: Schema = {
  type: 'object',
  name: 'lineinfile arguments',
  fields: {
    path: { schema: { type: 'string', nonEmpty: true }, required: true },
    line: { schema: { type: 'string' }, doc: 'the whole line (required with state: present)' },
    regexp: { schema: { type: 'string', nonEmpty: true }, doc: 'JavaScript regex matching the line to replace or remove' },
    state: { schema: { type: 'string', enum: ['present', 'absent'] }, default: 'present' },
    create: { schema: { type: 'bool' }, default: false },
    mode: { schema: { type: 'string', nonEmpty: true }, doc: 'octal mode of a created file' },
    insert: { schema: { type: 'string', enum: ['EOF', 'BOF'] }, default: 'EOF' },
  },
};

const MODE = /^0?[0-7]{3,4}$/;

export function normalizeLineArgs(raw: Record<string, unknown>): LineArgs {
  const path = String(raw.path ?? '');
  if (!path.startsWith('/')) throw new Error(`lineinfile: path must be absolute, found ${JSON.stringify(path)}`);
  const state = (raw.state ?? 'present') as LineArgs['state'];
  if (state !== 'present' && state !== 'absent') throw new Error(`lineinfile: state must be present or absent, found ${JSON.stringify(raw.state)}`);
  const line = raw.line === undefined ? undefined : String(raw.line);
  if (state === 'present' && line === undefined) throw new Error('lineinfile: line is required with state: present');
  if (state === 'absent' && line === undefined && raw.regexp === undefined) throw new Error('lineinfile: state: absent needs line or regexp');
  if (line !== undefined && /[\r\n]/.test(line)) throw new Error('lineinfile: line must be a single line');
  const regexp = raw.regexp === undefined ? undefined : String(raw.regexp);
  if (regexp !== undefined) {
    try { new RegExp(regexp); } catch (e) { throw new Error(`lineinfile: regexp ${JSON.stringify(regexp)} is not a valid regular expression: ${(e as Error).message}`); }
  }
  const mode = raw.mode === undefined ? undefined : String(raw.mode);
  if (mode !== undefined && !MODE.test(mode)) throw new Error(`lineinfile: mode must be octal like "0644", found ${JSON.stringify(mode)}`);
  const insert = (raw.insert ?? 'EOF') as LineArgs['insert'];
  if (insert !== 'EOF' && insert !== 'BOF') throw new Error(`lineinfile: insert must be EOF or BOF, found ${JSON.stringify(raw.insert)}`);
  return { path, line, regexp, state, create: Boolean(raw.create ?? false), mode: mode && mode.replace(/^0(?=[0-7]{4}$)/, '').padStart(4, '0'), insert };
}

/** The pure edit. Ansible's rules: the last regexp match is replaced; else an equal line is enough; else insert. */
export function editLines(text: string | null, args: LineArgs): EditResult {
  const re = args.regexp === undefined ? undefined : new RegExp(args.regexp);
  const eol = text?.includes('\r\n') ? '\r\n' : '\n';
  const lines = text === null || text === '' ? [] : (text.endsWith(eol) ? text.slice(0, -eol.length) : text).split(eol);
  const join = (ls: string[]) => (ls.length ? ls.join(eol) + eol : '');
  const matches = (l: string) => (re ? re.test(l) : l === args.line);
  if (args.state === 'absent') {
    const kept = lines.filter((l) => !matches(l));
    if (kept.length === lines.length) return { text: text ?? '', what: 'unchanged' };
    return { text: join(kept), what: `remove ${lines.length - kept.length} line${lines.length - kept.length === 1 ? '' : 's'}` };
  }
  const line = args.line!;
  if (re) {
    let last = -1;
    lines.forEach((l, i) => { if (re.test(l)) last = i; });
    if (last >= 0) {
      if (lines[last] === line) return { text: text!, what: 'unchanged' };
      const out = [...lines];
      out[last] = line;
      return { text: join(out), what: `replace line ${last + 1}: ${JSON.stringify(lines[last])} → ${JSON.stringify(line)}` };
    }
  }
  if (lines.includes(line)) return { text: text!, what: 'unchanged' };
  const out = args.insert === 'BOF' ? [line, ...lines] : [...lines, line];
  return { text: join(out), what: `add ${JSON.stringify(line)}` };
}

function options(args: LineArgs): EditOptions {
  return { onSymlink: 'follow', create: args.create && args.state === 'present', mode: args.mode };
}

export function planLineinfile(args: LineArgs, state: EditState): Planned<EditInverse> {
  // Removing from a file that is not there is already done.
  if (args.state === 'absent' && !state.file.exists) return { status: 'ok', summary: `${state.file.path} does not exist`, class: 'stateless' };
  return planEdit(state, options(args), (t) => editLines(t, args));
}

export const lineinfileModule: Module<LineArgs, EditInverse> = {
  name: 'lineinfile',
  schema: lineinfileSchema,
  normalize: normalizeLineArgs,
  probe: (ctx, args) => probeEdit(ctx, args.path),
  plan: (args, state) => planLineinfile(args, state as EditState),
  apply: (ctx, _args, planned) => applyEdit(ctx, planned),
  verify: (ctx, args, planned) => verifyEdit(ctx, planned, options(args), (t) => editLines(t, args)),
  rollback: rollbackEdit,
};
