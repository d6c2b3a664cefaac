// Secrets never reach the journal: every free-form value (inverse, summary, diff, msg, facts,
// observed values) goes through redact() with the run's known secrets before it is written.

export const MASK = '********';

/**
 * A copy of a JSON-like value with every occurrence of every secret replaced by MASK, in strings
 * and in object keys. Longer secrets are masked first, so a secret containing another is masked
 * whole. Empty secrets are ignored.
 */
export function redact<T>(value: T, secrets: readonly string[]): T {
  const list = [...new Set(secrets.filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
  if (list.length === 0) return value;
  return walk(value, list) as T;
}

function maskString(s: string, secrets: readonly string[]): string {
  let out = s;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(MASK);
  return out;
}

function walk(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return maskString(value, secrets);
  if (Array.isArray(value)) return value.map((v) => walk(v, secrets));
  if (value && typeof value === 'object') {
    // toJSON first (Dates, Buffers…), so what we walk is what JSON.stringify would write.
    const toJSON = (value as { toJSON?: () => unknown }).toJSON;
    if (typeof toJSON === 'function') return walk(toJSON.call(value), secrets);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[maskString(k, secrets)] = walk(v, secrets);
    return out;
  }
  return value;
}

/** Options whose next word (or `=value`) is a secret. */
export const SECRET_OPTIONS: readonly string[] = ['--password', '--become-password', '--vault-password', '--token', '--secret'];
/** Options carrying extra vars (`k=v k2=v2` or JSON); only secret-looking keys are masked. */
export const EXTRA_VARS_OPTIONS: readonly string[] = ['-e', '--extra-vars'];
const SECRET_KEY = /password|passwd|secret|token/i;

/**
 * argv as it may be stored: values of SECRET_OPTIONS masked, and inside --extra-vars/-e the
 * values of keys named like *password*, *secret*, *token*. `@file` extra vars are paths, kept.
 * Words after `--` are positional and kept.
 */
export function redactArgv(argv: readonly string[], opts: { secretOptions?: readonly string[] } = {}): string[] {
  const secretOpts = new Set([...SECRET_OPTIONS, ...(opts.secretOptions ?? [])]);
  const extraOpts = new Set(EXTRA_VARS_OPTIONS);
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (word === '--') {
      out.push(...argv.slice(i));
      break;
    }
    // commander also takes a short option's value attached: -ekey=value
    if (/^-e[^=-]/.test(word) && extraOpts.has('-e')) {
      out.push(`-e${redactExtraVars(word.slice(2))}`);
      continue;
    }
    const eq = word.indexOf('=');
    const name = word.startsWith('-') && eq > 0 ? word.slice(0, eq) : word;
    const inline = word.startsWith('-') && eq > 0 ? word.slice(eq + 1) : undefined;
    if (secretOpts.has(name)) {
      if (inline !== undefined) out.push(`${name}=${MASK}`);
      else {
        out.push(word);
        if (i + 1 < argv.length) {
          out.push(MASK);
          i++;
        }
      }
      continue;
    }
    if (extraOpts.has(name)) {
      if (inline !== undefined) out.push(`${name}=${redactExtraVars(inline)}`);
      else {
        out.push(word);
        if (i + 1 < argv.length) {
          out.push(redactExtraVars(argv[i + 1]));
          i++;
        }
      }
      continue;
    }
    out.push(word);
  }
  return out;
}

/** Mask secret-looking keys in an extra-vars string: JSON/YAML flow `{...}`, or `k=v` words. */
export function redactExtraVars(text: string): string {
  if (text.startsWith('@')) return text;
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return JSON.stringify(maskKeys(JSON.parse(trimmed)));
    } catch {
      // Not strict JSON (YAML flow style, single quotes): mask `key: value` pairs textually.
      return trimmed.replace(
        /((["']?)[\w.-]*(?:password|passwd|secret|token)[\w.-]*\2\s*:\s*)("(?:[^"\\]|\\.)*"|'[^']*'|[^,}\]\s]+)/gi,
        (_m, head: string) => `${head}"${MASK}"`,
      );
    }
  }
  return text.replace(
    /(^|\s)([\w.-]*(?:password|passwd|secret|token)[\w.-]*=)("[^"]*"|'[^']*'|\S*)/gi,
    (_m, lead: string, key: string) => `${lead}${key}${MASK}`,
  );
}

function maskKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? MASK : maskKeys(v);
    return out;
  }
  return value;
}
