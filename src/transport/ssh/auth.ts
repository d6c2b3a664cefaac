// Credentials: private keys parsed once per run (an encrypted key's KDF is expensive, and a
// fleet has thousands of hosts), and the ordered list of auth methods for one endpoint, handed
// to ssh2 through an authHandler so that the `none` probe is never sent.
import { readFile } from 'node:fs/promises';
import ssh2, { type AnyAuthMethod, type AuthHandlerMiddleware, type ParsedKey } from 'ssh2';
import { withFastSigner } from './ssh2-speedups.js';
import type { Endpoint } from './target.js';

export type KeyLoad = { key: ParsedKey; path: string } | { error: string; path: string; missing: boolean };

export class KeyCache {
  private readonly keys = new Map<string, Promise<KeyLoad>>();

  constructor(private readonly passphrase: string | undefined) {}

  load(path: string): Promise<KeyLoad> {
    let p = this.keys.get(path);
    if (!p) {
      p = this.parse(path);
      this.keys.set(path, p);
    }
    return p;
  }

  private async parse(path: string): Promise<KeyLoad> {
    let data: Buffer;
    try {
      data = await readFile(path);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      return { path, missing: e.code === 'ENOENT', error: `cannot read private key ${path}: ${e.code ?? e.message}` };
    }
    const parsed = ssh2.utils.parseKey(data, this.passphrase);
    if (parsed instanceof Error) {
      const hint = /passphrase/i.test(parsed.message) && this.passphrase === undefined ? ' (the key is encrypted: give its passphrase)' : '';
      return { path, missing: false, error: `cannot use private key ${path}: ${parsed.message}${hint}` };
    }
    const key = Array.isArray(parsed) ? parsed[0] : parsed;
    if (!key || !key.isPrivateKey()) return { path, missing: false, error: `${path} holds no private key` };
    return { path, key: withFastSigner(key) };
  }
}

export interface AuthPlan {
  methods: AnyAuthMethod[];
  /** Human list of what will be tried, for error messages. */
  described: string[];
  /** Problems with keys the user named (not default keys that simply do not exist). */
  keyProblems: string[];
}

/**
 * Methods in the order tried: an inventory-named key before the agent (so a crowded agent does
 * not exhaust MaxAuthTries first), then agent, then other keys, then password when given.
 */
export async function planAuth(ep: Endpoint, keys: KeyCache, agentSocket: string | undefined, password: string | undefined, defaultKeyFiles: ReadonlySet<string>): Promise<AuthPlan> {
  const loads = await Promise.all(ep.identityFiles.map((f) => keys.load(f)));
  const keyMethods: AnyAuthMethod[] = [];
  const described: string[] = [];
  const keyDescribed: string[] = [];
  const keyProblems: string[] = [];
  for (const l of loads) {
    if ('key' in l) {
      keyMethods.push({ type: 'publickey', username: ep.user, key: l.key });
      keyDescribed.push(`key ${l.path}`);
    } else if (!(l.missing && defaultKeyFiles.has(l.path))) {
      keyProblems.push(l.error);
    }
  }
  const methods: AnyAuthMethod[] = [];
  const agent: AnyAuthMethod[] = agentSocket ? [{ type: 'agent', username: ep.user, agent: agentSocket }] : [];
  if (ep.explicitKey) {
    methods.push(...keyMethods.slice(0, 1), ...agent, ...keyMethods.slice(1));
    described.push(...keyDescribed.slice(0, 1), ...(agentSocket ? ['agent'] : []), ...keyDescribed.slice(1));
  } else {
    methods.push(...agent, ...keyMethods);
    described.push(...(agentSocket ? ['agent'] : []), ...keyDescribed);
  }
  if (password !== undefined) {
    methods.push({ type: 'password', username: ep.user, password });
    methods.push({
      type: 'keyboard-interactive',
      username: ep.user,
      prompt: (_name, _instr, _lang, prompts, finish) => finish(prompts.map(() => password)),
    });
    described.push('password');
  }
  return { methods, described, keyProblems };
}

/** Offer each method only when the server still accepts its kind; never the `none` probe. */
export function authHandlerFor(methods: readonly AnyAuthMethod[]): AuthHandlerMiddleware {
  let i = 0;
  const kind = (m: AnyAuthMethod): string => (m.type === "agent" ? "publickey" : m.type);
  return (methodsLeft, _partial, next) => {
    while (i < methods.length) {
      const m = methods[i++]!;
      if (!methodsLeft || (methodsLeft as string[]).includes(kind(m))) return next(m);
    }
    return next(false as unknown as AnyAuthMethod);
  };
}
