/** Small numeric helpers shared by the checks: a local metric frame, robust statistics, path lengths. */

import type { TrackPoint } from '../../core/index.ts';
import { EARTH_RADIUS_M } from '../../core/index.ts';

const RAD = Math.PI / 180;

/** Metres east/north of a reference point (equirectangular; error < 0.1 % within 50 km, enough for noise stats). */
export interface LocalXY {
  x: number;
  y: number;
}

/** A projection to local metres around (lat0, lon0). */
export function projector(lat0: number, lon0: number): (lat: number, lon: number) => LocalXY {
  const kx = Math.cos(lat0 * RAD) * EARTH_RADIUS_M * RAD;
  const ky = EARTH_RADIUS_M * RAD;
  return (lat, lon) => {
    let dl = lon - lon0;
    if (dl > 180) dl -= 360;
    if (dl < -180) dl += 360;
    return { x: dl * kx, y: (lat - lat0) * ky };
  };
}

/** Points projected to local metres around their first point. */
export function toLocal(points: readonly TrackPoint[]): LocalXY[] {
  const first = points[0];
  if (!first) return [];
  const proj = projector(first.lat, first.lon);
  return points.map((p) => proj(p.lat, p.lon));
}

/** Euclidean distance of two local points. */
export function dist(a: LocalXY, b: LocalXY): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

/** The q-quantile (0..1) of the values, linear interpolation; NaN when empty. Does not modify its input. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (s[lo] as number) + ((s[hi] as number) - (s[lo] as number)) * (pos - lo);
}

/** Median of the values; NaN when empty. */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Clamp to [0, 1]. */
export function clamp01(v: number): number {
  return Math.min(1, Math.max(0, v));
}

/**
 * Cumulative path length at every point, counting only steps between points at least `minStepM` apart, so
 * that the jitter of a standing receiver does not add up to distance (each step is measured from the last
 * point that was counted).
 */
export function decimatedCumulative(xy: readonly LocalXY[], minStepM: number): number[] {
  const cum: number[] = [];
  let total = 0;
  let anchor = xy[0];
  for (const p of xy) {
    if (anchor && dist(anchor, p) >= minStepM) {
      total += dist(anchor, p);
      anchor = p;
    }
    cum.push(total);
  }
  return cum;
}
