// A HostContext on the controller itself (the local transport), for end-to-end module tests.
import { createLocalTransport } from '../../src/transport/local.js';
import type { HostConn } from '../../src/transport/types.js';
import type { HostContext, Module, Outcome, Planned } from '../../src/modules/types.js';

export const localhost: HostConn = { name: 'localhost', address: '127.0.0.1', port: 22, connection: 'local' };

export function localContext(): HostContext {
  const transport = createLocalTransport();
  return { host: localhost, exec: (spec) => transport.exec(localhost, spec) };
}

/** The executor's road for one step: normalize → probe → plan → apply → verify (when changed). */
export async function runStep<A>(m: Module<A>, ctx: HostContext, raw: Record<string, unknown>): Promise<{ args: A; planned: Planned; outcome?: Outcome; verified?: Outcome }> {
  const args = m.normalize ? m.normalize(raw) : (raw as A);
  const state = m.probe ? await m.probe(ctx, args) : undefined;
  const planned = m.plan(args, state);
  if (planned.status !== 'change') return { args, planned };
  const outcome = await m.apply(ctx, args, planned);
  const verified = outcome.status === 'changed' && m.verify ? await m.verify(ctx, args, planned) : undefined;
  return { args, planned, outcome, verified };
}

/** Plan only (dry run). */
export async function planStep<A>(m: Module<A>, ctx: HostContext, raw: Record<string, unknown>): Promise<Planned> {
  const args = m.normalize ? m.normalize(raw) : (raw as A);
  return m.plan(args, m.probe ? await m.probe(ctx, args) : undefined);
}
