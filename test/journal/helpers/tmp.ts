// A fresh temp directory per test, removed afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';

export function tempDir(t: ExecutionContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'remediate-journal-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A clock that moves one second per call, from a fixed start. */
export function steppingClock(startIso = '2026-11-27T09:30:00Z', stepMs = 1000): () => number {
  let t = Date.parse(startIso) - stepMs;
  return () => (t += stepMs);
}
