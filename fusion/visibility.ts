/**
 * Change detection's question: should this frame have shown the feature clearly? Yes when the face looks towards
 * the camera, the object falls in the central part of the image and its box would be tall enough for the detector.
 */

import { bearingOf, localFrame } from '../core/index.ts';
import { classGeometry, DEFAULT_HFOV_DEG } from './classes.ts';

const RAD = Math.PI / 180;

/** A frame's camera: position, heading, mounting and image size. */
export interface FramePose {
  lat: number;
  lon: number;
  headingDeg: number | null;
  mountYawDeg: number;
  hfovDeg: number | null;
  width: number;
  height: number;
}

/** A feature as change detection sees it. */
export interface VisibleFeature {
  lat: number;
  lon: number;
  class: string;
  facingDeg: number | null;
}

/** Thresholds of "clearly visible". */
export interface VisibilityOptions {
  /** Expected box height the detector finds reliably, pixels; default 14. */
  minBoxPx?: number;
  /** Share of the half-width around the centre counted as well inside the view; default 0.8. */
  centralShare?: number;
  /** Largest angle between the face's direction and the direction to the camera, degrees; default 60. */
  maxFacingDeg?: number;
  /** Nearer than this the object may be above or beside the image, metres; default 6. */
  minRangeM?: number;
}

/** Difference of two bearings in degrees, within [-180, 180). */
function delta(a: number, b: number): number {
  return ((((a - b) % 360) + 540) % 360) - 180;
}

/** Whether the feature should be clearly visible in the frame (false when unknown: no heading, unmapped class). */
export function clearlyVisible(feature: VisibleFeature, pose: FramePose, opts: VisibilityOptions = {}): boolean {
  const geo = classGeometry(feature.class);
  if (!geo || pose.headingDeg === null) return false;
  const f = localFrame(feature.lat, feature.lon);
  const [cx, cy] = f.toXY(pose.lat, pose.lon);
  const range = Math.hypot(cx, cy);
  if (range < (opts.minRangeM ?? 6)) return false;
  const toFeature = bearingOf(-cx, -cy);
  if (
    geo.faced &&
    feature.facingDeg !== null &&
    Math.abs(delta(bearingOf(cx, cy), feature.facingDeg)) > (opts.maxFacingDeg ?? 60)
  )
    return false;
  const off = delta(toFeature, pose.headingDeg + pose.mountYawDeg) * RAD;
  if (Math.abs(off) >= Math.PI / 2) return false;
  const halfTan = Math.tan(((pose.hfovDeg ?? DEFAULT_HFOV_DEG) / 2) * RAD);
  if (Math.abs(Math.tan(off)) > (opts.centralShare ?? 0.8) * halfTan) return false;
  const focal = pose.width / 2 / halfTan;
  const boxPx = (focal * geo.heightM) / (range * Math.cos(off));
  return boxPx >= (opts.minBoxPx ?? 14);
}
