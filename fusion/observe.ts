/**
 * Observation geometry: one detection becomes a ray from the camera (bearing = vehicle heading + mount yaw + the
 * box centre's angle off the optical axis) with a range from the box height and the class's physical size.
 */
import { classGeometry, DEFAULT_HFOV_DEG } from './classes.ts';

const RAD = Math.PI / 180;

/** A detection with the pose of its frame and the camera it came from (what fusion reads from the database). */
export interface PosedDetection {
  detectionId: number;
  uploadId: string;
  frameId: number;
  /** Unix milliseconds of the frame. */
  t: number;
  /** Camera (frame) position, WGS84. */
  lat: number;
  lon: number;
  /** Vehicle heading (GPS course), degrees; frames without one cannot give a ray. */
  headingDeg: number | null;
  frameWidth: number;
  frameHeight: number;
  /** Device horizontal field of view; null means undeclared ({@link DEFAULT_HFOV_DEG}). */
  hfovDeg: number | null;
  /** Camera yaw relative to the heading, degrees clockwise. */
  mountYawDeg: number;
  class: string;
  score: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  value: string | null;
}

/** A ray with its uncertainties: where the object probably is, as seen from one frame. */
export interface Observation {
  detectionId: number;
  uploadId: string;
  frameId: number;
  t: number;
  class: string;
  value: string | null;
  score: number;
  lat: number;
  lon: number;
  /** Compass bearing from the camera to the object, degrees [0, 360). */
  bearingDeg: number;
  bearingSigmaDeg: number;
  /** Horizontal distance from the box height and the class's size, metres. */
  rangeM: number;
  rangeSigmaM: number;
  /** 1-sigma error of the camera position itself (per-frame GPS noise), metres. */
  positionSigmaM: number;
  /** Box centre column and height in pixels (kept for deterministic ordering and visibility checks). */
  u: number;
  boxH: number;
}

/** The error model of the inputs; the defaults describe a consumer dashcam with 1 Hz GNSS. */
export interface ObserveOptions {
  /** GPS course error, degrees; default 2 (Doppler course of a consumer receiver while moving). */
  headingSigmaDeg?: number;
  /** Error of the declared mount yaw, degrees; default 1. */
  mountYawSigmaDeg?: number;
  /** Box edge jitter of the detector, pixels; default 1.5. */
  boxSigmaPx?: number;
  /** White GPS noise per frame position, metres; default 3 (the drift shared by a drive is handled when combining). */
  positionSigmaM?: number;
  /** Boxes shorter than this are ignored: their range is mostly noise. Default 6 px. */
  minBoxPx?: number;
}

/** Turns a posed detection into an observation, or undefined for classes fusion does not map and unusable boxes. */
export function observe(d: PosedDetection, opts: ObserveOptions = {}): Observation | undefined {
  const geo = classGeometry(d.class);
  if (!geo || d.headingDeg === null) return undefined;
  const boxH = d.y2 - d.y1;
  if (!(boxH >= (opts.minBoxPx ?? 6)) || !(d.x2 > d.x1)) return undefined;
  const hfov = d.hfovDeg ?? DEFAULT_HFOV_DEG;
  const f = d.frameWidth / 2 / Math.tan((hfov / 2) * RAD);
  const u = (d.x1 + d.x2) / 2;
  const off = Math.atan((u - d.frameWidth / 2) / f);
  // Pinhole: depth along the optical axis = f * H / h; the horizontal range grows by 1/cos of the off-axis angle.
  const depth = (f * geo.heightM) / boxH;
  const rangeM = depth / Math.cos(off);
  const boxSigma = opts.boxSigmaPx ?? 1.5;
  // A box cut by the image border measures only part of the object: its height says little.
  const cut = d.y1 <= 1 || d.y2 >= d.frameHeight - 1 || d.x1 <= 1 || d.x2 >= d.frameWidth - 1;
  const rel = Math.hypot(geo.sizeSigmaRel, (Math.SQRT2 * boxSigma) / boxH) * (cut ? 3 : 1);
  const pixelDeg = (Math.atan(boxSigma / f) / RAD) * Math.SQRT1_2;
  const bearingSigmaDeg = Math.hypot(opts.headingSigmaDeg ?? 2, opts.mountYawSigmaDeg ?? 1, pixelDeg);
  const bearing = d.headingDeg + d.mountYawDeg + off / RAD;
  return {
    detectionId: d.detectionId,
    uploadId: d.uploadId,
    frameId: d.frameId,
    t: d.t,
    class: d.class,
    value: d.value,
    score: Math.fround(d.score),
    lat: d.lat,
    lon: d.lon,
    // Rounded to float4 as stored in feature_observations, so a feature re-estimated from the database matches.
    bearingDeg: Math.fround(((bearing % 360) + 360) % 360),
    bearingSigmaDeg: Math.fround(bearingSigmaDeg),
    rangeM: Math.fround(rangeM),
    rangeSigmaM: Math.fround(rangeM * rel),
    positionSigmaM: Math.fround(opts.positionSigmaM ?? 3),
    u,
    boxH,
  };
}

/** Canonical order of observations (time, then box), independent of database ids, so results never depend on it. */
export function compareObservations(a: Observation, b: Observation): number {
  return (
    a.uploadId.localeCompare(b.uploadId) ||
    a.t - b.t ||
    a.class.localeCompare(b.class) ||
    a.u - b.u ||
    a.boxH - b.boxH ||
    a.score - b.score ||
    a.detectionId - b.detectionId
  );
}
