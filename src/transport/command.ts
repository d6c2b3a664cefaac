// Pure command construction: CommandSpec -> one shell command line for `sh -c`-less exec
// (ssh exec requests are run by the user's login shell; the local transport runs /bin/sh -c).
import { shJoin, shQuote, assertEnvName, maskSecrets } from './quote.js';
import type { CommandSpec } from './types.js';

/**
 * A long script travels as the command's stdin, read whole and then run (`eval "$(cat)"`), not
 * inside the exec request. Some servers take packets of at most 35 000 bytes (ssh2, which the lab
 * serves with; dropbear): a check's batched probe, which grows with the libraries it learns host
 * by host, went past that. Each level of sh -c quoting also multiplied its quotes (a quote under
 * sudo's sh -c and the batch's is 13 bytes): the raw script is ~25 % shorter than the line was.
 * Not when the script must ride in the command line (`inline`: on a pty no EOF reaches the
 * command; `ansible -m raw` sends no stdin), nor when the command has stdin of its own.
 */
export const STDIN_SCRIPT_MIN = 4096;
const FROM_STDIN = 'eval "$(cat)"';

export function scriptOnStdin(spec: CommandSpec, inline = false): spec is CommandSpec & { cmd: { script: string } } {
  return 'script' in spec.cmd && spec.cmd.script.length >= STDIN_SCRIPT_MIN && spec.stdin === undefined && !inline;
}

/**
 * The command body without become: cd, env, then argv or script. `scriptArg`: the script is the
 * shell's $1 (sudo with a password, see renderCommand) rather than read from stdin.
 */
function body(spec: CommandSpec, inline: boolean, scriptArg = false): string {
  if ('argv' in spec.cmd && spec.cmd.argv.length === 0) throw new Error('empty argv: a command needs at least a program name');
  const env = Object.entries(spec.env ?? {}).map(([k, v]) => `${assertEnvName(k)}=${shQuote(v)}`);
  // A script runs under sh -c so that env and cwd apply to the whole of it.
  const cmd = 'argv' in spec.cmd ? shJoin(spec.cmd.argv)
    : `sh -c ${!scriptOnStdin(spec, inline) ? shQuote(spec.cmd.script) : scriptArg ? '"$1"' : shQuote(FROM_STDIN)}`;
  const run = env.length ? `env ${env.join(' ')} ${cmd}` : cmd;
  if (!spec.cwd) return run;
  // `cd -x` would be an option and `cd -` means $OLDPWD: keep a leading dash a path.
  const dir = spec.cwd.startsWith('-') ? `./${spec.cwd}` : spec.cwd;
  return `cd ${shQuote(dir)} && ${run}`;
}

/**
 * Render the full command line. With become: `sudo -n` (no password) or `sudo -S -p ''`
 * (password read from stdin by sudo itself, see stdinFor); the body always runs under sh -c
 * so cd/env apply as the target user. The password is never part of the returned string.
 * `inline`: the script rides in the line whatever its size (see scriptOnStdin).
 */
export function renderCommand(spec: CommandSpec, inline = false): string {
  if (!spec.become) return body(spec, inline);
  const user = shQuote(spec.become.user ?? 'root');
  if (spec.become.password === undefined) return `sudo -n -H -u ${user} -- sh -c ${shQuote(body(spec, inline))}`;
  if (!scriptOnStdin(spec, inline)) return `sudo -S -p '' -H -u ${user} -- sh -c ${shQuote(body(spec, inline))}`;
  // sudo -S takes a wrong password's retries from stdin: the script's lines must not reach it
  // (each would count as a failed attempt, towards a lockout). The login shell reads the password
  // line and the script, and gives sudo the password alone; the script goes as an argument.
  const sudo = `sudo -S -p '' -H -u ${user} -- sh -c ${shQuote(body(spec, inline, true))} sh "$__s"`;
  return `sh -c ${shQuote(`IFS= read -r __p; __s=$(cat); printf '%s\\n' "$__p" | ${sudo}`)}`;
}

/** Bytes to write to the channel's stdin: sudo's password line first, then the user's input (or the script, see scriptOnStdin). */
export function stdinFor(spec: CommandSpec, inline = false): string | undefined {
  const input = scriptOnStdin(spec, inline) ? spec.cmd.script : spec.stdin;
  if (spec.become?.password !== undefined) return spec.become.password + '\n' + (input ?? '');
  return input;
}

/** The command line as shown in logs, errors and the journal: every secret masked. */
export function displayCommand(spec: CommandSpec): string {
  return maskSecrets(renderCommand(spec), [...(spec.secrets ?? []), ...(spec.become?.password ? [spec.become.password] : [])]);
}
