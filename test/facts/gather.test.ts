// gatherFacts' outcomes besides facts: a probe that never ran, and one cut at its time limit.
import test from 'ava';
import { gatherFacts } from '../../src/facts/gather.js';
import { FACTS } from '../../src/facts/index.js';
import type { ProbeOutput } from '../../src/facts/types.js';

const nonce = 'abcdefgh12345678';

test('a probe cut at its time limit fails the host with the limit, and nothing is judged from half a batch', async (t) => {
  const cases: { title: string; out: ProbeOutput; want: RegExp | 'facts' }[] = [
    { title: 'header and a section, then cut', out: { stdout: `@@remediate-batch ${nonce}@@\n@@${nonce} os@@\nID=debian\n`, stderr: '', exitCode: null, timedOutAfterMs: 300_000 }, want: /^the fact probe did not finish within 300 s \(a command on the host hangs/ },
    { title: 'cut before anything', out: { stdout: '', stderr: '', exitCode: null, timedOutAfterMs: 1500 }, want: /within 1\.5 s/ },
    { title: 'finished in time', out: { stdout: `@@remediate-batch ${nonce}@@\n`, stderr: '', exitCode: 0 }, want: 'facts' },
  ];
  for (const c of cases) {
    const g = await gatherFacts(async () => c.out, [FACTS.os], { vars: {} }, { nonce });
    if (c.want === 'facts') t.is(g.kind, 'facts', c.title);
    else {
      t.is(g.kind, 'failed', c.title);
      t.regex((g as { reason: string }).reason, c.want, c.title);
    }
  }
});
