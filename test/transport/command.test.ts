import test from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { displayCommand, renderCommand, scriptOnStdin, STDIN_SCRIPT_MIN, stdinFor } from '../../src/transport/command.js';
import type { CommandSpec } from '../../src/transport/types.js';
import { HOSTILE } from './hostile.js';

const SHELLS = ['dash', 'bash'] as const;
const run = (shell: string, spec: CommandSpec) => execFileSync(shell, ['-c', renderCommand(spec)], { input: spec.stdin ?? '' });

for (const shell of SHELLS) {
  test(`argv words arrive intact under ${shell}`, (t) => {
    for (const [name, value] of HOSTILE) {
      t.deepEqual(run(shell, { cmd: { argv: ['printf', '%s', value] } }), Buffer.from(value), name);
    }
  });

  test(`env values arrive intact, for argv and for scripts, under ${shell}`, (t) => {
    for (const [name, value] of HOSTILE) {
      t.deepEqual(run(shell, { cmd: { argv: ['printenv', 'V'] }, env: { V: value } }), Buffer.from(value + '\n'), `argv: ${name}`);
      t.deepEqual(run(shell, { cmd: { script: 'printf "%s" "$V"' }, env: { V: value, W: 'x' } }), Buffer.from(value), `script: ${name}`);
    }
  });

  test(`cwd is entered, whatever its name, under ${shell}`, (t) => {
    const base = mkdtempSync(join(tmpdir(), 'rmd-cwd-'));
    try {
      for (const name of ["it's here", '$(id)', 'new\nline', '-x', '-', 'ünï', '`id`']) {
        mkdirSync(join(base, name));
        const out = execFileSync(shell, ['-c', renderCommand({ cmd: { script: 'pwd -P' }, cwd: name })], { cwd: base });
        t.is(out.toString(), join(base, name) + '\n', JSON.stringify(name));
      }
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  test(`a missing cwd stops the command before it runs under ${shell}`, (t) => {
    const err = t.throws(() => execFileSync(shell, ['-c', renderCommand({ cmd: { argv: ['touch', '/tmp/rmd-should-not-exist'] }, cwd: '/nonexistent/dir' })], { stdio: 'pipe' }));
    t.truthy(err);
    t.throws(() => execFileSync('test', ['-e', '/tmp/rmd-should-not-exist']));
  });

  test(`a script's exit code and stdin pass through under ${shell}`, (t) => {
    const out = execFileSync(shell, ['-c', renderCommand({ cmd: { script: 'read -r x; echo "got:$x"; exit 0' } })], { input: 'line one\n' });
    t.is(out.toString(), 'got:line one\n');
    const err = t.throws(() => execFileSync(shell, ['-c', renderCommand({ cmd: { script: 'exit 42' } })])) as { status?: number };
    t.is(err.status, 42);
  });
}

test('become without a password is sudo -n; cd/env run as the target user inside sh -c', (t) => {
  const line = renderCommand({ cmd: { argv: ['id', '-u'] }, become: { user: 'www-data' }, cwd: '/srv', env: { A: '1' } });
  t.is(line, `sudo -n -H -u www-data -- sh -c 'cd /srv && env A=1 id -u'`);
  t.is(stdinFor({ cmd: { argv: ['id'] }, become: {} }), undefined);
  t.regex(renderCommand({ cmd: { argv: ['id'] }, become: {} }), /^sudo -n -H -u root -- /);
});

test('become with a password uses sudo -S with an empty prompt; the password goes to stdin only', (t) => {
  const secret = "s3cr'et $(id)";
  const spec: CommandSpec = { cmd: { argv: ['cat'] }, become: { password: secret }, stdin: 'payload', secrets: ['tok3n'] };
  const line = renderCommand(spec);
  t.is(line, `sudo -S -p '' -H -u root -- sh -c cat`);
  t.false(line.includes(secret));
  t.is(stdinFor(spec), `${secret}\npayload`);
  t.is(stdinFor({ cmd: { argv: ['id'] }, become: { password: 'pw' } }), 'pw\n');
});

test('a long script goes over stdin, its command line a constant; with a pty or stdin of its own it stays inline', (t) => {
  const script = `printf '%s\\n' "it's" '$(id)'\n# ${'x'.repeat(STDIN_SCRIPT_MIN)}\n`;
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const fromStdin = `sh -c 'eval "$(cat)"'`;
  const cases: [CommandSpec, string, string | undefined][] = [
    [{ cmd: { script } }, fromStdin, script],
    [{ cmd: { script }, become: {} }, `sudo -n -H -u root -- sh -c ${q(fromStdin)}`, script],
    [{ cmd: { script }, become: { user: "x'y" } }, `sudo -n -H -u 'x'\\''y' -- sh -c ${q(fromStdin)}`, script],
    // the login shell reads the password line and the script, and gives sudo the password alone
    [{ cmd: { script }, become: { password: 'pw' } }, `sh -c ${q(`IFS= read -r __p; __s=$(cat); printf '%s\\n' "$__p" | sudo -S -p '' -H -u root -- sh -c 'sh -c "$1"' sh "$__s"`)}`, `pw\n${script}`],
    [{ cmd: { script }, become: {}, cwd: '/srv' }, `sudo -n -H -u root -- sh -c ${q(`cd /srv && ${fromStdin}`)}`, script],
    [{ cmd: { script }, env: { A: '1' } }, `env A=1 ${fromStdin}`, script],
    // its own stdin: the script stays in the command line
    [{ cmd: { script }, stdin: 'data' }, `sh -c ${q(script)}`, 'data'],
    [{ cmd: { script: 'echo short' } }, `sh -c 'echo short'`, undefined],
  ];
  for (const [spec, line, input] of cases) {
    const what = JSON.stringify({ ...spec, cmd: undefined });
    t.is(renderCommand(spec), line, what);
    t.is(stdinFor(spec), input, what);
    t.true(scriptOnStdin(spec) === (input !== undefined && spec.stdin === undefined), what);
  }
  // on a terminal no EOF reaches the command: inline, as before
  t.is(renderCommand({ cmd: { script }, become: {} }, true), `sudo -n -H -u root -- sh -c ${q(`sh -c ${q(script)}`)}`);
  t.is(stdinFor({ cmd: { script }, become: { password: 'pw' } }, true), 'pw\n');
});

for (const shell of SHELLS) {
  test(`a script sent over stdin runs as it would inline: output, exit code, $0, stdin at EOF (${shell})`, (t) => {
    const script = `printf '%s|' "it's" '$(id)' "$0"; if read -r x; then echo "read:$x"; else echo eof; fi\n# ${'x'.repeat(STDIN_SCRIPT_MIN)}\nexit 3\n`;
    const inline = spawnSync(shell, ['-c', renderCommand({ cmd: { script } }, true)], { input: '' });
    const spec: CommandSpec = { cmd: { script } };
    t.true(scriptOnStdin(spec));
    const viaStdin = spawnSync(shell, ['-c', renderCommand(spec)], { input: stdinFor(spec) });
    t.is(viaStdin.stdout.toString(), "it's|$(id)|sh|eof\n");
    t.is(viaStdin.stdout.toString(), inline.stdout.toString());
    t.is(viaStdin.status, 3);
    t.is(inline.status, 3);
  });
}

/** A stand-in for `sudo -S -p '' -H -u USER -- CMD…`: reads password lines from stdin as sudo does (three tries), counting them. */
function fakeSudo(dir: string): string {
  const path = join(dir, 'sudo');
  writeFileSync(path, `#!/bin/sh
while [ "$1" != -- ]; do shift; done; shift
n=0
while [ $n -lt 3 ]; do
  IFS= read -r pw || break
  n=$((n + 1))
  if [ "$pw" = "$FAKE_PW" ]; then echo "$n" >> "$ATTEMPTS"; exec "$@"; fi
done
echo "$n" >> "$ATTEMPTS"
echo "sudo: $n incorrect password attempts" >&2
exit 1
`, { mode: 0o755 });
  return dir;
}

test('with a sudo password, a script sent over stdin never reaches sudo: a wrong password costs one attempt, not lines of the script', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rmd-sudo-'));
  try {
    fakeSudo(dir);
    const attempts = join(dir, 'attempts');
    const script = `printf 'ran:%s\\n' "$(id -u)"; if read -r x; then echo "read:$x"; else echo eof; fi\n${'# filler\n'.repeat(STDIN_SCRIPT_MIN / 8)}exit 4\n`;
    const env = { ...process.env, PATH: `${dir}:${process.env.PATH}`, FAKE_PW: "pa ss'w$rd", ATTEMPTS: attempts };
    for (const shell of SHELLS) {
      const ok: CommandSpec = { cmd: { script }, become: { password: "pa ss'w$rd" } };
      t.true(scriptOnStdin(ok));
      const r = spawnSync(shell, ['-c', renderCommand(ok)], { input: stdinFor(ok), env });
      t.is(r.stdout.toString(), `ran:${process.getuid?.()}\neof\n`, shell);
      t.is(r.status, 4, shell);
      t.false(renderCommand(ok).includes('ss\'w$rd'), 'the password is not in the command line');
      const bad: CommandSpec = { cmd: { script }, become: { password: 'wrong' } };
      const b = spawnSync(shell, ['-c', renderCommand(bad)], { input: stdinFor(bad), env });
      t.is(b.status, 1, shell);
      t.is(b.stdout.toString(), '', `${shell}: nothing ran`);
    }
    t.deepEqual(readFileSync(attempts, 'utf8').split('\n').filter(Boolean), ['1', '1', '1', '1'], 'one password line read per run');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a hostile become user is quoted', (t) => {
  t.is(renderCommand({ cmd: { argv: ['id'] }, become: { user: "x'; id #" } }), `sudo -n -H -u 'x'\\''; id #' -- sh -c id`);
});

test('displayCommand masks secrets wherever they appear', (t) => {
  const spec: CommandSpec = { cmd: { argv: ['curl', '-H', 'Authorization: Bearer tok3n', 'https://x'] }, env: { TOKEN: 'tok3n' }, secrets: ['tok3n'] };
  const shown = displayCommand(spec);
  t.false(shown.includes('tok3n'));
  t.is((shown.match(/\*{8}/g) ?? []).length, 2);
  t.true(renderCommand(spec).includes('tok3n'), 'the real command line still carries the value');
});

test('invalid input fails loudly instead of producing a broken command', (t) => {
  t.throws(() => renderCommand({ cmd: { argv: [] } }), { message: /empty argv/ });
  t.throws(() => renderCommand({ cmd: { argv: ['id'] }, env: { 'A;id': '1' } }), { message: /invalid environment variable name/ });
  t.throws(() => renderCommand({ cmd: { argv: ['echo', 'a\0b'] } }), { message: /NUL/ });
});
