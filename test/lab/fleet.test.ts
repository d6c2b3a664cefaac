// An in-process fleet reached over real ssh2 connections: a fact probe and an atomic write.
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { parse } from 'yaml';
import { startLab } from '../../src/lab/lab.js';
import { atomicWriteScript, fileProbeScript, parseFileProbe } from '../../src/modules/copy.js';
import { OS_PROBE, parseOs } from '../../src/facts/os.js';

function exec(host: string, port: number, key: string, cmd: string, stdin?: string): Promise<{ code: number; out: string; err: string }> {
  return new Promise((res, rej) => {
    const c = new ssh2.Client();
    c.on('ready', () => c.exec(cmd, (e, s) => {
      if (e) return rej(e);
      let out = '', err = '', code = -1;
      s.on('data', (d: Buffer) => { out += d; });
      s.stderr.on('data', (d: Buffer) => { err += d; });
      s.on('exit', (n: number) => { code = n; });
      s.on('close', () => { c.end(); res({ code, out, err }); });
      s.end(stdin);
    })).on('error', rej).connect({ host, port, username: 'lab', privateKey: key });
  });
}

test('a 50-host lab answers a fact probe and an atomic write over ssh', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lab-'));
  const lab = await startLab({ hosts: 50, profile: 'mixed', seed: 7, inventoryPath: join(dir, 'lab.yml'), basePort: 0 });
  try {
    const inv = parse(readFileSync(lab.inventoryPath, 'utf8'));
    const names = Object.keys(inv.all.hosts);
    t.is(names.length, 50);
    const key = readFileSync(lab.privateKeyPath, 'utf8');
    const sh = (s: string) => `sh -c '${s.replace(/'/g, "'\\''")}'`;
    for (const name of names.slice(0, 10)) {
      const h = inv.all.hosts[name];
      const host = lab.hosts.find((x) => x.spec.name === name)!;
      const r = await exec(h.ansible_host, h.ansible_port, key, sh(OS_PROBE));
      t.is(r.code, 0, r.err);
      const os = parseOs({ stdout: r.out, stderr: r.err, exitCode: r.code });
      t.is(os.family, host.d.family, name);
      t.truthy(os.clockEpoch);
    }
    // an atomic write as the product's copy module does it, with become
    const h0 = inv.all.hosts[names[0]];
    const path = '/etc/remediate-test.conf';
    const w = await exec(h0.ansible_host, h0.ansible_port, key, `sudo -n -H -u root -- sh -c '${atomicWriteScript(path, '0640', 'root', 'root').replace(/'/g, "'\\''")}'`, Buffer.from('a=1\n').toString('base64') + '\n');
    t.is(w.code, 0, w.err);
    const p = await exec(h0.ansible_host, h0.ansible_port, key, `sudo -n -H -u root -- ${sh(fileProbeScript(path))}`);
    const st = parseFileProbe(p.out, path);
    t.true(st.exists);
    t.is(st.mode, '0640');
    t.is(Buffer.from(st.content ?? '', 'base64').toString(), 'a=1\n');
    // without become the same write is refused, as on a real host
    const denied = await exec(h0.ansible_host, h0.ansible_port, key, sh(atomicWriteScript('/etc/other.conf', '0644')), 'eA==\n');
    t.not(denied.code, 0);
    t.regex(denied.err, /Permission denied/);
    t.true(lab.hosts[0].mutations > 0);
  } finally {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
