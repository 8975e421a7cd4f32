/** The jitter statistic behind `too_perfect`: how far each fix lands from a constant-turn-rate-and-velocity guess. */
import type { TrackPoint } from '../../core/index.ts';
import { dist, type LocalXY, median, toLocal } from './local-metrics.ts';
import { THRESHOLDS } from './thresholds.ts';

/** Jitter summary of a track: residuals of the CTRV predictor over moving stretches. */
export interface JitterStats {
  /** Quadruples of fixes that were moving steadily enough to be scored. */
  samples: number;
  /** Seconds of moving track those samples span. */
  movingS: number;
  /** Median CTRV residual, metres. */
  medianResidualM: number;
  /** Fraction of sampling intervals equal to the median interval within 1 ms. */
  regularIntervals: number;
}

/**
 * CTRV ("constant turn rate and velocity") residuals: from fixes i-2, i-1, i predict fix i+1 by keeping the last
 * step's speed and the last turn rate. A straight line, a circle at constant speed, or any smooth interpolation of
 * a route, predicts itself to within millimetres; white GPS noise of sigma s leaves about 4.5 s per fix.
 */
export function ctrvResiduals(points: readonly TrackPoint[], xy: readonly LocalXY[] = toLocal(points)): number[] {
  const out: number[] = [];
  const { minSpeedMps, maxIntervalS } = THRESHOLDS.tooPerfect;
  for (let i = 2; i + 1 < points.length; i++) {
    const p0 = xy[i - 2] as LocalXY;
    const p1 = xy[i - 1] as LocalXY;
    const p2 = xy[i] as LocalXY;
    const p3 = xy[i + 1] as LocalXY;
    const t0 = (points[i - 2] as TrackPoint).t;
    const t1 = (points[i - 1] as TrackPoint).t;
    const t2 = (points[i] as TrackPoint).t;
    const t3 = (points[i + 1] as TrackPoint).t;
    const d1 = (t1 - t0) / 1000;
    const d2 = (t2 - t1) / 1000;
    const d3 = (t3 - t2) / 1000;
    if (!(d1 > 0 && d2 > 0 && d3 > 0) || Math.max(d1, d2, d3) > maxIntervalS) continue;
    const v1x = p1.x - p0.x;
    const v1y = p1.y - p0.y;
    const v2x = p2.x - p1.x;
    const v2y = p2.y - p1.y;
    if (Math.hypot(v1x, v1y) < minSpeedMps * d1 || Math.hypot(v2x, v2y) < minSpeedMps * d2) continue;
    const turn = Math.atan2(v1x * v2y - v1y * v2x, v1x * v2x + v1y * v2y);
    const rate = turn / ((d1 + d2) / 2);
    const a = rate * ((d2 + d3) / 2);
    const scale = d3 / d2;
    const px = p2.x + scale * (v2x * Math.cos(a) - v2y * Math.sin(a));
    const py = p2.y + scale * (v2x * Math.sin(a) + v2y * Math.cos(a));
    out.push(dist({ x: px, y: py }, p3));
  }
  return out;
}

/** Jitter statistics of a track (see `ctrvResiduals`). */
export function jitterStats(all: readonly TrackPoint[]): JitterStats {
  const points = thinByTime(all, THRESHOLDS.tooPerfect.minIntervalS * 1000);
  const residuals = ctrvResiduals(points);
  const intervals: number[] = [];
  for (let i = 1; i < points.length; i++) intervals.push((points[i] as TrackPoint).t - (points[i - 1] as TrackPoint).t);
  const med = median(intervals);
  const regular = intervals.filter((d) => Math.abs(d - med) <= 1).length;
  const movingS = residuals.length * (Number.isFinite(med) ? med / 1000 : 0);
  return {
    samples: residuals.length,
    movingS,
    medianResidualM: median(residuals),
    regularIntervals: intervals.length > 0 ? regular / intervals.length : 0,
  };
}

/** Keeps fixes at least `minMs` apart, so a 10-18 Hz receiver (GoPro GPS5 is 18 Hz) is scored like a 1 Hz one. */
export function thinByTime(points: readonly TrackPoint[], minMs: number): TrackPoint[] {
  const out: TrackPoint[] = [];
  for (const p of points) {
    const last = out[out.length - 1];
    if (!last || p.t - last.t >= minMs) out.push(p);
  }
  return out;
}
