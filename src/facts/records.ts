// Probe output is line records `tag|payload`. Every line a probe prints goes through a tag
// (command output is prefixed line by line with sed), so a file or log line can never pose as
// another record: its text always sits after its own tag.

export interface Rec {
  tag: string;
  value: string;
}

const LINE = /^([a-z][a-z0-9-]*)\|(.*)$/;

export function parseRecords(stdout: string): Rec[] {
  const out: Rec[] = [];
  for (const line of stdout.split('\n')) {
    const m = LINE.exec(line);
    if (m) out.push({ tag: m[1], value: m[2] });
  }
  return out;
}

/** A command captured with the shell's `cap TAG cmd…`: its merged output lines and exit code. */
export interface Captured {
  lines: string[];
  rc: number | null;
  /** The command was not found on the host. */
  missing: string | null;
}

export class Records {
  readonly recs: Rec[];
  constructor(stdout: string) {
    this.recs = parseRecords(stdout);
  }
  first(tag: string): string | undefined {
    return this.recs.find((r) => r.tag === tag)?.value;
  }
  all(tag: string): string[] {
    return this.recs.filter((r) => r.tag === tag).map((r) => r.value);
  }
  /** Fields of each `tag|a|b|c` record; the last field keeps any further '|'. */
  fields(tag: string, n: number): string[][] {
    return this.all(tag).map((v) => splitFields(v, n));
  }
  has(tag: string): boolean {
    return this.recs.some((r) => r.tag === tag);
  }
  captured(tag: string): Captured | undefined {
    const vals = this.all(tag);
    if (vals.length === 0) return undefined;
    return toCaptured(vals);
  }
}

export function toCaptured(vals: string[]): Captured {
  let rc: number | null = null;
  let missing: string | null = null;
  const lines: string[] = [];
  for (const v of vals) {
    const m = /^@rc=(\d+)$/.exec(v);
    if (m) { rc = Number(m[1]); continue; }
    const mm = /^@missing=(.*)$/.exec(v);
    if (mm) { missing = mm[1]; continue; }
    lines.push(v);
  }
  // cap prints a newline before @rc so unterminated output stays on its own line; drop that blank.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return { lines, rc, missing };
}

export function splitFields(v: string, n: number): string[] {
  const parts = v.split('|');
  if (parts.length <= n) return parts;
  return [...parts.slice(0, n - 1), parts.slice(n - 1).join('|')];
}

/** "Key: value" lines (server-status?auto, apache2 -V) into a map; the first occurrence wins. */
export function colonMap(lines: readonly string[], sep: RegExp = /:\s*/): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of lines) {
    const i = line.search(sep);
    if (i <= 0) continue;
    const key = line.slice(0, i).trim();
    const rest = line.slice(i).replace(sep, '').trim();
    if (!m.has(key)) m.set(key, rest);
  }
  return m;
}
