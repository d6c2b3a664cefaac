// test(1) / [ as dash implements it, over the lab's filesystem.
import { canAccess, type Cred, type Fs } from '../fs.js';

export interface TestResult {
  status: 0 | 1 | 2;
  error?: string;
}

function int(s: string): number | null {
  const t = s.trim();
  return /^[+-]?\d+$/.test(t) ? Number(t) : null;
}

const UNARY = new Set(['-e', '-f', '-d', '-h', '-L', '-r', '-w', '-x', '-s', '-p', '-S', '-b', '-c', '-u', '-g', '-k', '-n', '-z', '-t']);
const BINARY = new Set(['=', '!=', '-eq', '-ne', '-lt', '-le', '-gt', '-ge', '-nt', '-ot', '-ef', '<', '>']);
/** A test(1) usage error (status 2); thrown through the recursive descent, no stack needed. */
class Err {
  constructor(readonly message: string) {}
}

export function testExpr(args: string[], fs: Fs, cred: Cred, cwd: string): TestResult {
  let i = 0;
  const fileTest = (op: string, path: string): boolean => {
    const n = fs.peek(path, cred, op !== '-h' && op !== '-L', cwd);
    if (!n) return false;
    switch (op) {
      case '-e': return true;
      case '-d': return n.k === 'd';
      case '-h': case '-L': return n.k === 'l';
      case '-r': return canAccess(n, cred, 4);
      case '-w': return canAccess(n, cred, 2);
      case '-x': return canAccess(n, cred, 1) && (n.k === 'd' || (n.mode & 0o111) !== 0);
      case '-s': return n.k === 'f' ? (n.readAt ? true : n.data.length > 0) : true;
      case '-c': return n.k === 'f' && n.dev !== undefined;
      case '-p': case '-S': case '-b': return false;
      case '-f': return n.k === 'f' && n.dev === undefined;
      case '-u': return (n.mode & 0o4000) !== 0;
      case '-g': return (n.mode & 0o2000) !== 0;
      case '-k': return (n.mode & 0o1000) !== 0;
    }
    return false;
  };

  function primary(): boolean {
    const a = args[i];
    if (a === undefined) throw new Err('argument expected');
    if (a === '(' ) {
      i++;
      const v = orExpr();
      if (args[i] !== ')') throw new Err('closing paren expected');
      i++;
      return v;
    }
    if (BINARY.has(args[i + 1] ?? '') && !(a === '!' && args.length - i === 3 && false)) {
      const op = args[i + 1];
      const b = args[i + 2];
      if (b === undefined) throw new Err('argument expected');
      i += 3;
      switch (op) {
        case '=': return a === b;
        case '!=': return a !== b;
        case '<': return a < b;
        case '>': return a > b;
        case '-nt': case '-ot': case '-ef': return false;
      }
      const x = int(a);
      const y = int(b);
      if (x === null) throw new Err(`Illegal number: ${a}`);
      if (y === null) throw new Err(`Illegal number: ${b}`);
      switch (op) {
        case '-eq': return x === y;
        case '-ne': return x !== y;
        case '-lt': return x < y;
        case '-le': return x <= y;
        case '-gt': return x > y;
        case '-ge': return x >= y;
      }
    }
    if (UNARY.has(a) && i + 1 < args.length) {
      const b = args[i + 1];
      i += 2;
      if (a === '-n') return b !== '';
      if (a === '-z') return b === '';
      if (a === '-t') return false;
      return fileTest(a, b);
    }
    i++;
    return a !== '';
  }
  function notExpr(): boolean {
    if (args[i] === '!' && i + 1 < args.length) { i++; return !notExpr(); }
    return primary();
  }
  function andExpr(): boolean {
    let v = notExpr();
    while (args[i] === '-a') { i++; const r = notExpr(); v = v && r; }
    return v;
  }
  function orExpr(): boolean {
    let v = andExpr();
    while (args[i] === '-o') { i++; const r = andExpr(); v = v || r; }
    return v;
  }
  try {
    if (args.length === 0) return { status: 1 };
    // POSIX rules for few arguments take precedence over operator parsing.
    if (args.length === 1) return { status: args[0] !== '' ? 0 : 1 };
    if (args.length === 2 && args[0] === '!') return { status: args[1] === '' ? 0 : 1 };
    const v = orExpr();
    if (i < args.length) throw new Err(`${args[i]}: unexpected operator`);
    return { status: v ? 0 : 1 };
  } catch (e) {
    if (e instanceof Err) return { status: 2, error: e.message };
    throw e;
  }
}
