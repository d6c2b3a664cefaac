// known_hosts: parsing, lookup by the address actually connected to (hashed `|1|salt|hash`
// entries and `[host]:port` forms included) and safe recording of new keys when hundreds of
// connections accept keys at once (appends serialised in-process, one O_APPEND write each,
// the file re-read before every append so no key is recorded twice).
import { createHash, createHmac } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface KnownHostEntry {
  marker?: 'revoked' | 'cert-authority';
  /** Plain host patterns (may contain * ? and !negation); absent for a hashed entry. */
  patterns?: string[];
  hashed?: { salt: Buffer; hash: Buffer };
  keyType: string;
  keyBase64: string;
  /** 1-based line number in the file. */
  line: number;
}

export type HostKeyVerdict =
  | { status: 'match'; line: number }
  | { status: 'unknown' }
  | { status: 'changed'; line: number; knownType: string }
  | { status: 'revoked'; line: number };

/** The name OpenSSH looks keys up by: `host` on port 22, `[host]:port` otherwise. */
export function hostToken(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === '' || raw.startsWith('#')) continue;
    const fields = raw.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') {
      marker = fields[0] === '@revoked' ? 'revoked' : 'cert-authority';
      fields.shift();
    }
    if (fields.length < 3) continue; // malformed: OpenSSH skips it too
    const [hosts, keyType, keyBase64] = fields as [string, string, string];
    const entry: KnownHostEntry = { marker, keyType, keyBase64, line: i + 1 };
    if (hosts.startsWith('|1|')) {
      const [, , salt, hash] = hosts.split('|');
      if (!salt || !hash) continue;
      entry.hashed = { salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') };
    } else {
      entry.patterns = hosts.split(',');
    }
    out.push(entry);
  }
  return out;
}

const globCache = new Map<string, RegExp>();
function globToRegExp(glob: string): RegExp {
  let re = globCache.get(glob);
  if (!re) {
    const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    re = new RegExp(`^${body}$`, 'i');
    globCache.set(glob, re);
  }
  return re;
}

/** OpenSSH pattern-list semantics: any negated match vetoes, otherwise any positive match wins. */
export function patternsMatch(patterns: readonly string[], token: string): boolean {
  let matched = false;
  for (const p of patterns) {
    const negated = p.startsWith('!');
    const glob = negated ? p.slice(1) : p;
    const hit = /[*?]/.test(glob) ? globToRegExp(glob).test(token) : glob.toLowerCase() === token.toLowerCase();
    if (hit && negated) return false;
    if (hit) matched = true;
  }
  return matched;
}

export function entryMatchesHost(entry: KnownHostEntry, token: string): boolean {
  if (entry.hashed) {
    const h = createHmac('sha1', entry.hashed.salt).update(token).digest();
    return h.equals(entry.hashed.hash);
  }
  return patternsMatch(entry.patterns ?? [], token);
}

/** The key type named inside an SSH wire-format public key blob. */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('latin1');
}

export function fingerprint(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

/**
 * Entries that can match a token: those naming it literally (found through an index, so a
 * 3000-line known_hosts costs no scan per connection) plus hashed and wildcard ones (scanned).
 */
export class KnownHostsIndex {
  private readonly literal = new Map<string, KnownHostEntry[]>();
  private readonly scanned: KnownHostEntry[] = [];

  constructor(readonly entries: readonly KnownHostEntry[]) {
    for (const e of entries) {
      const pats = e.patterns;
      if (!pats || pats.some((p) => /[*?!]/.test(p))) {
        this.scanned.push(e);
        continue;
      }
      for (const p of new Set(pats.map((x) => x.toLowerCase()))) {
        const list = this.literal.get(p) ?? [];
        list.push(e);
        this.literal.set(p, list);
      }
    }
  }

  candidates(token: string): KnownHostEntry[] {
    const lit = this.literal.get(token.toLowerCase()) ?? [];
    if (this.scanned.length === 0) return lit;
    // Keep file order: the first matching line is the one reported.
    return [...lit, ...this.scanned].sort((a, b) => a.line - b.line);
  }
}

const indexes = new WeakMap<readonly KnownHostEntry[], KnownHostsIndex>();
function indexOf(entries: readonly KnownHostEntry[]): KnownHostsIndex {
  let idx = indexes.get(entries);
  if (!idx) indexes.set(entries, (idx = new KnownHostsIndex(entries)));
  return idx;
}

/**
 * Verdict for a key offered by address:port. A known key of the same type that differs is
 * `changed`; so is a host known only by keys of other types (we ask the server for known
 * types first, so a server offering none of them has changed its keys).
 */
export function checkHostKey(entries: readonly KnownHostEntry[], address: string, port: number, blob: Buffer): HostKeyVerdict {
  const token = hostToken(address, port);
  const offered = blob.toString('base64');
  const type = keyTypeOf(blob);
  let match: number | undefined;
  let sameTypeDiffers: KnownHostEntry | undefined;
  let otherType: KnownHostEntry | undefined;
  for (const e of indexOf(entries).candidates(token)) {
    if (e.marker === 'cert-authority') continue; // certificates are not supported: ignore CA lines
    if (!entryMatchesHost(e, token)) continue;
    if (e.marker === 'revoked') {
      if (e.keyBase64 === offered) return { status: 'revoked', line: e.line };
      continue;
    }
    if (e.keyBase64 === offered) match ??= e.line;
    else if (e.keyType === type) sameTypeDiffers ??= e;
    else otherType ??= e;
  }
  if (match !== undefined) return { status: 'match', line: match };
  const known = sameTypeDiffers ?? otherType;
  if (known) return { status: 'changed', line: known.line, knownType: known.keyType };
  return { status: 'unknown' };
}

/** Key types known for a host, to ask the server for those first (as OpenSSH does). */
export function knownKeyTypes(entries: readonly KnownHostEntry[], address: string, port: number): string[] {
  const token = hostToken(address, port);
  const types = new Set<string>();
  for (const e of indexOf(entries).candidates(token)) if (!e.marker && entryMatchesHost(e, token)) types.add(e.keyType);
  return [...types];
}

/** One known_hosts file: read once, looked up many times, appended to safely. */
export class KnownHostsFile {
  private loaded: Promise<KnownHostEntry[]> | undefined;
  private appendChain: Promise<unknown> = Promise.resolve();

  constructor(readonly path: string) {}

  entries(): Promise<KnownHostEntry[]> {
    this.loaded ??= this.readText().then(parseKnownHosts);
    return this.loaded;
  }

  private async readText(): Promise<string> {
    try {
      return await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw err;
    }
  }

  /**
   * Record a newly accepted key. Serialised with every other append of this process; the file
   * is re-read first (another process may have added it), then written with one O_APPEND write
   * so concurrent writers never interleave within a line.
   */
  record(address: string, port: number, blob: Buffer): Promise<'added' | 'present'> {
    const run = async (): Promise<'added' | 'present'> => {
      const text = await this.readText();
      const current = parseKnownHosts(text);
      if (checkHostKey(current, address, port, blob).status === 'match') {
        this.loaded = Promise.resolve(current);
        return 'present';
      }
      // Keep lines whole even if the file lacked a final newline.
      const prefix = text !== '' && !text.endsWith('\n') ? '\n' : '';
      const line = `${hostToken(address, port)} ${keyTypeOf(blob)} ${blob.toString('base64')}\n`;
      await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
      const fh = await open(this.path, 'a', 0o600);
      try {
        await fh.write(prefix + line);
      } finally {
        await fh.close();
      }
      const lineNo = (text + prefix).split('\n').length;
      this.loaded = Promise.resolve([...current, ...parseKnownHosts(line).map((e) => ({ ...e, line: lineNo }))]);
      return 'added';
    };
    const next = this.appendChain.then(run, run);
    this.appendChain = next.catch(() => undefined);
    return next;
  }
}
