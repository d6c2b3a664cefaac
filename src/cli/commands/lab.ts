// lab up|status|advance|down: the simulated fleet (src/lab) behind loopback SSH, for rehearsals.
import path from 'node:path';
import { labAdvance, labDown, labStatus, labUp, LabError, PROFILES, statusSummary, hashLines, mutationLines, type ProcessControl } from '../../lab/index.js';
import { EXIT } from '../../report/exit-codes.js';
import type { Io } from '../io.js';
import { labProcessControl } from '../lab-process.js';

export interface LabOptions {
  inventory?: string;
  hosts?: number;
  profile?: string;
  seed?: number;
  days?: number;
  json?: boolean;
  perHost?: boolean;
  hash?: boolean;
  mutations?: boolean;
}

const DEFAULT_INVENTORY = path.join('inventories', 'lab.yml');

/** `proc`: how the lab's daemon is started, probed and signalled (this machine's processes by default). */
export async function labCommand(action: 'up' | 'status' | 'advance' | 'down', opts: LabOptions, io: Io, proc: ProcessControl = labProcessControl()): Promise<number> {
  const inventoryPath = path.resolve(io.cwd, opts.inventory ?? DEFAULT_INVENTORY);
  try {
    switch (action) {
      case 'up': {
        const profile = opts.profile ?? 'incident';
        if (!(PROFILES as readonly string[]).includes(profile)) {
          io.err(`remediate lab up: --profile: expected one of ${PROFILES.join(', ')}, found '${profile}'\n`);
          return EXIT.BAD_INPUT;
        }
        const r = await labUp({ hosts: opts.hosts ?? 300, profile: profile as (typeof PROFILES)[number], seed: opts.seed ?? 1, inventoryPath }, proc);
        const rel = path.relative(io.cwd, inventoryPath) || inventoryPath;
        if (opts.json) io.out(JSON.stringify({ ...r.state, readyMs: r.readyMs, inventory: inventoryPath }) + '\n');
        else io.out(`lab up: ${r.state.hosts} hosts (${profile}, seed ${r.state.seed}) ready in ${(r.readyMs / 1000).toFixed(1)} s, pid ${r.state.pid}\ninventory: ${rel}  (try: remediate plan playbooks/imagick.yml -i ${rel})\n`);
        return EXIT.OK;
      }
      case 'status': {
        const s = await labStatus(inventoryPath, { perHost: opts.perHost || opts.hash || opts.mutations, hash: opts.hash });
        // --hash / --mutations: one sorted `HOST VALUE` line per host, to diff before and after.
        io.out(opts.hash ? hashLines(s) : opts.mutations ? mutationLines(s) : opts.json ? JSON.stringify(s) + '\n' : statusSummary(s) + '\n');
        return EXIT.OK;
      }
      case 'advance': {
        const s = await labAdvance(inventoryPath, opts.days ?? 1);
        io.out(opts.json ? JSON.stringify(s) + '\n' : statusSummary(s) + '\n');
        return EXIT.OK;
      }
      case 'down': {
        const r = await labDown(inventoryPath, proc);
        io.out(r.stopped ? `lab down: stopped pid ${r.pid}\n` : 'lab down: no lab was running\n');
        return EXIT.OK;
      }
    }
  } catch (e) {
    if (e instanceof LabError) {
      io.err(`remediate lab ${action}: ${e.message}\n`);
      return e.code === 'bad-input' || e.code === 'already-running' || e.code === 'not-running' ? EXIT.BAD_INPUT : EXIT.FAILED;
    }
    throw e;
  }
}
