// Python's shlex.split(line, comments=True, posix=True), which Ansible's INI plugin uses to cut a
// host line into words. Ported state machine, plus each word's start column for error carets.

export interface ShlexWord {
  value: string;
  /** 0-based offset in the input where the word starts. */
  start: number;
}

export class ShlexError extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
  }
}

const WHITESPACE = ' \t\r\n';
const QUOTES = '\'"';

export function shlexSplit(input: string): ShlexWord[] {
  const words: ShlexWord[] = [];
  let i = 0;
  // One read_token() per loop; state names follow CPython's shlex.
  for (;;) {
    let state: string = ' ';
    let token = '';
    let quoted = false;
    let escapedState = ' ';
    let start = -1;
    let quoteStart = -1;
    let eof = false;
    for (;;) {
      const ch = i < input.length ? input[i] : '';
      const at = i;
      i++;
      if (state === ' ') {
        if (ch === '') { eof = true; break; }
        if (WHITESPACE.includes(ch)) {
          if (token || quoted) break;
          continue;
        }
        if (ch === '#') { i = input.length; eof = true; break; }
        start = at;
        if (ch === '\\') { escapedState = 'a'; state = ch; }
        else if (QUOTES.includes(ch)) { state = ch; quoteStart = at; }
        else { token = ch; state = 'a'; }
      } else if (QUOTES.includes(state)) {
        quoted = true;
        if (ch === '') throw new ShlexError('No closing quotation', quoteStart);
        if (ch === state) state = 'a';
        else if (ch === '\\' && state === '"') { escapedState = state; state = ch; }
        else token += ch;
      } else if (state === '\\') {
        if (ch === '') throw new ShlexError('No escaped character', at - 1);
        // Inside double quotes only the quote itself or a backslash may be escaped.
        if (QUOTES.includes(escapedState) && ch !== state && ch !== escapedState) token += state;
        token += ch;
        state = escapedState;
      } else {
        // state 'a': inside a word
        if (ch === '') { eof = true; break; }
        if (WHITESPACE.includes(ch)) {
          state = ' ';
          if (token || quoted) break;
          continue;
        }
        if (ch === '#') {
          i = input.length;
          state = ' ';
          if (token || quoted) break;
          continue;
        }
        if (QUOTES.includes(ch)) { state = ch; quoteStart = at; }
        else if (ch === '\\') { escapedState = 'a'; state = ch; }
        else token += ch;
      }
    }
    if (token !== '' || quoted) words.push({ value: token, start });
    if (eof) return words;
  }
}
