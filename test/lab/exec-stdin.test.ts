// How the lab's sshd hands a channel's stdin to the command: as on a real host, a command that
// reads stdin gets every byte the client sends up to EOF, however late the bytes arrive (the
// controller writes them only after the exec reply, and may be busy for a while under load).
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { startLab, type RunningLab as Lab } from '../../src/lab/lab.js';
import { atomicWriteScript } from '../../src/modules/copy.js';
import { ORIGINAL_ALLOC } from '../../src/lab/ssh-padding.js';

interface Run { code: number; out: string; err: string }

/** exec `cmd`; after `delayMs` write `stdin` and (unless `keepOpen`) send EOF. */
function exec(lab: Lab, key: string, cmd: string, o: { stdin?: string; delayMs: number; keepOpen?: boolean; pty?: boolean }): Promise<Run> {
  const h = lab.hosts[0].spec;
  return new Promise((res, rej) => {
    const c = new ssh2.Client();
    c.on('ready', () => c.exec(cmd, o.pty ? { pty: { rows: 24, cols: 80, term: 'vt100' } } : {}, (e, s) => {
      if (e) return rej(e);
      let out = '', err = '', code = -1;
      s.on('data', (d: Buffer) => { out += d; });
      s.stderr.on('data', (d: Buffer) => { err += d; });
      s.on('exit', (n: number) => { code = n; });
      s.on('close', () => { c.end(); res({ code, out, err }); });
      setTimeout(() => {
        if (o.stdin !== undefined) s.write(o.stdin);
        if (!o.keepOpen) s.end();
      }, o.delayMs);
    })).on('error', rej).connect({ host: h.address, port: h.port, username: 'lab', privateKey: key });
  });
}

let lab: Lab;
let key: string;
let dir: string;
test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lab-stdin-'));
  lab = await startLab({ hosts: 1, profile: 'mixed', seed: 3, inventoryPath: join(dir, 'lab.yml'), basePort: 0 });
  key = readFileSync(lab.privateKeyPath, 'utf8');
});
test.after.always(async () => {
  await lab?.close();
  rmSync(dir, { recursive: true, force: true });
});

const b64 = Buffer.from('imagick.set_single_thread = 1\n').toString('base64') + '\n';
const cases: { name: string; cmd: string; stdin?: string; delayMs: number; keepOpen?: boolean; pty?: boolean; out: string }[] = [
  { name: 'cat: bytes sent right away', cmd: 'cat', stdin: 'abc\n', delayMs: 0, out: 'abc\n' },
  { name: 'cat: bytes sent 600 ms after the exec reply still reach it', cmd: 'cat', stdin: 'late\n', delayMs: 600, out: 'late\n' },
  { name: 'atomic write fed late writes the late bytes', cmd: `sudo -n sh -c '${atomicWriteScript('/etc/late.ini', '0644').replace(/'/g, "'\\''")}' && cat /etc/late.ini`, stdin: b64, delayMs: 600, out: 'imagick.set_single_thread = 1\n' },
  { name: 'no stdin, EOF late: the command still runs', cmd: 'echo hi', delayMs: 400, out: 'hi\n' },
  // Clients that never close stdin (ssh from a terminal; ansible's -tt): a command that does
  // not read it still answers.
  { name: 'stdin never closed, no pty: answers', cmd: 'echo open', delayMs: 0, keepOpen: true, out: 'open\n' },
  { name: 'stdin never closed, pty: answers', cmd: 'echo tty', delayMs: 0, keepOpen: true, pty: true, out: 'tty\n' },
];

for (const c of cases) {
  test.serial(c.name, async (t) => {
    const r = await exec(lab, key, c.cmd, c);
    t.is(r.code, 0, r.err);
    t.is(r.out.replace(/\r\n/g, '\n'), c.out);
  });
}

test.serial('a channel closed before EOF (a client giving up on a command): the command runs with what arrived, and the lab keeps serving', async (t) => {
  const h = lab.hosts[0].spec;
  await new Promise<void>((res, rej) => {
    const c = new ssh2.Client();
    c.on('ready', () => c.exec("sh -c 'cat > /tmp/partial; echo out; echo err >&2'", (e, s) => {
      if (e) return rej(e);
      s.on('error', () => undefined);
      s.write('abc');
      // no EOF: the client closes the channel (the product's transport does on a timeout)
      setTimeout(() => { s.close(); setTimeout(() => { c.end(); res(); }, 100); }, 100);
    })).on('error', () => undefined).connect({ host: h.address, port: h.port, username: 'lab', privateKey: key });
  });
  await new Promise((r) => setTimeout(r, 300));
  const r = await exec(lab, key, 'cat /tmp/partial', { delayMs: 0 });
  t.is(r.code, 0, r.err);
  t.is(r.out, 'abc');
});

test.serial('300 KB each way through the lab: its packets pad from a pooled CSPRNG buffer, with ssh2\'s own packet layout', async (t) => {
  const payload = 'x'.repeat(300_000) + '\n';
  const r = await exec(lab, key, 'cat', { stdin: payload, delayMs: 0 });
  t.is(r.code, 0, r.err);
  t.is(r.out, payload);
  // The client in this process negotiates the same cipher class the lab patched.
  const h = lab.hosts[0].spec;
  const c = new ssh2.Client();
  await new Promise<void>((res, rej) => c.once('ready', res).once('error', rej).connect({ host: h.address, port: h.port, username: 'lab', privateKey: key }));
  t.teardown(() => c.end());
  const cipher = (c as unknown as { _protocol: { _cipher: Record<PropertyKey, (n: number) => Buffer> } })._protocol._cipher;
  const original = cipher[ORIGINAL_ALLOC];
  t.is(typeof original, 'function', `the lab patched ${cipher.constructor.name}`);
  for (let n = 0; n < 300; n++) {
    const mine = cipher.allocPacket!(n);
    const theirs = original!.call(cipher, n);
    t.is(mine.length, theirs.length);
    t.deepEqual(mine.subarray(0, 5), theirs.subarray(0, 5), `payload ${n}: length and padding-length bytes`);
  }
});
