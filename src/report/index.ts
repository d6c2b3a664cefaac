// Reporters: pure folds and renderers over the Event stream.
export { recap, renderRecap, banner, RecapBuilder, type Recap, type HostRecap, type Counters } from './recap.js';
export { jsonLine, plainLine } from './lines.js';
export { progress, renderProgress, initialProgress, type ProgressState } from './progress.js';
export { exitCodeFor, type Command } from './exit.js';
export { EXIT } from './exit-codes.js';
export type { Event, Emit, HostStatus, PlanStatus } from './events.js';
