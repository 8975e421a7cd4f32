/**
 * Where does the video sit on the track's clock? For every candidate offset (the claimed t0 plus d, d over the
 * search range at 0.1 s), the video's speed and yaw proxies are fitted to the track's speed and turn rate at the
 * same instants by a scale through the origin (the proxies are "up to scale": a still camera reads 0 at 0 m/s, and
 * a right turn moves the image left, so the yaw scale must be negative). The fit's explained variance, channel by
 * channel and weighted by how much the track's channel varies over the overlap (a straight road at constant speed
 * tells nothing), is the score. The best coarse offset is refined on a 10 ms grid and a parabola through the peak.
 *
 * Confidence comes from the peak's height and how far it stands above the best score at least 1.5 s away (a
 * periodic or flat profile has several near-equal peaks). A result below the thresholds reports no offset: an
 * unknown is far better than a confidently wrong clock.
 */
import type { MotionSample } from './measure-motion.ts';
import { profileAt, type TrackProfile } from './track-profile.ts';

/** Options of {@link findOffset}. */
export interface OffsetSearch {
  /** Claimed Unix ms of the video's t = 0 (the untrusted clock), around which to search. */
  claimedT0Ms: number;
  /** Half-width of the search, seconds; default 30. */
  rangeS?: number;
  /** Video duration, seconds. */
  durationS: number;
}

/** The aligner's answer. */
export interface OffsetResult {
  /** Video t = 0 minus the claim, ms, when confident; undefined for "unknown". */
  offsetMs: number | undefined;
  /** Best offset found, confident or not, ms. */
  bestMs: number;
  /** [0, 1]: the peak's margin over the runner-up, times its height; >= {@link CONFIDENT} is reported. */
  confidence: number;
  /** Score of the best offset [-inf, 1] and of the best one at least 1.5 s away. */
  score: number;
  runnerUp: number;
  /** Seconds of the video that the track covers at the best offset. */
  overlapS: number;
  /** Why the answer is unknown, when it is. */
  why?: string;
}

/** Confidence at and above which an offset is reported. Calibrated on generated drives (see README.md). */
export const CONFIDENT = 0.5;
const COARSE_STEP_S = 0.1;
const FINE_STEP_S = 0.01;
/** Runner-up peaks (other local maxima) count from this far from the best one, seconds. */
const EXCLUSION_S = 1.5;
/** Track variation at which a channel counts fully: 1 m/s of speed, 4 degrees/s of turn rate (std over the overlap). */
const SPEED_INFO = 1;
const TURN_INFO = 4;
/** Stop/move channel: the track's speed saturated at 1.5 m/s, the video's proxy at a fifth of its 90th percentile. */
const MOVING_MS = 1.5;
const MOVE_INFO = 0.3;
/** Below this track speed (m/s) a sample is a stop; the stop/move channel counts only with >= 1 s of stops. */
const STOP_MS = 0.5;

/** The video proxy's value that reads as "moving": a fifth of its 90th percentile (the cruising speed's). */
function movingScale(samples: readonly MotionSample[]): number {
  const v = samples
    .map((s) => s.speed)
    .filter((x) => !Number.isNaN(x))
    .sort((a, b) => a - b);
  const p90 = v[Math.floor(0.9 * (v.length - 1))] ?? 0;
  return p90 > 0 ? p90 / 5 : 1;
}

/** Sums of one channel's fit over the overlap. */
interface Fit {
  sxy: number;
  sxx: number;
  syy: number;
  sy: number;
  sx: number;
  n: number;
}

const emptyFit = (): Fit => ({ sxy: 0, sxx: 0, syy: 0, sy: 0, sx: 0, n: 0 });

/** Adds one (track x, video y) pair to a channel's sums. */
function add(f: Fit, x: number, y: number): void {
  f.sxy += x * y;
  f.sxx += x * x;
  f.syy += y * y;
  f.sy += y;
  f.sx += x;
  f.n++;
}

/** Explained variance of y = k x (k of the required sign), and the weight the track's own variation earns. */
function channelScore(f: Fit, sign: 1 | -1, info: number): { r2: number; w: number } {
  if (f.n < 5) return { r2: 0, w: 0 };
  const varX = f.sxx / f.n - (f.sx / f.n) ** 2;
  const w = Math.min(1, Math.sqrt(Math.max(0, varX)) / info);
  const k = f.sxx > 0 ? f.sxy / f.sxx : 0;
  const sse = k * sign > 0 ? f.syy - (f.sxy * f.sxy) / f.sxx : f.syy;
  const tss = f.syy - (f.sy * f.sy) / f.n;
  if (!(tss > 0)) return { r2: 0, w: 0 };
  return { r2: 1 - sse / tss, w };
}

/** Score of one offset `d` (seconds from the claim), and the seconds of overlap. */
export function scoreAt(
  samples: readonly MotionSample[],
  track: TrackProfile,
  claimedT0Ms: number,
  d: number,
): { score: number; overlapS: number } {
  const sp = emptyFit();
  const yw = emptyFit();
  const mv = emptyFit();
  const moveScale = movingScale(samples);
  let stops = 0;
  let first = Infinity;
  let last = -Infinity;
  for (const s of samples) {
    const ms = claimedT0Ms + (s.t + d) * 1000;
    const g = profileAt(track, track.speed, ms);
    if (Number.isNaN(g) || Number.isNaN(s.speed) || Number.isNaN(s.yaw)) continue;
    const w = profileAt(track, track.turn, ms);
    first = Math.min(first, s.t);
    last = Math.max(last, s.t);
    add(sp, g, s.speed);
    add(mv, Math.min(1, g / MOVING_MS), Math.min(1, s.speed / moveScale));
    if (g < STOP_MS) stops++;
    add(yw, w, s.yaw);
  }
  const overlapS = last >= first ? last - first : 0;
  const a = channelScore(sp, 1, SPEED_INFO);
  const b = channelScore(yw, -1, TURN_INFO);
  // A drone or a walk slows but never stops: there the channel would only add noise.
  const stoppedS = sp.n > 0 ? (stops / sp.n) * overlapS : 0;
  const c = stoppedS >= 1 ? channelScore(mv, 1, MOVE_INFO) : { r2: 0, w: 0 };
  const wsum = a.w + b.w + c.w;
  // Without variation in the track over the overlap the score is 0: nothing to match.
  return { score: wsum > 0 ? (a.w * a.r2 + b.w * b.r2 + c.w * c.r2) / Math.max(1, wsum) : 0, overlapS };
}

/** Minimum overlap for a candidate: 60 % of the video, and at least 5 s (or the whole video if shorter). */
function minOverlapS(durationS: number): number {
  return Math.max(0.6 * durationS, Math.min(durationS, 5)) - 0.5;
}

/** Finds the offset of the video against the track around the claimed t0; see the file comment. */
export function findOffset(samples: readonly MotionSample[], track: TrackProfile, opts: OffsetSearch): OffsetResult {
  const range = opts.rangeS ?? 30;
  const need = minOverlapS(opts.durationS);
  const n = Math.round((2 * range) / COARSE_STEP_S) + 1;
  const scores = new Float64Array(n).fill(Number.NEGATIVE_INFINITY);
  let bi = -1;
  for (let i = 0; i < n; i++) {
    const r = scoreAt(samples, track, opts.claimedT0Ms, -range + i * COARSE_STEP_S);
    if (r.overlapS < need) continue;
    scores[i] = r.score;
    if (bi < 0 || r.score > (scores[bi] as number)) bi = i;
  }
  if (bi < 0)
    return { offsetMs: undefined, bestMs: 0, confidence: 0, score: 0, runnerUp: 0, overlapS: 0, why: 'no_overlap' };
  const coarse = -range + bi * COARSE_STEP_S;
  // The runner-up is the best other local maximum: the main peak's own shoulders are not a rival.
  let runnerUp = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const v = scores[i] as number;
    const isPeak = v >= (scores[i - 1] ?? Number.NEGATIVE_INFINITY) && v >= (scores[i + 1] ?? Number.NEGATIVE_INFINITY);
    if (isPeak && Math.abs(i - bi) * COARSE_STEP_S >= EXCLUSION_S) runnerUp = Math.max(runnerUp, v);
  }
  const best = refine(samples, track, opts.claimedT0Ms, coarse);
  const { overlapS } = scoreAt(samples, track, opts.claimedT0Ms, best.d);
  const r2 = Number.isFinite(runnerUp) ? Math.max(0, runnerUp) : 0;
  const margin = best.score - r2;
  // Height factor: a peak explaining under 60 % of the variance earns proportionally less (and none at or below 0).
  const height = Math.max(0, Math.min(1, best.score / 0.6));
  const confidence = Math.max(0, Math.min(1, (margin / Math.max(0.05, 1 - r2)) * height));
  const bestMs = Math.round(best.d * 1000);
  const out = { bestMs, confidence, score: best.score, runnerUp: r2, overlapS };
  if (confidence < CONFIDENT) return { ...out, offsetMs: undefined, why: best.score < 0.3 ? 'no_match' : 'ambiguous' };
  return { ...out, offsetMs: bestMs };
}

/** 10 ms search within +-0.15 s of the coarse peak, then a parabola through the best three. */
function refine(
  samples: readonly MotionSample[],
  track: TrackProfile,
  t0: number,
  coarse: number,
): { d: number; score: number } {
  const k = Math.round(0.15 / FINE_STEP_S);
  const s = new Float64Array(2 * k + 1);
  let bi = 0;
  for (let i = 0; i <= 2 * k; i++) {
    s[i] = scoreAt(samples, track, t0, coarse + (i - k) * FINE_STEP_S).score;
    if ((s[i] as number) > (s[bi] as number)) bi = i;
  }
  let d = coarse + (bi - k) * FINE_STEP_S;
  if (bi > 0 && bi < 2 * k) {
    const a = s[bi - 1] as number;
    const b = s[bi] as number;
    const c = s[bi + 1] as number;
    const den = a - 2 * b + c;
    if (den < 0) d += ((a - c) / (2 * den)) * FINE_STEP_S;
  }
  return { d, score: s[bi] as number };
}
