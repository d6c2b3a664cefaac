// The programs every lab host can have installed, by the `prog` tag of their executable file.
import { shProgram } from '../shell/exec.js';
import type { Program } from '../shell/process.js';
import { awk } from './awk.js';
import * as f from './files.js';
import * as s from './system.js';
import * as t from './text.js';

export const CORE_PROGRAMS: Record<string, Program> = {
  sh: shProgram, dash: shProgram, bash: shProgram,
  ls: f.ls, stat: f.stat, readlink: f.readlink, realpath: f.realpath, dirname: f.dirname, basename: f.basename,
  mktemp: f.mktemp, mkdir: f.mkdir, rm: f.rm, rmdir: f.rmdir, mv: f.mv, cp: f.cp, ln: f.ln, chmod: f.chmod, chown: f.chown, touch: f.touch,
  cat: t.cat, head: t.head, tail: t.tail, grep: t.grep, egrep: t.grep, sed: t.sed, tr: t.tr, cut: t.cut, sort: t.sort, uniq: t.uniq,
  wc: t.wc, tee: t.tee, base64: t.base64, sha256sum: t.sha256sum, md5sum: t.md5sum, sha1sum: t.sha1sum, od: t.od, dd: t.dd,
  gzip: t.gzipProgram('gzip'), gunzip: t.gzipProgram('gunzip'), zcat: t.gzipProgram('zcat'),
  awk, mawk: awk, gawk: awk,
  date: s.date, uname: s.uname, id: s.id, whoami: s.whoami, hostname: s.hostname, sleep: s.sleep, getconf: s.getconf, env: s.env,
  timeout: s.timeout, nohup: s.nohup, which: s.which, seq: s.seq, xargs: s.xargs, ps: s.ps, kill: s.killProgram, sudo: s.sudo,
  echo: s.echoProgram, printf: s.printfProgram, test: s.testProgram, '[': s.testProgram, true: s.trueProgram, false: s.falseProgram,
};

/** Where each core program lives on a Debian-like system. */
export const CORE_PATHS: Record<string, string> = {
  sh: '/bin/sh', dash: '/bin/dash', bash: '/bin/bash',
  ls: '/bin/ls', stat: '/usr/bin/stat', readlink: '/bin/readlink', realpath: '/usr/bin/realpath', dirname: '/usr/bin/dirname', basename: '/usr/bin/basename',
  mktemp: '/bin/mktemp', mkdir: '/bin/mkdir', rm: '/bin/rm', rmdir: '/bin/rmdir', mv: '/bin/mv', cp: '/bin/cp', ln: '/bin/ln', chmod: '/bin/chmod', chown: '/bin/chown', touch: '/bin/touch',
  cat: '/bin/cat', head: '/usr/bin/head', tail: '/usr/bin/tail', grep: '/bin/grep', egrep: '/bin/egrep', sed: '/bin/sed', tr: '/usr/bin/tr', cut: '/usr/bin/cut', sort: '/usr/bin/sort', uniq: '/usr/bin/uniq',
  wc: '/usr/bin/wc', tee: '/usr/bin/tee', base64: '/usr/bin/base64', sha256sum: '/usr/bin/sha256sum', md5sum: '/usr/bin/md5sum', sha1sum: '/usr/bin/sha1sum', od: '/usr/bin/od', dd: '/bin/dd',
  gzip: '/bin/gzip', gunzip: '/bin/gunzip', zcat: '/bin/zcat',
  awk: '/usr/bin/awk',
  date: '/bin/date', uname: '/bin/uname', id: '/usr/bin/id', whoami: '/usr/bin/whoami', hostname: '/bin/hostname', sleep: '/bin/sleep', getconf: '/usr/bin/getconf', env: '/usr/bin/env',
  timeout: '/usr/bin/timeout', nohup: '/usr/bin/nohup', which: '/usr/bin/which', seq: '/usr/bin/seq', xargs: '/usr/bin/xargs', ps: '/bin/ps', kill: '/bin/kill', sudo: '/usr/bin/sudo',
  echo: '/bin/echo', printf: '/usr/bin/printf', test: '/usr/bin/test', '[': '/usr/bin/[', true: '/bin/true', false: '/bin/false',
};
