// The syntax tree of a POSIX sh program (XCU 2.10 grammar), as parser.ts builds it.

/** A piece of a word, before expansion. */
export type Part =
  | { t: 'lit'; v: string }                 // unquoted text (glob characters are live)
  | { t: 'sq'; v: string }                  // '…' or a backslash-escaped character: quoted text
  | { t: 'dq'; parts: Part[] }              // "…"
  | { t: 'param'; name: string; op?: ParamOp; word?: Word; length?: boolean }
  | { t: 'cmd'; body: List }                // $( … ) or ` … `
  | { t: 'arith'; expr: Word };             // $(( … ))

export type ParamOp = '-' | ':-' | '=' | ':=' | '?' | ':?' | '+' | ':+' | '%' | '%%' | '#' | '##';

export interface Word {
  parts: Part[];
  /** Set by the interpreter: the word's text when it has nothing to expand (null: it has). */
  plain?: string | null;
  /** Set by the interpreter: the word as a compiled case pattern when it has nothing to expand. */
  glob?: RegExp | null;
}

export interface Redir {
  fd: number | null;                        // explicit IO_NUMBER, else the operator's default
  op: '<' | '>' | '>>' | '>|' | '<>' | '<&' | '>&' | '<<' | '<<-';
  target: Word;                             // file, fd number or '-' (for heredocs: the delimiter)
  heredoc?: Word;                           // body (literal when the delimiter was quoted)
}

export interface Assign {
  name: string;
  value: Word;
}

export type Command =
  | { t: 'simple'; line: number; assigns: Assign[]; words: Word[]; redirs: Redir[] }
  | { t: 'group'; line: number; body: List; redirs: Redir[] }                     // { …; }
  | { t: 'subshell'; line: number; body: List; redirs: Redir[] }                  // ( … )
  | { t: 'if'; line: number; clauses: { cond: List; body: List }[]; orElse: List | null; redirs: Redir[] }
  | { t: 'loop'; line: number; until: boolean; cond: List; body: List; redirs: Redir[] }
  | { t: 'for'; line: number; name: string; items: Word[] | null; body: List; redirs: Redir[] }
  | { t: 'case'; line: number; subject: Word; items: { patterns: Word[]; body: List }[]; redirs: Redir[] }
  | { t: 'func'; line: number; name: string; body: Command };

export interface Pipeline {
  negate: boolean;
  cmds: Command[];
}

/** p1 && p2 || p3 … */
export interface AndOr {
  first: Pipeline;
  rest: { op: '&&' | '||'; p: Pipeline }[];
  background: boolean;
}

export type List = AndOr[];
