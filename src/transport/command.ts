// Pure command construction: CommandSpec -> one shell command line for `sh -c`-less exec
// (ssh exec requests are run by the user's login shell; the local transport runs /bin/sh -c).
import { shJoin, shQuote, assertEnvName, maskSecrets } from './quote.js';
import type { CommandSpec } from './types.js';

/**
 * `sh -c 'script'` and its sudo-wrapped forms, built once per long script: a run sends one
 * batched probe (~33 KB) to every host, and building them per host made two ~40 KB strings to
 * flatten, hash and compare each time. Keyed by the script, which the batch memo hands out as
 * one string (a lookup is then a pointer compare); a few dozen entries, cleared when full.
 */
const LONG = 1024;
let wrapped = new Map<string, { shC: string; become: Map<string, string> }>();

/** The kept forms of a long script run as is (no cwd, no env); undefined for any other spec. */
function wrapsOf(spec: CommandSpec): { shC: string; become: Map<string, string> } | undefined {
  if (!('script' in spec.cmd) || spec.cmd.script.length < LONG || spec.cwd || Object.keys(spec.env ?? {}).length) return undefined;
  const script = spec.cmd.script;
  let w = wrapped.get(script);
  if (w === undefined) {
    if (wrapped.size >= 32) wrapped = new Map();
    wrapped.set(script, (w = { shC: body(spec), become: new Map() }));
  }
  return w;
}

/** The command body without become: cd, env, then argv or script. */
function body(spec: CommandSpec): string {
  if ('argv' in spec.cmd && spec.cmd.argv.length === 0) throw new Error('empty argv: a command needs at least a program name');
  const inner = 'argv' in spec.cmd ? shJoin(spec.cmd.argv) : spec.cmd.script;
  const env = Object.entries(spec.env ?? {}).map(([k, v]) => `${assertEnvName(k)}=${shQuote(v)}`);
  // A script runs under sh -c so that env and cwd apply to the whole of it.
  const run = 'argv' in spec.cmd
    ? (env.length ? `env ${env.join(' ')} ${inner}` : inner)
    : (env.length ? `env ${env.join(' ')} sh -c ${shQuote(inner)}` : `sh -c ${shQuote(inner)}`);
  if (!spec.cwd) return run;
  // `cd -x` would be an option and `cd -` means $OLDPWD: keep a leading dash a path.
  const dir = spec.cwd.startsWith('-') ? `./${spec.cwd}` : spec.cwd;
  return `cd ${shQuote(dir)} && ${run}`;
}

/**
 * Render the full command line. With become: `sudo -n` (no password) or `sudo -S -p ''`
 * (password read from stdin by sudo itself, see stdinFor); the body always runs under sh -c
 * so cd/env apply as the target user. The password is never part of the returned string.
 */
export function renderCommand(spec: CommandSpec): string {
  const kept = wrapsOf(spec);
  const b = kept ? kept.shC : body(spec);
  if (!spec.become) return b;
  const user = spec.become.user ?? 'root';
  const mode = spec.become.password !== undefined ? "-S -p ''" : '-n';
  const sudo = (): string => `sudo ${mode} -H -u ${shQuote(user)} -- sh -c ${shQuote(b)}`;
  if (!kept) return sudo();
  const key = `${mode}\0${user}`;
  let line = kept.become.get(key);
  if (line === undefined) kept.become.set(key, (line = sudo()));
  return line;
}

/** Bytes to write to the channel's stdin: sudo's password line first, then the user's input. */
export function stdinFor(spec: CommandSpec): string | undefined {
  if (spec.become?.password !== undefined) return spec.become.password + '\n' + (spec.stdin ?? '');
  return spec.stdin;
}

/** The command line as shown in logs, errors and the journal: every secret masked. */
export function displayCommand(spec: CommandSpec): string {
  return maskSecrets(renderCommand(spec), [...(spec.secrets ?? []), ...(spec.become?.password ? [spec.become.password] : [])]);
}
