import test from 'ava';
import { defaultJournalPath } from '../../src/journal/index.js';

const cases: { name: string; env: Record<string, string | undefined>; expected: string }[] = [
  { name: 'XDG_STATE_HOME set', env: { XDG_STATE_HOME: '/var/lib/ops/state' }, expected: '/var/lib/ops/state/remediate/journal.db' },
  { name: 'XDG_STATE_HOME unset', env: {}, expected: '/home/ops/.local/state/remediate/journal.db' },
  { name: 'XDG_STATE_HOME empty', env: { XDG_STATE_HOME: '' }, expected: '/home/ops/.local/state/remediate/journal.db' },
  { name: 'XDG_STATE_HOME relative (invalid per the spec, ignored)', env: { XDG_STATE_HOME: 'state' }, expected: '/home/ops/.local/state/remediate/journal.db' },
];

for (const c of cases) {
  test(`defaultJournalPath: ${c.name}`, (t) => {
    t.is(defaultJournalPath(c.env, '/home/ops'), c.expected);
  });
}
