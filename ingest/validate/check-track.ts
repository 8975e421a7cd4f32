/** Whole-track checks: too perfect to be a receiver, does not cover its video, too short to be useful. */
import type { TrackPoint } from '../../core/index.ts';
import { where } from './findings.ts';
import type { JitterStats } from './perfect-stats.ts';
import { THRESHOLDS } from './thresholds.ts';
import type { Finding } from './types.ts';

/** The video an upload's track must cover: its start on the GPS clock and its length. */
export interface VideoSpan {
  startMs: number;
  durationS: number;
}

/**
 * `too_perfect`: sampled like a clock (>= 90 % of intervals equal) and the median CTRV residual over enough moving
 * fixes is below what consumer receivers show (a tighter bound for short tracks of 10..29 scored fixes).
 */
export function checkTooPerfect(jitter: JitterStats): Finding[] {
  const T = THRESHOLDS.tooPerfect;
  const bound = jitter.samples >= T.minSamples ? T.maxMedianResidualM : T.shortMaxMedianResidualM;
  if (jitter.samples < T.shortMinSamples || !(jitter.medianResidualM < bound)) return [];
  if (jitter.regularIntervals < T.minRegularIntervals) return [];
  return [
    {
      code: 'too_perfect',
      severity: 'reject',
      message:
        `positions follow a constant-speed, constant-turn path to ${jitter.medianResidualM.toFixed(2)} m (median over ` +
        `${jitter.samples} moving fixes); consumer GPS scatters by metres: synthetic or spoofed track`,
      details: {
        medianResidualM: Number(jitter.medianResidualM.toFixed(4)),
        samples: jitter.samples,
        regularIntervals: Number(jitter.regularIntervals.toFixed(3)),
      },
    },
  ];
}

/** How far, in seconds, the track may start after or end before a video of `durationS` at each end. */
export function videoCoverageToleranceS(durationS: number): number {
  return THRESHOLDS.video.toleranceS + THRESHOLDS.video.toleranceFraction * durationS;
}

/** `video_duration_mismatch`: the fixes with valid times must span the video, within 3 s + 2 % at either end. */
export function checkVideoCoverage(
  points: readonly TrackPoint[],
  timed: readonly number[],
  video: VideoSpan,
): Finding[] {
  if (timed.length === 0) {
    return [{ code: 'video_duration_mismatch', severity: 'reject', message: 'no timed fix to cover the video' }];
  }
  let first = timed[0] as number;
  let last = first;
  for (const i of timed) {
    if ((points[i] as TrackPoint).t < (points[first] as TrackPoint).t) first = i;
    if ((points[i] as TrackPoint).t > (points[last] as TrackPoint).t) last = i;
  }
  const endMs = video.startMs + video.durationS * 1000;
  const tolS = videoCoverageToleranceS(video.durationS);
  const t0 = (points[first] as TrackPoint).t;
  const t1 = (points[last] as TrackPoint).t;
  const lateStartS = (t0 - video.startMs) / 1000;
  const earlyEndS = (endMs - t1) / 1000;
  if (lateStartS <= tolS && earlyEndS <= tolS) return [];
  return [
    {
      code: 'video_duration_mismatch',
      severity: 'reject',
      message:
        `GPS covers ${((t1 - t0) / 1000).toFixed(1)} s but the video is ${video.durationS.toFixed(1)} s: ` +
        `fixes start ${lateStartS.toFixed(1)} s after and end ${earlyEndS.toFixed(1)} s before the video ` +
        `(tolerance ${tolS.toFixed(1)} s)`,
      where: where(points, first, last),
      details: { videoDurationS: video.durationS, lateStartS, earlyEndS, toleranceS: tolS },
    },
  ];
}

/** `too_short`: fewer than 5 kept fixes or 100 m of kept path. */
export function checkTooShort(keptPoints: number, lengthM: number): Finding[] {
  const { minPoints, minLengthM } = THRESHOLDS.tooShort;
  if (keptPoints >= minPoints && lengthM >= minLengthM) return [];
  return [
    {
      code: 'too_short',
      severity: 'reject',
      message: `${keptPoints} usable fix(es) over ${Math.round(lengthM)} m; at least ${minPoints} fixes and ${minLengthM} m are needed`,
      details: { keptPoints, lengthM: Math.round(lengthM) },
    },
  ];
}
