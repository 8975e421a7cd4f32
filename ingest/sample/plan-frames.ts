/**
 * Which frames to look at, decided from time and track alone (no pixels): a frame every `intervalM` metres
 * travelled, one more whenever the heading turned more than `headingChangeDeg` since the last pick, none while the
 * vehicle stands (speed under `minSpeedMps`) or where the track has no pose. Each pick opens a window of
 * `fallbackFrames` following frames, so a blurred or dark pick can be replaced by its neighbour.
 */
import { headingDelta } from '../../core/index.ts';
import type { Pose } from './track-pose.ts';

/** The distance / heading / stationary rules. */
export interface SelectionRules {
  /** Metres between kept frames; default 4 (see README). */
  intervalM: number;
  /** Heading change since the last kept frame that forces a frame, degrees; default 15. */
  headingChangeDeg: number;
  /** Below this speed the vehicle is standing, m/s; default 0.5. */
  minSpeedMps: number;
  /** Frames after a pick that may replace it when it fails the quality check; default 2. */
  fallbackFrames: number;
}

/** Defaults of {@link SelectionRules}. */
export const DEFAULT_RULES: SelectionRules = {
  intervalM: 4,
  headingChangeDeg: 15,
  minSpeedMps: 0.5,
  fallbackFrames: 2,
};

/** A pick: the first frame of its window, why it was picked, and the last frame that may stand in for it. */
export interface Pick {
  first: number;
  last: number;
  reason: 'first' | 'distance' | 'heading';
}

/** Counts of frames the rules dropped. */
export interface PlanCounts {
  noPose: number;
  stationary: number;
  tooClose: number;
}

/** Walks the frame times once and returns the picks (sorted, windows never overlapping the next pick). */
export function planFrames(input: {
  times: ArrayLike<number>;
  poseAt: (i: number) => Pose | undefined;
  rules?: Partial<SelectionRules>;
}): { picks: Pick[]; counts: PlanCounts } {
  const rules = { ...DEFAULT_RULES, ...input.rules };
  const picks: Pick[] = [];
  const counts: PlanCounts = { noPose: 0, stationary: 0, tooClose: 0 };
  let last: Pose | undefined;
  const n = input.times.length;
  for (let i = 0; i < n; i++) {
    const pose = input.poseAt(i);
    if (!pose) {
      counts.noPose++;
      continue;
    }
    if (pose.speedMps < rules.minSpeedMps) {
      counts.stationary++;
      continue;
    }
    let reason: Pick['reason'] | undefined;
    if (!last) reason = 'first';
    else if (pose.distanceM - last.distanceM >= rules.intervalM) reason = 'distance';
    else if (
      pose.headingDeg !== undefined &&
      last.headingDeg !== undefined &&
      Math.abs(headingDelta(pose.headingDeg, last.headingDeg)) > rules.headingChangeDeg
    )
      reason = 'heading';
    if (!reason) {
      counts.tooClose++;
      continue;
    }
    const prev = picks[picks.length - 1];
    if (prev && prev.last >= i) prev.last = i - 1;
    picks.push({ first: i, last: Math.min(n - 1, i + rules.fallbackFrames), reason });
    last = pose;
  }
  return { picks, counts };
}
