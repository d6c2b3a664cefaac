// meta: flush_handlers — run the handlers notified so far, now (like Ansible's), e.g. a full
// restart before the canary measures the master. The engine acts on it; the module only plans.
import type { Module } from './types.js';

export const metaModule: Module<string> = {
  name: 'meta',
  schema: { type: 'string', enum: ['flush_handlers'] },
  normalize: (raw) => String(raw),
  plan: () => ({ status: 'ok', summary: 'flush handlers', class: 'stateless' }),
  async apply() {
    return { status: 'ok' };
  },
};
