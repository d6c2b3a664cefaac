// Test helpers for test/facts: fixtures and running probes on this machine.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProbeOutput, ProbeRunner } from '../../src/facts/types.js';

const here = dirname(fileURLToPath(import.meta.url));

export function fixture(name: string): string {
  return readFileSync(join(here, '..', 'fixtures', 'facts', name), 'utf8');
}

/** Run a probe script under a given shell (dash by default: the strictest POSIX sh here). */
export function runSh(script: string, shell = 'dash'): ProbeOutput {
  const r = spawnSync(shell, ['-c', script], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return { stdout: r.stdout, stderr: r.stderr, exitCode: r.status };
}

/** A ProbeRunner on this machine (we are root, so become is a no-op). */
export const localRunner: ProbeRunner = async (script) => runSh(script);

/** Wrap lines as records of a tag, as the probes print them. */
export function tagged(tag: string, text: string): string {
  return text.split('\n').map((l) => `${tag}|${l}`).join('\n');
}

export function out(stdout: string): ProbeOutput {
  return { stdout, stderr: '', exitCode: 0 };
}
