// Errors from expressions and templates carry one positioned Problem, so an undefined variable
// or a syntax error names the file, line and column of the expression like any input error.
import { InputError } from '../source/errors.js';
import type { Pos, Problem } from '../source/types.js';

export type TemplateErrorKind = 'syntax' | 'undefined' | 'type' | 'value';

export class TemplateError extends InputError {
  readonly kind: TemplateErrorKind;
  readonly problem: Problem;
  /** For kind 'undefined': the variable path that was missing, e.g. "result.stdout". */
  readonly variable?: string;
  constructor(kind: TemplateErrorKind, problem: Problem, variable?: string) {
    super([problem]);
    this.name = 'TemplateError';
    this.kind = kind;
    this.problem = problem;
    if (variable !== undefined) this.variable = variable;
  }
}

/** The undefined variable's path when `e` is an undefined-variable error, else undefined. */
export function undefinedVariableOf(e: unknown): string | undefined {
  return e instanceof TemplateError && e.kind === 'undefined' ? e.variable : undefined;
}

/** The position `off` characters into `source`, which starts at `base`. */
export function posAt(base: Pos, source: string, off: number): Pos {
  let line = base.line;
  let lastNl = -1;
  for (let i = 0; i < off && i < source.length; i++) {
    if (source[i] === '\n') {
      line++;
      lastNl = i;
    }
  }
  if (line === base.line) return { file: base.file, line, col: base.col + off };
  return { file: base.file, line, col: off - lastNl };
}
