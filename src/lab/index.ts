// The lab's public API: a simulated fleet of Apache hosts behind SSH on loopback addresses.
// src/lab imports nothing from the rest of src/ (its truth is its own, not the product's tables).
export { labUp, labStatus, labAdvance, labDown, readLabState, LabError, PROFILES, type LabUpOptions, type LabUpResult, type LabErrorCode, type ProcessControl } from './control.js';
export { startLab, stateDirFor, type StartLabOptions, type RunningLab, type LabStatus, type HostStatus } from './lab.js';
export { runDaemon, type LabState, type DaemonOptions } from './daemon.js';
export type { Profile } from './fleet.js';
export { statusSummary, hashLines, mutationLines } from './report.js';
