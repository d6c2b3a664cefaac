// service and canary_reload against a real Apache (Debian's apache2 + mod_php + imagick), run as
// a private instance (its own APACHE_CONFDIR, port, pidfile and logs): serial, one file, so that
// nothing else fights over it. Needs root (keys are read from /proc/PID/mem) and gcc for the
// negative control. Without apache2: fails when CI is set, else skips visibly.
import test from 'ava';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { canaryReloadModule } from '../../src/modules/canary-reload.js';
import { serviceModule } from '../../src/modules/service.js';
import { createFactsKeysMeter } from '../../src/modules/keys.js';
import { apacheInstalled, buildLeakyLibrary, createApacheInstance, type ApacheInstance } from './apache-instance.js';
import { localContext, planStep, runStep } from './local-host.js';

const ctx = localContext();
const installed = await apacheInstalled();
const isRoot = process.getuid?.() === 0;
let apache: ApacheInstance | undefined;

if (!installed || !isRoot) {
  const why = !installed ? 'apache2 is not installed' : 'not running as root';
  if (process.env.CI) test('real Apache is available (CI)', (t) => t.fail(`${why}: .ci/run installs apache2, libapache2-mod-php and php-imagick and runs as root`));
  else test.skip(`real Apache tests skipped: ${why}`, () => undefined);
} else {
  test.before(async () => { apache = await createApacheInstance(); });
  test.after.always(async () => { await apache?.remove(); });

  const svc = (state: string, extra: Record<string, unknown> = {}) => ({ state, confdir: apache!.confdir, status_url: apache!.statusUrl, ...extra });
  const canary = (extra: Record<string, unknown> = {}) => ({ confdir: apache!.confdir, status_url: apache!.statusUrl, health_url: apache!.healthUrl, ...extra });

  test.serial('service started: a stopped Apache is started and serves', async (t) => {
    t.is(await apache!.pid(), null);
    const dry = await planStep(serviceModule, ctx, svc('started'));
    t.is(dry.status, 'change');
    t.regex(dry.summary, /^start apache2 via apache2ctl$/);
    const r = await runStep(serviceModule, ctx, svc('started'));
    t.is(r.outcome?.status, 'changed', r.outcome?.msg);
    t.is(r.verified?.status, 'ok', r.verified?.msg);
    const pid = await apache!.pid();
    t.truthy(pid);
    t.is((r.outcome?.result as { pid_after: number | null }).pid_after, pid);
    t.is((await planStep(serviceModule, ctx, svc('started'))).status, 'ok', 'already running: nothing to do');
    t.is((await fetch(apache!.healthUrl)).status, 200);
  });

  test.serial('service reloaded: graceful, same master, generation +1', async (t) => {
    const pid = await apache!.pid();
    const dry = await planStep(serviceModule, ctx, svc('reloaded'));
    t.regex(dry.summary, new RegExp(`^graceful reload of apache2 \\(master ${pid} keeps its PID; generation (\\d+) → \\d+\\) via apache2ctl$`));
    const gen = Number(/generation (\d+)/.exec(dry.summary)![1]);
    const r = await runStep(serviceModule, ctx, svc('reloaded'));
    t.is(r.outcome?.status, 'changed', r.outcome?.msg);
    t.is(r.verified?.status, 'ok');
    t.is(await apache!.pid(), pid);
    t.true(((r.outcome?.result as { generation: number }).generation) > gen);
    t.regex(await readFile(apache!.errorLog, 'utf8'), /AH00171: Graceful restart requested/);
  });

  test.serial('service restarted: full stop/start, a new master, drain and undrain around it', async (t) => {
    const pid = await apache!.pid();
    const marks = join(apache!.confdir, 'marks');
    const dry = await planStep(serviceModule, ctx, svc('restarted'));
    t.is(dry.summary, `full restart of apache2 (master ${pid} → new master) via apache2ctl`);
    t.is(dry.class, 'stateless');
    const r = await runStep(serviceModule, ctx, svc('restarted', {
      pre_restart: `echo "drain $(cat ${apache!.pidFile})" >> ${marks}`,
      post_restart: `echo "undrain $(cat ${apache!.pidFile})" >> ${marks}`,
      stagger: 1, // ≤ 1 ms of splay: exercised, not waited for
    }));
    t.is(r.outcome?.status, 'changed', r.outcome?.msg);
    t.is(r.verified?.status, 'ok', r.verified?.msg);
    const now = await apache!.pid();
    t.not(now, pid);
    t.regex(r.outcome?.msg ?? '', new RegExp(`full restart: master ${pid} → ${now}`));
    t.is(await readFile(marks, 'utf8'), `drain ${pid}\nundrain ${now}\n`);
  });

  test.serial('canary_reload: 3 real graceful reloads, keys measured, zero growth', async (t) => {
    const pid = await apache!.pid();
    const keysBefore = await createFactsKeysMeter()(ctx, pid!);
    t.true('keys' in keysBefore, JSON.stringify(keysBefore));
    const r = await runStep(canaryReloadModule, ctx, canary({ reloads: 3 }));
    t.regex(r.planned.summary, new RegExp(`^canary: 3 graceful reloads of apache2 \\(master ${pid}, generation \\d+\\); \\d+ keys in use; passes when they grow by at most 0$`));
    t.is(r.outcome?.status, 'changed', r.outcome?.msg);
    const res = r.outcome?.result as Record<string, number | string | null>;
    t.is(res.evidence, 'pthread_keys');
    t.is(res.reloads_done, 3);
    t.is(res.key_growth, 0);
    t.is(res.keys_before, (keysBefore as { keys: number }).keys);
    t.true((res.generation_after as number) - (res.generation_before as number) >= 3, 'every reload advanced the generation');
    t.is(await apache!.pid(), pid, 'the same master survived');
    t.regex(r.outcome?.msg ?? '', /^canary passed: 3 graceful reloads, master \d+ alive, generation \d+ → \d+; keys (\d+) → \1 \(\+0\)$/);
  });

  test.serial('canary_reload without reading keys: generations + alive, and it says so', async (t) => {
    const r = await runStep(canaryReloadModule, ctx, canary({ reloads: 1, keys: 'generation' }));
    t.is(r.outcome?.status, 'changed', r.outcome?.msg);
    t.regex(r.outcome?.msg ?? '', /keys not measured \(not requested \(keys: generation\)\): judged by generations and the master staying alive/);
    t.is((r.outcome?.result as { evidence: string }).evidence, 'generation');
  });

  test.serial('negative control: a library leaking one key per load makes the canary fail with the rate and the forecast', async (t) => {
    const so = await buildLeakyLibrary(apache!.confdir);
    const leakConf = join(apache!.confdir, 'conf-enabled/zz-leaky-key.conf');
    await writeFile(leakConf, `LoadFile ${so}\n`);
    t.teardown(() => rm(leakConf, { force: true }));
    // No restart needed: every reload (the first included) loads the library again, +1 key each.
    const r = await runStep(canaryReloadModule, ctx, canary({ reloads: 5 }));
    t.is(r.planned.status, 'change');
    t.is(r.outcome?.status, 'failed');
    const res = r.outcome?.result as Record<string, number | string | null>;
    t.is(res.key_growth, 5);
    t.is(res.keys_per_reload, 1);
    t.is(res.reloads_left, 1024 - (res.keys_after as number));
    t.regex(String(res.forecast_death), /^\d{4}-\d{2}-\d{2}$/);
    t.regex(r.outcome?.msg ?? '', /^canary failed: leaks 1\.00 key per reload \(keys (\d+) → \d+ over 5 reloads\); 10\d\d reloads left → dies in 2\.8 years at 1 reload\/day \(\d{4}-\d{2}-\d{2}\) \(allowed growth 0\)$/);
    // The plan refuses a canary that could itself kill the master: 1100 reloads ≥ the keys left.
    const big = await planStep(canaryReloadModule, ctx, canary({ reloads: 1100 }));
    t.is(big.status, 'fail');
    t.regex(big.summary, /a canary of 1100 reloads could exhaust master \d+'s pthread keys \(\d+ of 1024 in use\)/);
    t.regex(big.reason ?? '', /full restart/);
    // Cleanup: without the library, a full restart resets the keys to the baseline.
    await rm(leakConf, { force: true });
    const back = await runStep(serviceModule, ctx, svc('restarted'));
    t.is(back.outcome?.status, 'changed', back.outcome?.msg);
    const keys = await createFactsKeysMeter()(ctx, (await apache!.pid())!);
    t.deepEqual('keys' in keys ? keys.keys : keys, res.keys_before, 'a full restart brings the keys back to the baseline');
    t.true((res.keys_after as number) > (res.keys_before as number));
  });

  test.serial('a broken config is refused at plan time, before any action', async (t) => {
    const bad = join(apache!.confdir, 'conf-enabled/zz-broken.conf');
    await writeFile(bad, 'ThisIsNotADirective on\n');
    t.teardown(() => rm(bad, { force: true }));
    const pid = await apache!.pid();
    for (const raw of [svc('restarted'), svc('reloaded')]) {
      const p = await planStep(serviceModule, ctx, raw);
      t.is(p.status, 'fail');
      t.regex(p.reason ?? '', /ThisIsNotADirective/);
    }
    const c = await planStep(canaryReloadModule, ctx, canary());
    t.is(c.status, 'fail');
    t.regex(c.summary, /config test fails/);
    t.is(await apache!.pid(), pid);
  });

  test.serial('service stopped: the master is gone; a canary on a stopped Apache is refused', async (t) => {
    const r = await runStep(serviceModule, ctx, svc('stopped'));
    t.is(r.outcome?.status, 'changed', r.outcome?.msg);
    t.is(r.verified?.status, 'ok');
    t.is(await apache!.pid(), null);
    t.is((await planStep(serviceModule, ctx, svc('stopped'))).status, 'ok');
    const c = await planStep(canaryReloadModule, ctx, canary());
    t.is(c.status, 'fail');
    t.regex(c.summary, /apache2 is not running/);
    const start = await planStep(serviceModule, ctx, svc('reloaded'));
    t.regex(start.summary, /^start apache2 \(not running; a reload starts it\) via apache2ctl$/);
  });
}
