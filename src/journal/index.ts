// The journal room's public surface.
export { openJournal, DEFAULT_BUSY_TIMEOUT_MS, type OpenJournalOptions } from './open.js';
export { Journal, stepTimingKey, type JournalDeps } from './journal.js';
export { JournalError, type JournalErrorCode } from './errors.js';
export { defaultJournalPath, JOURNAL_FILE_MODE, JOURNAL_DIR_MODE } from './paths.js';
export { redact, redactArgv, redactExtraVars, MASK, SECRET_OPTIONS, EXTRA_VARS_OPTIONS } from './redact.js';
export { newRunId, RUN_ID_PATTERN } from './run-id.js';
export { runLiveness, type RunLiveness } from './liveness.js';
export { APPLICATION_ID, MIGRATIONS, latestVersion, type Migration } from './schema.js';
export type * from './types.js';
