/**
 * Does one offset fit the whole video? A track whose clock was stretched or squeezed (a time-warped copy of one's own
 * drive) still finds a confident best offset over the whole video, because the fit is up to scale and the middle
 * matches; but the offset that fits the video's first third is not the one that fits its last. The video is cut into
 * thirds, each aligned on its own around the whole video's offset; when two confident thirds disagree by more than a
 * second and by more than a tenth of the time between them, the track's clock runs at another rate than the video's.
 *
 * Why these bounds: a real GPS and camera clock differ in rate by well under 0.1 %; on generated honest drives the
 * thirds' offsets differ by 0.3 s over 8 s (3 %: the flow's own noise), a clock stretched by 1.25 by 1.4 s (17 %),
 * by 1.1 by 0.7 s (9 %, not caught). Videos under 24 s (thirds under 8 s) are not judged.
 */
import { CONFIDENT, findOffset } from './find-offset.ts';
import type { MotionSample } from './measure-motion.ts';
import type { TrackProfile } from './track-profile.ts';

/** Shortest third judged, seconds: below it a third's own alignment is too weak to trust. */
const MIN_THIRD_S = 8;
/** Disagreement between two confident thirds that counts, ms and as a fraction of the time between their centres. */
const MIN_DRIFT_MS = 1000;
const MIN_RATE = 0.1;
/** Search around the whole video's offset for each third, seconds. */
const THIRD_RANGE_S = 8;

/** What a third of the video says: its centre (media s), its own offset (ms from the claim) and confidence. */
export interface ThirdOffset {
  centreS: number;
  offsetMs: number;
  confidence: number;
}

/**
 * The clock-rate contradiction between the video's motion and the track, if any: the two confident thirds furthest
 * apart in offset, with the drift and rate they imply. `bestMs` is the whole video's confident offset from the claim.
 */
export function clockRateMismatch(
  samples: readonly MotionSample[],
  track: TrackProfile,
  opts: { claimedT0Ms: number; bestMs: number; durationS: number },
): { thirds: ThirdOffset[]; driftMs: number; rate: number } | undefined {
  const third = opts.durationS / 3;
  if (third < MIN_THIRD_S) return undefined;
  const thirds: ThirdOffset[] = [];
  for (let k = 0; k < 3; k++) {
    const from = k * third;
    const part = samples.filter((s) => s.t >= from && s.t < from + third).map((s) => ({ ...s, t: s.t - from }));
    const r = findOffset(part, track, {
      claimedT0Ms: opts.claimedT0Ms + from * 1000 + opts.bestMs,
      durationS: third,
      rangeS: THIRD_RANGE_S,
    });
    if (r.offsetMs === undefined || r.confidence < CONFIDENT) continue;
    thirds.push({ centreS: from + third / 2, offsetMs: opts.bestMs + r.offsetMs, confidence: r.confidence });
  }
  let worst: { driftMs: number; rate: number } | undefined;
  for (const a of thirds)
    for (const b of thirds) {
      if (b.centreS <= a.centreS) continue;
      const driftMs = Math.abs(b.offsetMs - a.offsetMs);
      const rate = driftMs / ((b.centreS - a.centreS) * 1000);
      if (driftMs > MIN_DRIFT_MS && rate > MIN_RATE && (!worst || driftMs > worst.driftMs)) worst = { driftMs, rate };
    }
  return worst ? { thirds, ...worst } : undefined;
}
