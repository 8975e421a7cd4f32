/** Change detection helpers: which of a drive's frames should have shown a feature, and the misses in a row. */

import type { LocalFrame } from '../core/index.ts';
import { rayIn } from './associate.ts';
import { classGeometry, DEFAULT_HFOV_DEG } from './classes.ts';
import { angleBetween } from './facing.ts';
import type { Observation } from './observe.ts';
import { mahalanobis2, rayCovariance, rayPoint } from './triangulate.ts';
import { clearlyVisible, type FramePose, type VisibilityOptions } from './visibility.ts';

/** Frames bucketed in square cells of local metres, so each feature looks only at frames near it. */
export interface FrameGrid<F extends FramePose> {
  cellM: number;
  cells: Map<string, F[]>;
}

/** Buckets frames by position (cell size: the farthest distance any feature can count as clearly visible). */
export function frameGrid<F extends FramePose>(frames: readonly F[], f: LocalFrame, cellM = 40): FrameGrid<F> {
  const cells = new Map<string, F[]>();
  for (const p of frames) {
    const [x, y] = f.toXY(p.lat, p.lon);
    const k = `${Math.floor(x / cellM)},${Math.floor(y / cellM)}`;
    const c = cells.get(k);
    if (c) c.push(p);
    else cells.set(k, [p]);
  }
  return { cellM, cells };
}

/** Number of the drive's frames in which the feature should have been clearly visible. */
export function countClear<F extends FramePose>(
  feature: { lat: number; lon: number; class: string; facingDeg: number | null },
  grid: FrameGrid<F>,
  f: LocalFrame,
  opts: VisibilityOptions = {},
): number {
  const geo = classGeometry(feature.class);
  if (!geo) return 0;
  const [x, y] = f.toXY(feature.lat, feature.lon);
  let maxW = 0;
  let minFov = 180;
  for (const c of grid.cells.values())
    for (const p of c) {
      maxW = Math.max(maxW, p.width);
      minFov = Math.min(minFov, p.hfovDeg ?? DEFAULT_HFOV_DEG);
    }
  // Farther than focal * height / minimum box, no frame can show the object clearly.
  const focal = maxW / 2 / Math.tan((minFov / 2) * (Math.PI / 180));
  const reach = (focal * geo.heightM) / (opts.minBoxPx ?? 14);
  const r = Math.ceil(reach / grid.cellM);
  const cx = Math.floor(x / grid.cellM);
  const cy = Math.floor(y / grid.cellM);
  let n = 0;
  for (let i = cx - r; i <= cx + r; i++)
    for (let j = cy - r; j <= cy + r; j++)
      for (const p of grid.cells.get(`${i},${j}`) ?? []) if (clearlyVisible(feature, p, opts)) n++;
  return n;
}

/** Passes at the end of a feature's history that expected it and saw nothing. */
export function trailingMisses(history: ReadonlyArray<{ expected: number; seen: number }>): number {
  let n = 0;
  for (let i = history.length - 1; i >= 0 && (history[i]?.seen ?? 1) === 0; i--) n++;
  return n;
}

/**
 * Observations of the drive that are compatible with the feature (same class, ray point within the gate of both
 * uncertainties), tracklet or not: one or two sightings too few to triangulate still prove the object is there.
 */
export function countSeen(
  feature: { lat: number; lon: number; class: string; sigmaM: number; facingDeg: number | null },
  observations: readonly Observation[],
  f: LocalFrame,
  gate = 9.21,
): number {
  const [x, y] = f.toXY(feature.lat, feature.lon);
  const s2 = feature.sigmaM ** 2;
  const faced = classGeometry(feature.class)?.faced ?? false;
  let n = 0;
  for (const o of observations) {
    if (o.class !== feature.class) continue;
    // A sign facing elsewhere at the same junction is another object.
    if (faced && feature.facingDeg !== null && angleBetween(o.bearingDeg + 180, feature.facingDeg) > 60) continue;
    const ray = rayIn(f, o);
    const [px, py] = rayPoint(ray);
    if ((px - x) ** 2 + (py - y) ** 2 > 10_000) continue;
    const c = rayCovariance(ray);
    if (mahalanobis2(px - x, py - y, [c[0] + s2, c[1], c[2] + s2]) < gate) n++;
  }
  return n;
}
