/**
 * A feature from all its observations: each drive's rays are triangulated on their own, then the drives are
 * averaged by information with a floor for the GPS drift a whole drive shares (so ten drives beat one long one).
 * Also the feature's value, facing, confidence and status.
 */

import type { FeatureStatus } from '../core/index.ts';
import { localFrame } from '../core/index.ts';
import { locate } from './associate.ts';
import { facingOf } from './facing.ts';
import type { Observation } from './observe.ts';
import { invert2 } from './triangulate.ts';

/** Everything fusion derives from a feature's observations. */
export interface FeatureEstimate {
  class: string;
  value: string | null;
  lat: number;
  lon: number;
  /** 1-sigma radial position uncertainty, metres. */
  sigmaM: number;
  facingDeg: number;
  observationCount: number;
  driveCount: number;
  meanScore: number;
  firstSeen: number;
  lastSeen: number;
}

/** Settings of the combination. */
export interface CombineOptions {
  /** Sigma of the drift shared by one drive's positions (GNSS bias), metres; default 2. */
  driveBiasSigmaM?: number;
}

/** Combines a feature's observations (non-empty, any order) into its position and attributes. */
export function estimateFeature(observations: readonly Observation[], opts: CombineOptions = {}): FeatureEstimate {
  // Sorted on content, not ids, so the same observations in any order (or inserted in any order) give the same sums.
  const obs = [...observations].sort(
    (a, b) =>
      a.uploadId.localeCompare(b.uploadId) ||
      a.t - b.t ||
      a.bearingDeg - b.bearingDeg ||
      a.rangeM - b.rangeM ||
      a.detectionId - b.detectionId,
  );
  const o0 = obs[0];
  if (!o0) throw new RangeError('estimateFeature needs at least one observation');
  const byDrive = new Map<string, Observation[]>();
  for (const o of obs) byDrive.set(o.uploadId, [...(byDrive.get(o.uploadId) ?? []), o]);
  const bias2 = (opts.driveBiasSigmaM ?? 2) ** 2;
  const parts = [...byDrive.values()].map(locate);
  const f = localFrame((parts[0] as (typeof parts)[0]).lat, (parts[0] as (typeof parts)[0]).lon);
  let a = 0;
  let b = 0;
  let c = 0;
  let bx = 0;
  let by = 0;
  for (const p of parts) {
    const [px, py] = f.toXY(p.lat, p.lon);
    const cv = p.estimate.cov;
    const inv = invert2([cv[0] + bias2, cv[1], cv[2] + bias2]) ?? [0, 0, 0];
    a += inv[0];
    b += inv[1];
    c += inv[2];
    bx += inv[0] * px + inv[1] * py;
    by += inv[1] * px + inv[2] * py;
  }
  const cov = invert2([a, b, c]) ?? [bias2, 0, bias2];
  const [lat, lon] = f.toLatLon(cov[0] * bx + cov[1] * by, cov[1] * bx + cov[2] * by);
  return {
    class: o0.class,
    value: modeOf(obs.map((o) => o.value)),
    lat,
    lon,
    sigmaM: Math.sqrt(cov[0] + cov[2]),
    facingDeg: facingOf(obs),
    observationCount: obs.length,
    driveCount: byDrive.size,
    meanScore: obs.reduce((s, o) => s + o.score, 0) / obs.length,
    firstSeen: Math.min(...obs.map((o) => o.t)),
    lastSeen: Math.max(...obs.map((o) => o.t)),
  };
}

/** The most frequent non-null value (ties: the smallest string), or null. */
function modeOf(values: readonly (string | null)[]): string | null {
  const n = new Map<string, number>();
  for (const v of values) if (v !== null) n.set(v, (n.get(v) ?? 0) + 1);
  let best: string | null = null;
  let bestN = 0;
  for (const [v, k] of [...n].sort((x, y) => (x[0] < y[0] ? -1 : 1))) {
    if (k > bestN) {
      best = v;
      bestN = k;
    }
  }
  return best;
}

/** Evidence for a feature's confidence. */
export interface ConfidenceInput {
  observationCount: number;
  driveCount: number;
  meanScore: number;
  votesUp: number;
  votesDown: number;
}

/**
 * Confidence in [0, 1] as a logistic of the evidence: independent drives count most (one contributor's drive can be
 * wrong or faked), observations within a drive a little (log), detector scores shift it, each reviewer vote weighs
 * like about two drives. One drive with ten detections at 0.8 gives about 0.6; three drives about 0.95.
 */
export function confidenceOf(e: ConfidenceInput): number {
  const z =
    -2.2 +
    1.4 * e.driveCount +
    0.35 * Math.log1p(e.observationCount) +
    3 * (e.meanScore - 0.6) +
    2.5 * (e.votesUp - e.votesDown);
  return 1 / (1 + Math.exp(-z));
}

/** Settings of change detection. */
export interface RemovalOptions {
  /** Per-frame detection probability of a present, clearly visible object; default 0.8. */
  recall?: number;
  /** Floor of P(a whole pass misses | present): occlusion by a truck, a bad exposure; default 0.05. */
  missFloor?: number;
}

/**
 * Removal probability after one pass with `expected` clear frames, `seen` of them detected. A detection proves the
 * object was there at that pass, so the probability restarts from the prior; a full miss is a Bayes update with
 * likelihood ratio 1 / max((1 - recall)^expected, missFloor): with the defaults three misses in a row cross 0.9.
 */
export function updateRemoval(p: number, pass: { expected: number; seen: number }, opts: RemovalOptions = {}): number {
  if (pass.seen > 0) return REMOVAL_PRIOR;
  if (pass.expected <= 0) return p;
  const recall = opts.recall ?? 0.8;
  const prior = Math.min(Math.max(p, 1e-4), 1 - 1e-4);
  const lr = 1 / Math.max((1 - recall) ** pass.expected, opts.missFloor ?? 0.05);
  const odds = (prior / (1 - prior)) * lr;
  return odds / (1 + odds);
}

/** Prior removal probability of a feature that was just seen. */
export const REMOVAL_PRIOR = 0.01;

/** Removal probability at or above which a feature is marked probably removed. */
export const REMOVED_AT = 0.9;

/** Status from the evidence: review decides first, then removal, then confirmation by drives and confidence. */
export function statusOf(e: {
  confidence: number;
  driveCount: number;
  votesUp: number;
  votesDown: number;
  removal: number;
}): FeatureStatus {
  if (e.votesDown > e.votesUp) return 'rejected';
  if (e.removal >= REMOVED_AT) return 'probably_removed';
  if (e.votesUp > e.votesDown) return 'confirmed';
  return e.driveCount >= 2 && e.confidence >= 0.8 ? 'confirmed' : 'candidate';
}
