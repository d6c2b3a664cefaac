// One command on one open connection: an exec channel, stdin fed (sudo's password first),
// both streams captured with their tails kept, exit code or signal returned as a value.
// A timeout kills the remote process (signal request) and closes the channel.
import type { Client, ClientChannel, PseudoTtyOptions } from 'ssh2';
import { renderCommand, stdinFor } from '../command.js';
import { maskSecrets } from '../quote.js';
import { DEFAULT_MAX_OUTPUT, type CommandSpec, type ExecResult } from '../types.js';
import { TailBuffer } from './output.js';

export type RawExec =
  | ExecResult
  /** The server refused the channel (e.g. MaxSessions reached). Nothing ran. */
  | { kind: 'open-failed'; message: string }
  /** The connection went away before the command finished. notStarted: nothing was sent. */
  | { kind: 'lost'; message: string; notStarted?: boolean };

/** How long to wait for the channel to close after a timeout kill before giving up on it. */
const KILL_GRACE_MS = 5000;

/** Terminal modes for a pty that neither echoes input (sudo's password) nor rewrites newlines. */
const PTY: PseudoTtyOptions = { term: 'dumb', rows: 24, cols: 200, height: 0, width: 0, modes: { ECHO: 0, ONLCR: 0 } };

export function runExec(client: Client, spec: CommandSpec, opts: { pty: boolean; isLost(): boolean; onStuck(): void }): Promise<RawExec> {
  const started = Date.now();
  const line = renderCommand(spec, opts.pty);
  const input = stdinFor(spec, opts.pty);
  const max = spec.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  const secrets = [...(spec.secrets ?? []), ...(spec.become?.password ? [spec.become.password] : [])];
  return new Promise((resolve) => {
    const out = new TailBuffer(max);
    const err = new TailBuffer(max);
    let exitCode: number | null = null;
    let signal: string | undefined;
    let gotExit = false;
    let timedOut = false;
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    let grace: NodeJS.Timeout | undefined;

    const finish = (lost: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(grace);
      if (lost && !timedOut) {
        resolve({ kind: 'lost', message: 'connection lost while the command was running (its outcome is unknown)' });
        return;
      }
      resolve({
        kind: 'exit',
        exitCode,
        signal,
        stdout: maskSecrets(opts.pty && spec.become?.password !== undefined ? stripSudoNewline(out.text()) : out.text(), secrets),
        stderr: maskSecrets(err.text(), secrets),
        timedOut,
        truncated: out.truncated || err.truncated || undefined,
        durationMs: Date.now() - started,
      });
    };

    let channel: ClientChannel | undefined;
    const kill = (stream: ClientChannel) => {
      sendSignal(stream, 'KILL');
      try {
        stream.close();
      } catch {
        // already closing
      }
    };
    // The timeout runs from the request, so a server that never opens the channel cannot hang us.
    if (spec.timeoutMs !== undefined && spec.timeoutMs > 0) {
      timer = setTimeout(() => {
        timedOut = true;
        // Without a channel yet, it is killed as soon as it opens (see onChannel).
        if (channel) kill(channel);
        grace = setTimeout(() => {
          // No channel, or the server did not close it: give up on this connection (reopened later).
          opts.onStuck();
          finish(false);
        }, KILL_GRACE_MS);
      }, spec.timeoutMs);
    }

    const onChannel = (e: Error | undefined, stream: ClientChannel) => {
      if (done) {
        if (!e) kill(stream); // opened after we gave up on it
        return;
      }
      if (e) {
        done = true;
        clearTimeout(timer);
        clearTimeout(grace);
        // The request may have reached the server (which may have started the command) before
        // the connection died, so this is never "not started": it must not be run again.
        const lost = opts.isLost() || /No response from server|Not connected/i.test(e.message);
        resolve(lost ? { kind: 'lost', message: `connection lost while starting the command (${e.message}); it may have run` } : { kind: 'open-failed', message: e.message });
        return;
      }
      channel = stream;
      stream.on('data', (d: Buffer) => out.push(d));
      stream.stderr.on('data', (d: Buffer) => err.push(d));
      stream.on('error', () => undefined);
      stream.stderr.on('error', () => undefined);
      stream.on('exit', (code: number | null, sig?: string) => {
        gotExit = true;
        if (typeof code === 'number') exitCode = code;
        if (sig) signal = sig.startsWith('SIG') ? sig : `SIG${sig}`;
      });
      stream.on('close', () => finish(!gotExit && opts.isLost()));
      if (timedOut) return kill(stream);
      // With a pty, EOF would hang up the terminal: write the input and leave it open.
      if (opts.pty) {
        if (input !== undefined) stream.write(input);
      } else {
        stream.end(input);
      }
    };

    try {
      if (opts.pty) client.exec(line, { pty: PTY }, onChannel);
      else client.exec(line, onChannel);
    } catch (e) {
      done = true;
      clearTimeout(timer);
      resolve({ kind: 'lost', message: (e as Error).message, notStarted: true });
    }
  });
}

/** sudo refused because the host wants a terminal (RHEL `Defaults requiretty`). */
export function sudoWantsTty(r: ExecResult): boolean {
  return r.exitCode === 1 && /sorry, you must have a tty/i.test(r.stderr + r.stdout);
}

/**
 * Ask the server to signal the remote process. ssh2's Channel.signal() refuses once our side
 * sent EOF (stdin closed), which is always the case here, so talk to the protocol directly
 * while the channel is still open. Servers may ignore it; closing the channel follows anyway.
 */
function sendSignal(stream: ClientChannel, name: string): void {
  const ch = stream as unknown as {
    outgoing?: { id: number; state: string };
    _client?: { _protocol?: { signal(id: number, sig: string): void } };
  };
  try {
    if (ch.outgoing && (ch.outgoing.state === 'open' || ch.outgoing.state === 'eof') && ch._client?._protocol) ch._client._protocol.signal(ch.outgoing.id, name);
    else stream.signal(name);
  } catch {
    // best effort
  }
}

/** With a pty, `sudo -S` ends its silent password read with a newline of its own. */
function stripSudoNewline(text: string): string {
  return text.startsWith('\r\n') ? text.slice(2) : text.startsWith('\n') ? text.slice(1) : text;
}
