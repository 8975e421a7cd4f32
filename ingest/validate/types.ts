/** Shapes of the validation report: findings with reason codes, verdicts, statistics. All JSON-serialisable. */
import type { Track } from '../../core/index.ts';

/** Reason codes, one per check (listed with thresholds in README.md). */
export type ReasonCode =
  | 'out_of_range'
  | 'null_island'
  | 'poor_fix'
  | 'non_monotonic_time'
  | 'duplicate_timestamps'
  | 'time_gap'
  | 'teleport'
  | 'impossible_speed'
  | 'impossible_acceleration'
  | 'too_perfect'
  | 'video_duration_mismatch'
  | 'too_short'
  | 'replay'
  | 'device_conflict'
  | 'clock_disagrees_with_motion'
  | 'motion_mismatch';

/**
 * What a finding does: nothing (info), nothing but asks a person to look (warn), drops points (trim), cuts the track
 * (split) or refuses it (reject).
 */
export type Severity = 'info' | 'warn' | 'trim' | 'split' | 'reject';

/** Where a finding applies: input point indices (inclusive) and their times. */
export interface Where {
  first: number;
  last: number;
  startMs: number;
  endMs: number;
}

/** One reason, for machines (code, severity, details) and people (message). */
export interface Finding {
  code: ReasonCode;
  severity: Severity;
  message: string;
  where?: Where;
  details?: Record<string, number | string | boolean>;
}

/** Summary numbers of a validated track. */
export interface TrackStats {
  points: number;
  keptPoints: number;
  segments: number;
  /** Path length of the kept segments, metres. */
  lengthM: number;
  /** Time spanned by the kept segments, seconds (gaps between segments excluded). */
  durationS: number;
  medianIntervalS: number;
  /** Median CTRV residual of the kept points (the too_perfect statistic), metres; null when not measurable. */
  jitterM: number | null;
}

/** The result of `validateTrack`. */
export interface ValidationReport {
  verdict: 'accepted' | 'accepted_with_trims' | 'rejected';
  reasons: Finding[];
  /** The usable points, in order; split points between segments are listed in `segments`. */
  trimmed: Track;
  /** Index ranges [first, last] (inclusive) into `trimmed.points`, one per continuous segment. */
  segments: Array<[number, number]>;
  stats: TrackStats;
}
