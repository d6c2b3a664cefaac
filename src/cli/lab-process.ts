// The lab's ProcessControl on this machine: liveness and signals through process.kill, and the
// daemon started as this node running lab-daemon.js (lab-daemon.ts with the tsx loader when the
// CLI itself runs from source, as under the tests).
import { fileURLToPath } from 'node:url';
import type { ProcessControl } from '../lab/index.js';

function daemonArgs(): string[] {
  const here = import.meta.url;
  const fromSource = here.endsWith('.ts');
  const entry = fileURLToPath(new URL(fromSource ? './lab-daemon.ts' : './lab-daemon.js', here));
  if (!fromSource) return [entry];
  let loader = 'tsx';
  try {
    loader = import.meta.resolve('tsx');
  } catch {
    // resolved by node from the daemon's cwd
  }
  return ['--import', loader, entry];
}

export function labProcessControl(nodePath: string = process.execPath): ProcessControl {
  return {
    isAlive(pid) {
      try {
        process.kill(pid, 0);
        return true;
      } catch (e) {
        return (e as NodeJS.ErrnoException).code === 'EPERM';
      }
    },
    signal(pid, sig) {
      try {
        process.kill(pid, sig);
      } catch {
        // already gone
      }
    },
    nodePath,
    daemonArgs: daemonArgs(),
  };
}
