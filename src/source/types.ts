// Positions and positioned errors shared by every loader.

export interface Pos {
  file: string;
  /** 1-based */
  line: number;
  /** 1-based */
  col: number;
}

/** One problem in an input file; rendered as `file:line:col: message`, the line, a caret. */
export interface Problem {
  pos: Pos;
  message: string;
  expected?: string;
  found?: string;
  hint?: string; // e.g. "did you mean 'hosts'?"
  /** The offending source line, when the loader had the text (for the caret rendering). */
  lineText?: string;
}
