// Positioned input errors: every loader reports all its problems at once through InputError.
import type { Problem } from './types.js';

export class InputError extends Error {
  readonly problems: Problem[];
  constructor(problems: Problem[]) {
    super(problems.map((p) => `${p.pos.file}:${p.pos.line}:${p.pos.col}: ${p.message}`).join('\n'));
    this.name = 'InputError';
    this.problems = problems;
  }
}

/** The source line a problem points at, when the loader had the text. */
export function lineOf(text: string, line: number): string | undefined {
  const lines = text.split(/\r?\n/);
  return lines[line - 1];
}

/**
 * Render like: `file:12:5: unknown key 'hots' in a play (expected one of …; found 'hots'); did you mean 'hosts'?`
 * followed by the offending line and a caret under the column.
 */
export function renderProblem(p: Problem, lineText?: string): string {
  let head = `${p.pos.file}:${p.pos.line}:${p.pos.col}: ${p.message}`;
  const parts: string[] = [];
  if (p.expected !== undefined) parts.push(`expected ${p.expected}`);
  if (p.found !== undefined) parts.push(`found ${p.found}`);
  if (parts.length) head += ` (${parts.join('; ')})`;
  if (p.hint) head += `; ${p.hint}`;
  const text = lineText ?? p.lineText;
  if (text === undefined) return head;
  const num = String(p.pos.line);
  const gutter = ' '.repeat(num.length);
  const caretPad = text.slice(0, Math.max(0, p.pos.col - 1)).replace(/[^\t]/g, ' ');
  return `${head}\n  ${num} | ${text}\n  ${gutter} | ${caretPad}^`;
}

export function renderProblems(problems: readonly Problem[]): string {
  return problems.map((p) => renderProblem(p)).join('\n\n');
}
