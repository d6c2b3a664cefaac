// Run ids sort by start time as plain strings and are safe in file names and URLs.
import { randomBytes } from 'node:crypto';

/** e.g. 2026-11-27T09-30-00Z-ab12 (UTC, second precision, 4 random hex digits). */
export function newRunId(nowMs: number, suffix: string = randomBytes(2).toString('hex')): string {
  const iso = new Date(nowMs).toISOString(); // 2026-11-27T09:30:00.123Z
  return `${iso.slice(0, 19).replace(/:/g, '-')}Z-${suffix}`;
}

export const RUN_ID_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z-[0-9a-f]{4}$/;
