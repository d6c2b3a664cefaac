// The local transport: runs steps on the controller itself through zx (connection: local).
// The command line is rendered by the same pure code as ssh's, then run by /bin/sh -c.
import { renderCommand, stdinFor } from './command.js';
import { DEFAULT_MAX_OUTPUT, type CommandSpec, type ExecOutcome, type HostConn, type Transport } from './types.js';

// zx (~0.13 s to load) comes in with the first local step, not with every CLI start.
let zx: Promise<typeof import('zx')> | undefined;

/** Keep the tail of a stream that outgrew its cap (the end of a log is what explains a failure). */
export function capTail(text: string, maxBytes: number): { text: string; truncated: boolean } {
  const buf = Buffer.from(text);
  if (buf.length <= maxBytes) return { text, truncated: false };
  return { text: buf.subarray(buf.length - maxBytes).toString(), truncated: true };
}

export function createLocalTransport(opts: { env?: Record<string, string | undefined> } = {}): Transport {
  return {
    async exec(_host: HostConn, spec: CommandSpec): Promise<ExecOutcome> {
      const started = Date.now();
      const line = renderCommand(spec);
      const input = stdinFor(spec);
      const max = spec.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
      try {
        const { $ } = await (zx ??= import('zx'));
        const p = $({
          nothrow: true,
          quiet: true,
          verbose: false,
          input: input ?? '',
          env: opts.env as NodeJS.ProcessEnv | undefined,
        })`/bin/sh -c ${line}`;
        // Our own timer rather than zx's: we must know it was us, and kill the whole tree.
        let timedOut = false;
        const timer = spec.timeoutMs === undefined ? undefined : setTimeout(() => {
          timedOut = true;
          void p.kill('SIGKILL').catch(() => undefined);
        }, spec.timeoutMs);
        const out = await p.finally(() => clearTimeout(timer));
        const so = capTail(out.stdout, max);
        const se = capTail(out.stderr, max);
        return {
          kind: 'exit',
          exitCode: out.exitCode,
          signal: out.signal ?? undefined,
          stdout: so.text,
          stderr: se.text,
          timedOut,
          truncated: so.truncated || se.truncated || undefined,
          durationMs: Date.now() - started,
        };
      } catch (err) {
        return { kind: 'unreachable', reason: `local exec failed: ${(err as Error).message}` };
      }
    },
    async close() {},
    async closeAll() {},
  };
}
