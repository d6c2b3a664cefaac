// Undo one host's recorded steps, newest first, through each module's inverse. Every replay is
// marked `started` in the journal before it runs, so a crash mid-rollback stays visible.
import type { ModuleRegistry } from '../modules/registry.js';
import type { HostContext } from '../modules/types.js';

export interface UndoStep {
  id: number;
  task: string;
  module: string;
  class: string;
  inverse?: unknown;
}

export interface UndoRecorder {
  rollback(stepId: number, r: { status: 'started' | 'restored' | 'failed' | 'skipped'; msg?: string }): void;
}

export async function undoHost(steps: readonly UndoStep[], ctx: HostContext, modules: ModuleRegistry, rec: UndoRecorder): Promise<{ status: 'restored' | 'failed'; msg?: string }> {
  const problems: string[] = [];
  for (const s of steps) {
    const m = modules.get(s.module);
    if (s.class === 'irreversible' || s.inverse === undefined || !m?.rollback) {
      rec.rollback(s.id, { status: 'skipped', msg: `${s.task}: ${s.class === 'irreversible' ? 'irreversible' : 'no inverse recorded'}` });
      if (s.class === 'irreversible') problems.push(`${s.task}: irreversible, left as is`);
      continue;
    }
    rec.rollback(s.id, { status: 'started' });
    let o;
    try {
      o = await m.rollback(ctx, s.inverse);
    } catch (e) {
      o = { status: 'failed' as const, msg: (e as Error).message };
    }
    if (o.status === 'failed' || o.status === 'unreachable') {
      rec.rollback(s.id, { status: 'failed', msg: o.msg });
      problems.push(`${s.task}: ${o.msg ?? o.status}`);
      if (o.status === 'unreachable') break;
    } else {
      rec.rollback(s.id, { status: 'restored' });
    }
  }
  return problems.length ? { status: 'failed', msg: problems.join('; ') } : { status: 'restored' };
}
