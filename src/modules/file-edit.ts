// Shared road for modules that edit one text file in place (ini, lineinfile): probe without
// following the last symlink blindly, a pure edit of the text, a unified diff, an atomic write
// (copy.ts's temp + rename, owner and mode kept), the previous bytes as the inverse.
//
// A symlink at `path` is never replaced by a file: `onSymlink: 'refuse'` plans a failure
// (ini: Debian's conf.d/20-imagick.ini links into mods-available, shared with the CLI SAPI),
// `'follow'` edits the link's target and leaves the link as it is (lineinfile, like Ansible).
import { createTwoFilesPatch } from 'diff';
import { shQuote } from '../transport/quote.js';
import { fileProbeScript, parseFileProbe, sha256, writeFileAtomic, type FileState, type CopyInverse } from './copy.js';
import { describeFailure, unreachableOutcome } from './outcome.js';
import type { HostContext, Outcome, Planned } from './types.js';

export interface EditState {
  /** The path as given. */
  path: string;
  /** readlink of `path` when `path` itself is a symlink. */
  link?: string;
  /** What the path resolves to (the link's final target, or path itself). */
  file: FileState;
  /** Directories that do not exist yet, outermost first (only when the file is absent). */
  missingDirs: string[];
}

/** The copy module's inverse (previous bytes, mode, owner), plus what an edit needs on top. */
export interface EditInverse extends CopyInverse {
  /** sha256 of what apply writes: rollback tells a later edit by someone else from ours. */
  writtenSha256?: string;
  /** Directories apply creates, outermost first; rollback removes them when empty. */
  createdDirs?: string[];
}

export interface EditData {
  /** The path probed (as given; verify probes it again). */
  path: string;
  writePath: string;
  /** base64 of the new bytes */
  content: string;
  mode: string;
  owner?: string;
  group?: string;
  mkdirs: string[];
}

export interface EditOptions {
  onSymlink: 'refuse' | 'follow';
  /** Create the file (and its missing directories) when absent. */
  create: boolean;
  /** Mode of a created file. */
  mode?: string;
  /** What to tell the user to do instead of writing through a refused symlink. */
  symlinkHint?: string;
}

/** The result of a pure edit: the new text, or why this file cannot be edited. */
export type EditResult = { text: string; what: string } | { error: string };

/**
 * One round trip: `link|<readlink>` when path is a symlink, `dir|<deepest existing directory>`,
 * then copy.ts's file probe of the resolved path.
 */
export function editProbeScript(path: string): string {
  const p = shQuote(path);
  return [
    `if [ -L ${p} ]; then printf 'link|%s\\n' "$(readlink -- ${p})"; else echo nolink; fi`,
    `d=$(dirname -- "$(readlink -f -- ${p} 2>/dev/null || printf '%s' ${p})"); while [ ! -d "$d" ] && [ "$d" != / ]; do d=$(dirname -- "$d"); done; printf 'dir|%s\\n' "$d"`,
    fileProbeScript(path),
  ].join('; ');
}

export function parseEditProbe(stdout: string, path: string): EditState {
  const nl1 = stdout.indexOf('\n');
  const first = stdout.slice(0, nl1);
  const nl2 = stdout.indexOf('\n', nl1 + 1);
  const second = stdout.slice(nl1 + 1, nl2);
  const file = parseFileProbe(stdout.slice(nl2 + 1), path);
  const link = first.startsWith('link|') ? first.slice(5) : undefined;
  const existingDir = second.startsWith('dir|') ? second.slice(4) : '/';
  return { path, link, file, missingDirs: file.exists ? [] : missingDirsBetween(existingDir, file.path) };
}

/** Directories from `existing` (exclusive) down to the parent of `file`, outermost first. */
export function missingDirsBetween(existing: string, file: string): string[] {
  const parent = file.replace(/\/[^/]*$/, '') || '/';
  const base = existing.replace(/\/+$/, '') || '/';
  if (parent === base || !parent.startsWith(base === '/' ? '/' : base + '/')) return [];
  const rest = parent.slice(base === '/' ? 1 : base.length + 1).split('/');
  const out: string[] = [];
  let cur = base === '/' ? '' : base;
  for (const part of rest) { cur += '/' + part; out.push(cur); }
  return out;
}

export async function probeEdit(ctx: HostContext, path: string): Promise<EditState> {
  const r = await ctx.exec({ cmd: { script: editProbeScript(path) } });
  if (r.kind === 'unreachable') throw Object.assign(new Error(r.reason), { unreachable: true });
  if (r.exitCode !== 0) throw new Error(describeFailure(`reading ${path}`, r));
  return parseEditProbe(r.stdout, path);
}

/** Decode bytes as UTF-8, refusing a file that would not survive the round trip unchanged. */
export function decodeText(b64: string): string | null {
  const buf = Buffer.from(b64, 'base64');
  const text = buf.toString('utf8');
  return Buffer.from(text, 'utf8').equals(buf) ? text : null;
}

/**
 * Plan an edit: `edit(current text or null when absent)` → new text. Pure; the same call on
 * the written file must return it unchanged (verify checks that).
 */
export function planEdit(st: EditState, opts: EditOptions, edit: (text: string | null) => EditResult): Planned<EditInverse> {
  const f = st.file;
  if (st.link !== undefined && opts.onSymlink === 'refuse') {
    // Reading through the link is harmless: already right means nothing to write.
    if (f.exists && f.isFile) {
      const text = decodeText(f.content ?? '');
      const r = text === null ? null : edit(text);
      if (r && !('error' in r) && r.text === text) return { status: 'ok', summary: `${st.path} (→ ${f.path}) is up to date`, class: 'stateless' };
    }
    const hint = opts.symlinkHint ? ` ${opts.symlinkHint}` : '';
    return {
      status: 'fail',
      summary: `${st.path} is a symlink to ${st.link}; refusing to write through it or replace it`,
      reason: `${st.path} is a symlink to ${st.link} (${f.path}), a file other configurations may share; writing it would change them too, replacing the link would break the package's layout.${hint}`,
      class: 'stateless',
    };
  }
  if (f.exists && !f.isFile) return { status: 'fail', summary: `${f.path} is not a regular file`, reason: `${f.path} exists but is not a regular file; refusing to replace it`, class: 'stateless' };
  if (!f.exists && !opts.create) return { status: 'fail', summary: `${f.path} does not exist`, reason: `${f.path} does not exist and create is false`, class: 'stateless' };
  const old = f.exists ? decodeText(f.content ?? '') : null;
  if (f.exists && old === null) return { status: 'fail', summary: `${f.path} is not UTF-8 text`, reason: `${f.path} is not valid UTF-8; refusing to edit it as text`, class: 'stateless' };
  const r = edit(old);
  if ('error' in r) return { status: 'fail', summary: r.error, reason: r.error, class: 'stateless' };
  if (f.exists && r.text === old) return { status: 'ok', summary: `${f.path} is up to date`, class: 'stateless' };
  if (!f.exists && r.text === '') return { status: 'ok', summary: `${f.path} is absent, nothing to remove`, class: 'stateless' };
  const content = Buffer.from(r.text).toString('base64');
  const dirs = st.missingDirs;
  const where = st.link !== undefined ? `${f.path} (through symlink ${st.path})` : f.path;
  const summary = f.exists ? `edit ${where}: ${r.what}` : `create ${where}${dirs.length ? ` and ${dirs.length} director${dirs.length === 1 ? 'y' : 'ies'}` : ''}: ${r.what}`;
  return {
    status: 'change',
    summary,
    diff: createTwoFilesPatch(f.exists ? f.path : '/dev/null', f.path, old ?? '', r.text, undefined, undefined, { context: 3 }),
    class: 'reversible',
    inverse: {
      path: f.path,
      existed: f.exists,
      content: f.exists ? f.content : undefined,
      mode: f.mode,
      owner: f.owner,
      group: f.group,
      sha256: f.exists ? sha256(f.content ?? '') : undefined,
      writtenSha256: sha256(content),
      createdDirs: dirs.length ? dirs : undefined,
    },
    data: { path: st.path, writePath: f.path, content, mode: f.mode ?? opts.mode ?? '0644', owner: f.owner, group: f.group, mkdirs: dirs } satisfies EditData,
  };
}

export async function applyEdit(ctx: HostContext, planned: Planned<EditInverse>): Promise<Outcome> {
  const d = planned.data as EditData;
  if (d.mkdirs.length) {
    const r = await ctx.exec({ cmd: { argv: ['mkdir', '-p', '-m', '0755', '--', d.mkdirs[d.mkdirs.length - 1]] } });
    const un = unreachableOutcome(r);
    if (un) return un;
    if (r.kind === 'exit' && r.exitCode !== 0) return { status: 'failed', msg: describeFailure(`creating ${d.mkdirs[d.mkdirs.length - 1]}`, r) };
  }
  return writeFileAtomic(ctx, d.writePath, d.content, d.mode, d.owner, d.group);
}

/** Verify: the file now holds exactly what apply wrote, and the edit is a fixed point. */
export async function verifyEdit(ctx: HostContext, planned: Planned<EditInverse>, opts: EditOptions, edit: (text: string | null) => EditResult): Promise<Outcome> {
  const d = planned.data as EditData;
  const st = await probeEdit(ctx, d.path);
  if (!st.file.exists || st.file.content !== d.content) return { status: 'failed', msg: `verify: ${d.writePath} does not hold what was written` };
  if (st.file.mode !== d.mode) return { status: 'failed', msg: `verify: ${d.writePath} has mode ${st.file.mode}, expected ${d.mode}` };
  const again = planEdit(st, { ...opts, onSymlink: 'follow' }, edit);
  return again.status === 'ok' ? { status: 'ok' } : { status: 'failed', msg: `verify: editing ${d.writePath} again would still change it (${again.summary})` };
}

export async function rollbackEdit(ctx: HostContext, inv: EditInverse): Promise<Outcome> {
  let out: Outcome;
  if (inv.existed) {
    out = await writeFileAtomic(ctx, inv.path, inv.content ?? '', inv.mode ?? '0644', inv.owner, inv.group);
  } else {
    const r = await ctx.exec({ cmd: { argv: ['rm', '-f', '--', inv.path] } });
    out = unreachableOutcome(r) ?? (r.kind === 'exit' && r.exitCode === 0 ? { status: 'changed' } : { status: 'failed', msg: describeFailure(`removing ${inv.path}`, r) });
  }
  if (out.status !== 'changed' || !inv.createdDirs?.length) return out;
  // Only the directories apply created, innermost first, and only when empty (rmdir refuses otherwise).
  const dirs = [...inv.createdDirs].reverse().map(shQuote).join(' ');
  const r = await ctx.exec({ cmd: { script: `for d in ${dirs}; do rmdir -- "$d" 2>/dev/null || break; done; exit 0` } });
  return unreachableOutcome(r) ?? out;
}
