import test from 'ava';
import { join } from 'node:path';
import { openJournal, type LockOwner } from '../../src/journal/index.js';
import { steppingClock, tempDir } from './helpers/tmp.js';

const T0 = Date.parse('2026-11-27T09:30:00Z');

function setup(t: Parameters<typeof tempDir>[0]) {
  const j = openJournal(join(tempDir(t), 'journal.db'), { now: steppingClock() });
  t.teardown(() => j.close());
  const start = () => j.startRun({ command: 'apply', user: 'ops', controllerHost: 'ctl', argv: [], inventoryPaths: [], connection: { hosts: {} } });
  return { j, a: start(), b: start() };
}

const owner = (pid: number, controllerHost = 'ctl', alive: number[] = [100, 200]): LockOwner => ({
  pid,
  controllerHost,
  isAlive: (p) => alive.includes(p),
});

test('a free host is taken; a second run is refused and told who holds it', (t) => {
  const { j, a, b } = setup(t);
  t.deepEqual(j.acquireHostLock(a, 'web1', owner(100)), { ok: true });
  const res = j.acquireHostLock(b, 'web1', owner(200));
  t.false(res.ok);
  t.deepEqual(!res.ok && res.heldBy, { runId: a, pid: 100, controllerHost: 'ctl', since: T0 + 2000 });
  t.deepEqual(j.acquireHostLock(b, 'web2', owner(200)), { ok: true }, 'other hosts are independent');
});

test('the same process of the same run may take its lock again; another process of that run may not', (t) => {
  const { j, a } = setup(t);
  t.true(j.acquireHostLock(a, 'web1', owner(100)).ok);
  t.true(j.acquireHostLock(a, 'web1', owner(100)).ok);
  t.false(j.acquireHostLock(a, 'web1', owner(200)).ok, 'a resume while the original apply still lives must wait');
});

test('a dead controller’s lock on this machine is taken over and reported as stale', (t) => {
  const { j, a, b } = setup(t);
  t.true(j.acquireHostLock(a, 'web1', owner(100)).ok);
  const res = j.acquireHostLock(b, 'web1', owner(200, 'ctl', [200])); // pid 100 has died
  t.deepEqual(res, { ok: true, stale: { runId: a, pid: 100, controllerHost: 'ctl', since: T0 + 2000 } });
  t.deepEqual(j.hostLocks(), [{ host: 'web1', runId: b, pid: 200, controllerHost: 'ctl', since: T0 + 3000 }]);
  t.false(j.releaseHostLock(a, 'web1'), 'the old run no longer holds it');
});

test('a lock held from another controller host is never judged stale from here', (t) => {
  const { j, a, b } = setup(t);
  t.true(j.acquireHostLock(a, 'web1', owner(100, 'ctl-other')).ok);
  const res = j.acquireHostLock(b, 'web1', owner(200, 'ctl', [200]));
  t.like(res, { ok: false, heldBy: { controllerHost: 'ctl-other', pid: 100 } });
  t.like(j.breakHostLock('web1'), { runId: a, controllerHost: 'ctl-other' });
  t.true(j.acquireHostLock(b, 'web1', owner(200)).ok, 'free after an explicit break');
});

test('release frees one host of the run; releaseRunLocks frees all of them and only them', (t) => {
  const { j, a, b } = setup(t);
  for (const h of ['web1', 'web2', 'web3']) j.acquireHostLock(a, h, owner(100));
  j.acquireHostLock(b, 'db1', owner(200));
  t.false(j.releaseHostLock(b, 'web1'), 'a run cannot release another run’s lock');
  t.true(j.releaseHostLock(a, 'web1'));
  t.true(j.acquireHostLock(b, 'web1', owner(200)).ok);
  t.is(j.releaseRunLocks(a), 2);
  t.deepEqual(j.hostLocks().map((l) => [l.host, l.runId]), [
    ['db1', b],
    ['web1', b],
  ]);
  t.is(j.releaseRunLocks(a), 0);
});
