// A fleet in miniature: 120 host aliases on one real sshd, run at concurrency 50 the way the
// executor does (facts, then a task, then close at the end of the host's play).
import test from 'ava';
import pLimit from 'p-limit';
import { startSshd, type Sshd } from '../../helpers/sshd.js';
import { alias, host, knownHosts, transport } from './fixture.js';

let sshd: Sshd;
const HOSTS = Array.from({ length: 120 }, (_, i) => alias(i + 1));

test.before(async () => {
  sshd = await startSshd();
});
test.after.always(async () => sshd?.stop());

test('120 hosts at concurrency 50: every host ok, one connection each', async (t) => {
  const { t: tr } = transport(sshd, { knownHostsFile: knownHosts(sshd, HOSTS) });
  const limit = pLimit(50);
  const results = await Promise.all(HOSTS.map((a) => limit(async () => {
    const h = host(sshd, a);
    const fact = await tr.exec(h, { cmd: { argv: ['uname', '-s'] } });
    const task = await tr.exec(h, { cmd: { script: 'echo "$1"; test -d /tmp' } });
    await tr.close(h);
    return { a, fact, task };
  })));
  const bad = results.filter((r) => r.fact.kind !== 'exit' || r.fact.stdout !== 'Linux\n' || r.task.kind !== 'exit' || r.task.exitCode !== 0);
  t.deepEqual(bad, []);
  await tr.closeAll();
  await new Promise((r) => setTimeout(r, 200));
  const extra = HOSTS.filter((a) => sshd.connectionsTo(a) !== 1);
  t.deepEqual(extra, [], 'exactly one connection per host');
});
