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

/**
 * The daemon's V8 heap cap: what 3000 probed hosts keep alive is ~150 MB, but an uncapped heap
 * grows to ~3× that before V8 collects (563 MB RSS after a 3000-host check); capped at 278 MB
 * the same check ends at ~310 MB RSS for the same CPU (measured 42.3 vs 42.5 s).
 */
export function labHeapMb(hosts: number): number {
  return Math.ceil(128 + hosts * 0.05);
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
    // Young generation of 32 MB semi-spaces (V8's default is 16): the probes' garbage is
    // collected half as often, and each connection's buffers are copied out of it less (3000-host
    // check: scavenges ~770 taking 4.4-5.0 s -> 393-413 taking 3.1-3.4 s; RSS 307 -> 328-342 MB).
    nodeFlags: (hosts) => [`--max-old-space-size=${labHeapMb(hosts)}`, '--max-semi-space-size=32'],
  };
}
