// Pure editing of ini text (PHP's ini files, systemd drop-ins): set one key, keep everything
// else byte for byte (comments, spacing, line endings, the order of lines).
import type { EditResult } from './file-edit.js';

export interface IniSet {
  /**
   * Omitted: the file as PHP reads it, where [section] headers are labels only — the key is
   * found anywhere before a [PATH=…]/[HOST=…] section. Given: that section only (systemd drop-ins).
   */
  section?: string;
  key: string;
  value: string;
  /** "key = value" (default) or "key=value" for lines this edit writes. */
  spaces?: boolean;
}

interface Line {
  raw: string;
  kind: 'section' | 'key' | 'commented-key' | 'other';
  name?: string;
  value?: string;
}

const SECTION = /^\s*\[([^\]]*)\]\s*$/;
const KEY = /^(\s*)([^=;#\[\s][^=]*?)(\s*=\s*)(.*)$/;
const COMMENTED_KEY = /^\s*[;#]\s*([^=;#\[\s][^=]*?)\s*=/;

function parseLine(raw: string): Line {
  const s = SECTION.exec(raw);
  if (s) return { raw, kind: 'section', name: s[1].trim() };
  const k = KEY.exec(raw);
  if (k) return { raw, kind: 'key', name: k[2], value: unquote(k[4]) };
  const c = COMMENTED_KEY.exec(raw);
  if (c) return { raw, kind: 'commented-key', name: c[1] };
  return { raw, kind: 'other' };
}

/** The value as the ini parser reads it: quotes removed, a trailing `; comment` dropped. */
export function unquote(v: string): string {
  const t = v.trim();
  const q = /^"((?:[^"\\]|\\.)*)"\s*(?:[;#].*)?$/.exec(t) ?? /^'([^']*)'\s*(?:[;#].*)?$/.exec(t);
  if (q) return q[1];
  return t.replace(/\s*;.*$/, '').trim();
}

/** A value that would not survive unquoted is written in double quotes. */
export function renderValue(v: string): string {
  if (v.includes('"')) throw new Error(`ini value ${JSON.stringify(v)} contains a double quote, which PHP's ini syntax cannot express`);
  if (v === '' || /[;#=&|^~!(){}\[\]$"']|^\s|\s$/.test(v)) return `"${v}"`;
  return v;
}

export function setIniValue(text: string | null, want: IniSet): EditResult {
  let value: string;
  try {
    value = renderValue(want.value);
  } catch (e) {
    return { error: (e as Error).message };
  }
  const eq = want.spaces === false ? '=' : ' = ';
  const newLine = `${want.key}${eq}${value}`;
  const section = want.section?.trim() || null;
  const header = section === null ? null : `[${section}]`;
  if (text === null || text === '') {
    const body = header ? `${header}\n${newLine}\n` : `${newLine}\n`;
    return { text: body, what: `set ${want.key} = ${value}${section ? ` in [${section}]` : ''} (new file)` };
  }
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const endsWithEol = text.endsWith(eol);
  const lines = (endsWithEol ? text.slice(0, -eol.length) : text).split(eol).map(parseLine);

  // The scope: [start, end) of the lines belonging to the section (or before the first header).
  let start = -1;
  let end = lines.length;
  if (section === null) {
    // PHP reads section headers as mere labels, except the per-directory/per-host ones.
    start = 0;
    const perPathOrHost = lines.findIndex((l) => l.kind === 'section' && /^(PATH|HOST)=/i.test(l.name ?? ''));
    end = perPathOrHost < 0 ? lines.length : perPathOrHost;
  } else {
    // The last header of that name wins, like the parsers that merge repeated sections.
    for (let i = lines.length - 1; i >= 0; i--) if (lines[i].kind === 'section' && lines[i].name === section) { start = i + 1; break; }
    if (start >= 0) {
      const next = lines.findIndex((l, i) => i >= start && l.kind === 'section');
      end = next < 0 ? lines.length : next;
    }
  }

  const out = lines.map((l) => l.raw);
  const finish = (what: string): EditResult => ({ text: out.join(eol) + eol, what });
  if (start < 0) {
    // No such section: append it.
    const sep = out.length && out[out.length - 1].trim() !== '' ? [''] : [];
    out.push(...sep, header!, newLine);
    return finish(`add [${section}] with ${want.key} = ${value}`);
  }
  // Last active occurrence decides (PHP: the last assignment wins).
  let lastKey = -1;
  let lastCommented = -1;
  for (let i = start; i < end; i++) {
    if (lines[i].kind === 'key' && lines[i].name === want.key) lastKey = i;
    if (lines[i].kind === 'commented-key' && lines[i].name === want.key) lastCommented = i;
  }
  if (lastKey >= 0) {
    if (lines[lastKey].value === want.value) return { text, what: 'unchanged' };
    const m = KEY.exec(lines[lastKey].raw)!;
    // Keep the line's own indentation and spacing around '='; drop its trailing comment.
    out[lastKey] = `${m[1]}${m[2]}${m[3]}${value}`;
    return finish(`${want.key}: ${JSON.stringify(lines[lastKey].value)} → ${JSON.stringify(want.value)}`);
  }
  if (lastCommented >= 0) {
    out.splice(lastCommented + 1, 0, newLine);
    return finish(`set ${want.key} = ${value} (below its commented-out default)`);
  }
  // After the scope's last non-blank line.
  let at = end;
  while (at > start && out[at - 1].trim() === '') at--;
  out.splice(at, 0, newLine);
  return finish(`add ${want.key} = ${value}${section ? ` to [${section}]` : ''}`);
}
