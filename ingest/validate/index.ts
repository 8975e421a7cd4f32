/**
 * GPS validation: named checks with reason codes and documented thresholds, trimming, a verdict per upload, and
 * replay fingerprints. See README.md for every check.
 */
export { type VideoSpan, videoCoverageToleranceS } from './check-track.ts';
export { ctrvResiduals, type JitterStats, jitterStats } from './perfect-stats.ts';
export {
  type ReplaySimilarity,
  replayCandidates,
  replaySimilarity,
  type TrackFingerprint,
  trackFingerprint,
} from './replay.ts';
export { THRESHOLDS } from './thresholds.ts';
export type { Finding, ReasonCode, Severity, TrackStats, ValidationReport, Where } from './types.ts';
export { type ValidateOptions, validateTrack } from './validate-track.ts';
