// ini and lineinfile end to end on real files (local transport, temp dir): plan → apply → verify
// → rollback gives back the exact bytes, mode and owner; a symlink is never replaced.
import test from 'ava';
import { createHash } from 'node:crypto';
import { chown, lstat, mkdir, mkdtemp, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { iniModule } from '../../src/modules/ini.js';
import { lineinfileModule } from '../../src/modules/lineinfile.js';
import { localContext, planStep, runStep } from './local-host.js';

const ctx = localContext();
const PRELOAD = 'export LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libgomp.so.1';

async function tmp(t: { teardown(fn: () => Promise<void>): void }): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'remediate-edit-'));
  t.teardown(() => rm(d, { recursive: true, force: true }));
  return d;
}

async function snapshot(path: string): Promise<{ sha: string; mode: string; uid: number; gid: number }> {
  const [b, s] = await Promise.all([readFile(path), stat(path)]);
  return { sha: createHash('sha256').update(b).digest('hex'), mode: (s.mode & 0o7777).toString(8), uid: s.uid, gid: s.gid };
}

/** A Debian-like php tree: mods-available/imagick.ini and apache2/conf.d/20-imagick.ini → it. */
async function debianPhpTree(root: string): Promise<{ shared: string; link: string; confd: string }> {
  await mkdir(join(root, 'mods-available'), { recursive: true });
  await mkdir(join(root, 'apache2/conf.d'), { recursive: true });
  const shared = join(root, 'mods-available/imagick.ini');
  await writeFile(shared, '; configuration for php imagick module\n; priority=20\nextension=imagick.so\n');
  const link = join(root, 'apache2/conf.d/20-imagick.ini');
  await symlink('../../mods-available/imagick.ini', link);
  return { shared, link, confd: join(root, 'apache2/conf.d') };
}

test('ini: edit a regular file keeping owner and mode; rollback restores the exact bytes', async (t) => {
  const d = await tmp(t);
  const f = join(d, 'php.ini');
  const original = '[PHP]\r\nmemory_limit = 128M\r\n; imagick.set_single_thread = 1\r\nimagick.set_single_thread = 0 ; operator test\r\n';
  await writeFile(f, original, { mode: 0o640 });
  await chown(f, 33, 4); // www-data:adm — not what a plain write would give
  const before = await snapshot(f);
  const raw = { path: f, key: 'imagick.set_single_thread', value: 1 };

  const dry = await planStep(iniModule, ctx, raw);
  t.is(dry.status, 'change');
  t.is(dry.class, 'reversible');
  t.regex(dry.diff ?? '', /-imagick\.set_single_thread = 0 ; operator test\r?\n\+imagick\.set_single_thread = 1/);
  t.deepEqual(await snapshot(f), before, 'planning wrote nothing');

  const r = await runStep(iniModule, ctx, raw);
  t.is(r.outcome?.status, 'changed');
  t.is(r.verified?.status, 'ok');
  t.is(await readFile(f, 'utf8'), original.replace('imagick.set_single_thread = 0 ; operator test', 'imagick.set_single_thread = 1'));
  const after = await snapshot(f);
  t.deepEqual([after.mode, after.uid, after.gid], ['640', 33, 4]);
  t.is((await planStep(iniModule, ctx, raw)).status, 'ok', 'second run: nothing to do');

  const back = await iniModule.rollback!(ctx, r.planned.inverse as never);
  t.is(back.status, 'changed');
  t.deepEqual(await snapshot(f), before);
  t.deepEqual((await readdirNames(d)), ['php.ini'], 'no temp file left behind');
});

test('ini: a symlink shared with the CLI is refused, never written through nor replaced', async (t) => {
  const d = await tmp(t);
  const { shared, link } = await debianPhpTree(d);
  const before = await snapshot(shared);
  const p = await planStep(iniModule, ctx, { path: link, key: 'imagick.set_single_thread', value: '1' });
  t.is(p.status, 'fail');
  t.regex(p.reason ?? '', /is a symlink to \.\.\/\.\.\/mods-available\/imagick\.ini/);
  t.regex(p.reason ?? '', /99-remediate-imagick\.ini/, 'points at the drop-in pattern');
  t.true((await lstat(link)).isSymbolicLink());
  t.deepEqual(await snapshot(shared), before);
});

test('ini: through a symlink that already has the value is ok (reading is harmless)', async (t) => {
  const d = await tmp(t);
  const { shared, link } = await debianPhpTree(d);
  await writeFile(shared, 'extension=imagick.so\nimagick.set_single_thread=1\n');
  t.is((await planStep(iniModule, ctx, { path: link, key: 'imagick.set_single_thread', value: '1' })).status, 'ok');
});

test('ini: sapi_dropin is created instead of touching the shared file; rollback deletes it', async (t) => {
  const d = await tmp(t);
  const { shared, link, confd } = await debianPhpTree(d);
  const before = await snapshot(shared);
  const dropin = join(confd, '99-remediate-imagick.ini');
  const raw = { path: link, key: 'imagick.set_single_thread', value: '1', sapi_dropin: dropin };
  const r = await runStep(iniModule, ctx, raw);
  t.is(r.planned.status, 'change');
  t.regex(r.planned.summary, /create .*99-remediate-imagick\.ini.*symlink/);
  t.is(r.verified?.status, 'ok');
  t.is(await readFile(dropin, 'utf8'), 'imagick.set_single_thread = 1\n');
  t.is((await snapshot(dropin)).mode, '644');
  t.deepEqual(await snapshot(shared), before);
  t.is(await readlink(link), '../../mods-available/imagick.ini');
  t.is((await planStep(iniModule, ctx, raw)).status, 'ok');
  t.is((await iniModule.rollback!(ctx, r.planned.inverse as never)).status, 'changed');
  await t.throwsAsync(stat(dropin), { code: 'ENOENT' });
});

test('ini: a drop-in that would load before the shared file is refused', async (t) => {
  const d = await tmp(t);
  const { link, confd } = await debianPhpTree(d);
  const p = await planStep(iniModule, ctx, { path: link, key: 'imagick.set_single_thread', value: '1', sapi_dropin: join(confd, '05-imagick-override.ini') });
  t.is(p.status, 'fail');
  t.regex(p.reason ?? '', /loads before .*20-imagick\.ini .*99-remediate-imagick\.ini/);
});

test('ini: a systemd drop-in in directories that do not exist yet; rollback removes file and directories', async (t) => {
  const d = await tmp(t);
  const f = join(d, 'etc/systemd/system/apache2.service.d/remediate.conf');
  const raw = { path: f, section: 'Service', key: 'Environment', value: 'LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libgomp.so.1', spaces: false };
  const r = await runStep(iniModule, ctx, raw);
  t.regex(r.planned.summary, /and 4 directories/);
  t.is(r.verified?.status, 'ok');
  t.is(await readFile(f, 'utf8'), '[Service]\nEnvironment="LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libgomp.so.1"\n');
  t.is((await iniModule.rollback!(ctx, r.planned.inverse as never)).status, 'changed');
  t.deepEqual(await readdirNames(d), []);
});

test('ini: create: false on a missing file plans a failure', async (t) => {
  const d = await tmp(t);
  const p = await planStep(iniModule, ctx, { path: join(d, 'nope.ini'), key: 'k', value: 'v', create: false });
  t.is(p.status, 'fail');
  t.regex(p.reason ?? '', /does not exist/);
});

test('lineinfile: LD_PRELOAD into envvars; rollback restores the exact bytes and mode', async (t) => {
  const d = await tmp(t);
  const f = join(d, 'envvars');
  const original = await readFile('/etc/apache2/envvars').catch(() => Buffer.from('# envvars\nunset HOME\n'));
  await writeFile(f, original, { mode: 0o755 });
  const before = await snapshot(f);
  const raw = { path: f, line: PRELOAD, regexp: '^\\s*export\\s+LD_PRELOAD=' };
  const r = await runStep(lineinfileModule, ctx, raw);
  t.is(r.planned.status, 'change');
  t.regex(r.planned.diff ?? '', new RegExp(`\\n\\+${PRELOAD.replace(/[.]/g, '\\.')}\\n`));
  t.is(r.verified?.status, 'ok');
  t.true((await readFile(f, 'utf8')).endsWith(PRELOAD + '\n'));
  t.is((await snapshot(f)).mode, '755');
  t.is((await planStep(lineinfileModule, ctx, raw)).status, 'ok');
  // Running the file still works under dash: the edit kept it a valid shell file.
  t.is((await ctx.exec({ cmd: { script: `. ${f} && printf %s "$LD_PRELOAD"` } }) as { stdout: string }).stdout, '/usr/lib/x86_64-linux-gnu/libgomp.so.1');
  t.is((await lineinfileModule.rollback!(ctx, r.planned.inverse as never)).status, 'changed');
  t.deepEqual(await snapshot(f), before);
});

test('lineinfile: follows a symlink, edits its target, the link stays a link', async (t) => {
  const d = await tmp(t);
  const target = join(d, 'real-envvars');
  await writeFile(target, 'unset HOME\n');
  const link = join(d, 'envvars');
  await symlink('real-envvars', link);
  const r = await runStep(lineinfileModule, ctx, { path: link, line: PRELOAD });
  t.is(r.verified?.status, 'ok');
  t.true((await lstat(link)).isSymbolicLink());
  t.is(await readFile(target, 'utf8'), `unset HOME\n${PRELOAD}\n`);
  t.is((await lineinfileModule.rollback!(ctx, r.planned.inverse as never)).status, 'changed');
  t.is(await readFile(target, 'utf8'), 'unset HOME\n');
  t.true((await lstat(link)).isSymbolicLink());
});

test('lineinfile: absent removes the line; missing file with create: false fails; absent on a missing file is ok', async (t) => {
  const d = await tmp(t);
  const f = join(d, 'envvars');
  await writeFile(f, `a\n${PRELOAD}\n`);
  const r = await runStep(lineinfileModule, ctx, { path: f, state: 'absent', regexp: '^export LD_PRELOAD=' });
  t.is(r.verified?.status, 'ok');
  t.is(await readFile(f, 'utf8'), 'a\n');
  t.is((await planStep(lineinfileModule, ctx, { path: join(d, 'missing'), line: 'x' })).status, 'fail');
  t.is((await planStep(lineinfileModule, ctx, { path: join(d, 'missing'), state: 'absent', line: 'x' })).status, 'ok');
});

test('ini: the real Debian 20-imagick.ini for apache2 is a symlink and is refused (dry run)', async (t) => {
  const link = '/etc/php/8.2/apache2/conf.d/20-imagick.ini';
  const st = await lstat(link).catch(() => null);
  if (!st) return t.pass('php8.2-imagick not installed here');
  t.true(st.isSymbolicLink());
  const p = await planStep(iniModule, ctx, { path: link, key: 'imagick.remediate_test_key', value: '1' });
  t.is(p.status, 'fail');
  t.regex(p.reason ?? '', /\/etc\/php\/8\.2\/apache2\/conf\.d\/99-remediate-imagick\.ini/);
});

async function readdirNames(d: string): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  return (await readdir(d)).sort();
}
