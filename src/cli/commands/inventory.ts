// inventory --list | --graph: the same JSON shape as ansible-inventory, -l filtering both.
import { inventoryGraph, inventoryListJson } from '../../inventory/index.js';
import { InputError, renderProblems } from '../../source/errors.js';
import { EXIT } from '../../report/exit-codes.js';
import type { Io } from '../io.js';
import { loadInventoryView, type HostOptions } from '../setup.js';

export async function inventoryCommand(opts: HostOptions & { list?: boolean; graph?: boolean }, io: Io): Promise<number> {
  if (!opts.list && !opts.graph) {
    io.err('remediate inventory: expected --list or --graph\n');
    return EXIT.BAD_INPUT;
  }
  try {
    const { inv, limit } = await loadInventoryView(opts, io);
    const selected = limit ? [...limit] : undefined;
    if (limit && limit.size === 0) io.err(`[WARNING]: --limit '${opts.limit}' matched no hosts\n`);
    if (opts.graph) io.out(inventoryGraph(inv, selected) + '\n');
    else io.out(JSON.stringify(inventoryListJson(inv, selected), null, 4) + '\n');
    return EXIT.OK;
  } catch (e) {
    if (e instanceof InputError) {
      io.err(renderProblems(e.problems) + '\n');
      return EXIT.BAD_INPUT;
    }
    throw e;
  }
}
