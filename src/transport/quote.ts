// POSIX single-quote quoting: valid under dash and bash, for any byte string.
// Never use zx's quote() for remote commands: it emits bash-only $'...' forms.

// No `=` (a first word `a=b` would be an assignment) and no `~` (tilde expansion).
const SAFE = /^[A-Za-z0-9_\/.,:+@%-]+$/;
// Reserved words are only special unquoted, and only where a command starts: quote them always.
const RESERVED = new Set(['if', 'then', 'else', 'elif', 'fi', 'do', 'done', 'case', 'esac', 'while', 'until', 'for', 'in', 'function', 'select', 'time', 'coproc']);

export function shQuote(value: string): string {
  // A NUL cannot travel in a command line: the remote would see the line cut short there.
  if (value.includes('\0')) throw new Error('cannot quote a value containing a NUL byte for a shell command');
  if (value !== '' && SAFE.test(value) && !RESERVED.has(value)) return value;
  return "'" + value.replace(/'/g, "'\\''") + "'";
}

export function shJoin(argv: readonly string[]): string {
  return argv.map(shQuote).join(' ');
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export function assertEnvName(name: string): string {
  if (!ENV_NAME.test(name)) throw new Error(`invalid environment variable name ${JSON.stringify(name)}: expected [A-Za-z_][A-Za-z0-9_]*`);
  return name;
}

/** Replace each secret by ******** (longest first so overlapping secrets mask fully). */
export function maskSecrets(text: string, secrets: readonly string[] | undefined): string {
  if (!secrets || secrets.length === 0) return text;
  let out = text;
  for (const s of [...secrets].filter(Boolean).sort((a, b) => b.length - a.length)) out = out.split(s).join('********');
  return out;
}
