// The lab's background process: `node lab-daemon.js '<DaemonOptions JSON>'`, started by labUp()
// with an IPC channel it reports readiness on. Everything that touches `process` (argv, the IPC
// channel, signals, the exit) is here; the lab itself is runDaemon() in src/lab.
import { runDaemon, type DaemonOptions } from '../lab/index.js';

const send = (m: unknown) => new Promise<void>((res) => (process.send ? process.send(m, () => res()) : res()));

try {
  const o = JSON.parse(process.argv[2] ?? '') as DaemonOptions;
  const { state, stop } = await runDaemon(o, process.pid, () => process.exit(0));
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
  console.error(`${new Date().toISOString()} lab up: ${o.hosts} hosts, profile ${o.profile}, seed ${o.seed}, control ${o.socketPath}`);
  await send({ ready: true, state });
  process.disconnect?.();
} catch (e) {
  console.error(`${new Date().toISOString()} lab failed to start: ${(e as Error).stack ?? e}`);
  await send({ ready: false, error: (e as Error).message });
  process.exit(1);
}
