// The fact registry, and the public API of src/facts.
import { apacheFact } from './apache.js';
import { imagemagickFact } from './imagemagick.js';
import { osFact } from './os.js';
import { phpExtensionFact } from './php-extension.js';
import { pthreadKeysFact } from './pthread-keys.js';
import type { Fact } from './types.js';

export const FACTS: Record<string, Fact<any, any>> = {
  os: osFact,
  apache: apacheFact,
  php_extension: phpExtensionFact,
  imagemagick: imagemagickFact,
  pthread_keys: pthreadKeysFact,
};

export * from './types.js';
export { batchProbe, splitBatch, batchNeedsBecome, newNonce } from './batch.js';
export { decideLeak, type HostFacts, type LeakDecision, type LeakEvidence, type LeakOptions } from './leak.js';
export { assessRisk, type Risk, type RiskAssessment, type RiskOptions } from './risk.js';
export { countKeysInUse, estimateKeys, measureKeys, keysReadProbe, libFetchProbe, PTHREAD_KEYS_MAX, type PthreadKeys, type KeysLocation } from './pthread-keys.js';
export { findPthreadKeys, parseElf, findSymbol, gnuBuildId } from './elf.js';
export type { ApacheFact } from './apache.js';
export type { OsFact } from './os.js';
export type { PhpExtensionFact } from './php-extension.js';
export type { ImageMagickFact } from './imagemagick.js';
export { gatherFacts, type Gathered } from './gather.js';
export { osFact, apacheFact, phpExtensionFact, imagemagickFact, pthreadKeysFact };
export { extensionName } from './php-extension.js';
export type { MeasuredKeys, EstimatedKeys } from './pthread-keys.js';
