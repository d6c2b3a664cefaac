// Split a command string into words the way a POSIX shell would quote them — and nothing more:
// no expansion, no globbing, no operators. `command: "printf '%s' x"` never reaches a shell.

export function splitWords(s: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated single quote in ${JSON.stringify(s)}`);
      cur += s.slice(i + 1, end); inWord = true; i = end + 1; continue;
    }
    if (c === '"') {
      i++; inWord = true;
      while (i < s.length && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < s.length && '"\\$`\n'.includes(s[i + 1])) { cur += s[i + 1]; i += 2; continue; }
        cur += s[i++];
      }
      if (i >= s.length) throw new Error(`unterminated double quote in ${JSON.stringify(s)}`);
      i++; continue;
    }
    if (c === '\\' && i + 1 < s.length) { cur += s[i + 1]; inWord = true; i += 2; continue; }
    if (c === ' ' || c === '\t' || c === '\n') {
      if (inWord) { words.push(cur); cur = ''; inWord = false; }
      i++; continue;
    }
    cur += c; inWord = true; i++;
  }
  if (inWord) words.push(cur);
  return words;
}
