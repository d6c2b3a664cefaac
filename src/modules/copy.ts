// copy: content to a destination file with owner/mode. Atomic (temp file in the same
// directory + rename), a unified diff in the plan, the previous bytes kept for the inverse.
import { createHash } from 'node:crypto';
import { createTwoFilesPatch } from 'diff';
import type { Schema } from '../source/schema-types.js';
import { shQuote } from '../transport/quote.js';
import { describeFailure, unreachableOutcome } from './outcome.js';
import type { HostContext, Module, Outcome, Planned } from './types.js';

export interface CopyArgs {
  dest: string;
  content: string;
  /** octal string like "0644" */
  mode?: string;
  owner?: string;
  group?: string;
}

/** What is at dest now. `path` is where writes go: a symlink's target, never the link itself. */
export interface FileState {
  exists: boolean;
  path: string;
  mode?: string;
  owner?: string;
  group?: string;
  /** base64 of the bytes */
  content?: string;
  isFile?: boolean;
}

export interface CopyInverse {
  path: string;
  existed: boolean;
  content?: string;
  mode?: string;
  owner?: string;
  group?: string;
  sha256?: string;
}

export const copySchema: Schema = {
  type: 'object',
  fields: {
    dest: { schema: { type: 'string', nonEmpty: true }, required: true },
    content: { schema: { type: 'string' }, required: true },
    mode: { schema: { type: 'string', nonEmpty: true }, doc: 'octal, e.g. "0644"' },
    owner: { schema: { type: 'string', nonEmpty: true } },
    group: { schema: { type: 'string', nonEmpty: true } },
  },
};

const MODE = /^0?[0-7]{3,4}$/;

export function normalizeCopyArgs(raw: Record<string, unknown>): CopyArgs {
  const mode = raw.mode === undefined ? undefined : String(raw.mode);
  if (mode !== undefined && !MODE.test(mode)) throw new Error(`copy: mode must be octal like "0644", found ${JSON.stringify(mode)}`);
  return { dest: String(raw.dest), content: String(raw.content), mode: mode && normMode(mode), owner: raw.owner as string | undefined, group: raw.group as string | undefined };
}

function normMode(m: string): string {
  return m.replace(/^0(?=[0-7]{4}$)/, '').padStart(4, '0');
}

/** One round trip: the resolved path, then `stat` fields, then base64 bytes. */
export function fileProbeScript(dest: string): string {
  const d = shQuote(dest);
  return [
    `p=$(readlink -f -- ${d} 2>/dev/null || printf '%s' ${d})`,
    `printf '%s\\n' "$p"`,
    `if [ -e "$p" ]; then stat -c '%a %U %G %F' -- "$p" && base64 < "$p" | tr -d '\\n'; else echo absent; fi`,
  ].join('; ');
}

export function parseFileProbe(stdout: string, dest: string): FileState {
  const nl1 = stdout.indexOf('\n');
  const path = nl1 >= 0 ? stdout.slice(0, nl1) || dest : dest;
  const rest = nl1 >= 0 ? stdout.slice(nl1 + 1) : '';
  const nl2 = rest.indexOf('\n');
  const head = nl2 >= 0 ? rest.slice(0, nl2) : rest.trim();
  if (head === 'absent' || head === '') return { exists: false, path };
  const [mode, owner, group, ...type] = head.split(' ');
  return { exists: true, path, mode: normMode(mode), owner, group, isFile: type.join(' ').startsWith('regular'), content: nl2 >= 0 ? rest.slice(nl2 + 1).trim() : '' };
}

async function probeFile(ctx: HostContext, dest: string): Promise<FileState> {
  const r = await ctx.exec({ cmd: { script: fileProbeScript(dest) } });
  if (r.kind === 'unreachable') throw Object.assign(new Error(r.reason), { unreachable: true });
  if (r.exitCode !== 0) throw new Error(describeFailure(`reading ${dest}`, r));
  return parseFileProbe(r.stdout, dest);
}

export function sha256(b64: string): string {
  return createHash('sha256').update(Buffer.from(b64, 'base64')).digest('hex');
}

export function planCopy(args: CopyArgs, st: FileState): Planned<CopyInverse> {
  if (st.exists && !st.isFile) return { status: 'skip', summary: `${args.dest} is not a regular file`, reason: `${st.path} is not a regular file; refusing to replace it`, class: 'stateless' };
  const want = Buffer.from(args.content).toString('base64');
  const old = st.exists ? Buffer.from(st.content ?? '', 'base64').toString() : '';
  const contentSame = st.exists && (st.content ?? '') === want;
  const modeSame = !args.mode || (st.exists && st.mode === args.mode);
  const ownerSame = (!args.owner || st.owner === args.owner) && (!args.group || st.group === args.group);
  if (contentSame && modeSame && ownerSame) return { status: 'ok', summary: `${st.path} is up to date`, class: 'stateless' };
  const changes: string[] = [];
  if (!contentSame) changes.push(st.exists ? 'content' : 'create');
  if (!modeSame) changes.push(`mode ${st.mode ?? '-'} → ${args.mode}`);
  if (!ownerSame) changes.push(`owner ${st.owner ?? '-'}:${st.group ?? '-'} → ${args.owner ?? st.owner ?? '-'}:${args.group ?? st.group ?? '-'}`);
  const diff = contentSame ? undefined : createTwoFilesPatch(st.exists ? st.path : '/dev/null', st.path, old, args.content, undefined, undefined, { context: 3 });
  return {
    status: 'change',
    summary: `write ${st.path} (${changes.join(', ')})`,
    diff,
    class: 'reversible',
    inverse: { path: st.path, existed: st.exists, content: st.content, mode: st.mode, owner: st.owner, group: st.group, sha256: st.exists ? sha256(st.content ?? '') : undefined },
    data: { path: st.path, mode: args.mode ?? st.mode ?? '0644', owner: args.owner ?? st.owner, group: args.group ?? st.group },
  };
}

/**
 * Atomic write: bytes arrive base64 over stdin into a temp file beside dest, then rename.
 * With `sha256`, the temp file must hold exactly those bytes before the rename: a controller
 * killed mid-send leaves the remote script reading a cut-off stdin (EOF), and without the check
 * it would rename a truncated or empty file over the target (seen in the kill -9 soak).
 */
export function atomicWriteScript(path: string, mode: string, owner?: string, group?: string, sha256?: string): string {
  const p = shQuote(path);
  const chown = owner || group ? ` && chown ${shQuote(`${owner ?? ''}${group ? ':' + group : ''}`)} "$t"` : '';
  // The temp file goes first, then the message: stderr may be a dead controller's closed pipe.
  const check = sha256 ? ` && h=$(sha256sum < "$t") && { [ "$\{h%% *}" = ${shQuote(sha256)} ] || { rm -f -- "$t"; echo ${shQuote(`remediate: the bytes received for ${path} are not the ones sent (sha256 differs: stdin cut off?); nothing written`)} >&2; false; }; }` : '';
  // A session cut off by a dying controller (SIGHUP/SIGPIPE) leaves no temp file behind either.
  return `d=$(dirname -- ${p}) && t=$(mktemp "$d/.remediate.XXXXXX") && trap 'rm -f -- "$t"; exit 129' HUP PIPE TERM && { base64 -d > "$t"${check} && chmod ${shQuote(mode)} "$t"${chown} && mv -f -- "$t" ${p}; } || { rc=$?; rm -f -- "$t"; exit $rc; }`;
}

export async function writeFileAtomic(ctx: HostContext, path: string, b64: string, mode: string, owner?: string, group?: string): Promise<Outcome> {
  const r = await ctx.exec({ cmd: { script: atomicWriteScript(path, mode, owner, group, sha256(b64)) }, stdin: b64 + '\n' });
  if (r.kind === 'unreachable') return { status: 'unreachable', msg: r.reason };
  if (r.exitCode !== 0) return { status: 'failed', msg: describeFailure(`writing ${path}`, r) };
  return { status: 'changed' };
}

export const copyModule: Module<CopyArgs, CopyInverse> = {
  name: 'copy',
  schema: copySchema,
  normalize: normalizeCopyArgs,
  probe: (ctx, args) => probeFile(ctx, args.dest),
  plan: (args, state) => planCopy(args, state as FileState),
  async apply(ctx, args, planned) {
    const d = planned.data as { path: string; mode: string; owner?: string; group?: string };
    return writeFileAtomic(ctx, d.path, Buffer.from(args.content).toString('base64'), d.mode, d.owner, d.group);
  },
  async verify(ctx, args) {
    const st = await probeFile(ctx, args.dest);
    const again = planCopy(args, st);
    return again.status === 'ok' ? { status: 'ok' } : { status: 'failed', msg: `verify: ${args.dest} still differs after write (${again.summary})` };
  },
  async rollback(ctx, inv) {
    if (!inv.existed) {
      const r = await ctx.exec({ cmd: { argv: ['rm', '-f', '--', inv.path] } });
      return unreachableOutcome(r) ?? (r.kind === 'exit' && r.exitCode === 0 ? { status: 'changed' } : { status: 'failed', msg: describeFailure(`removing ${inv.path}`, r) });
    }
    const w = await writeFileAtomic(ctx, inv.path, inv.content ?? '', inv.mode ?? '0644', inv.owner, inv.group);
    if (w.status !== 'changed') return w;
    // Verify the recorded pre-state came back: bytes, mode, owner.
    const st = await probeFile(ctx, inv.path);
    const same = st.exists && sha256(st.content ?? '') === inv.sha256 && st.mode === inv.mode && st.owner === inv.owner && st.group === inv.group;
    return same ? { status: 'changed', msg: `restored ${inv.path}` } : { status: 'failed', msg: `restored ${inv.path} but it differs from the recorded pre-state (sha256/mode/owner)` };
  },
};
