/**
 * Association within one drive: observations of the same class whose rays agree with a track's current estimate
 * (Mahalanobis gate under both uncertainties) join it, frame by frame, nearest pair first; each finished track is
 * triangulated into a tracklet. False positives rarely repeat, so tracks need a few observations to count.
 */
import { type LocalFrame, localFrame } from '../core/index.ts';
import { compareObservations, type Observation } from './observe.ts';
import { type Estimate, mahalanobis2, type Ray, rayCovariance, rayPoint, triangulate } from './triangulate.ts';

/** One drive's evidence for one object: its observations and their triangulated position. */
export interface Tracklet {
  uploadId: string;
  class: string;
  observations: Observation[];
  lat: number;
  lon: number;
  estimate: Estimate;
}

/** Tracking settings. */
export interface AssociateOptions {
  /** Squared Mahalanobis gate; default 13.8 (chi-square, 2 dof, 99.9 %). */
  gate?: number;
  /** A track not extended for this long is closed, seconds; default 4. */
  maxGapS?: number;
  /** Observations a track needs to become a tracklet; default 3. */
  minObservations?: number;
}

/** A ray in the frame `f`. */
export function rayIn(f: LocalFrame, o: Observation): Ray {
  const [x, y] = f.toXY(o.lat, o.lon);
  return {
    x,
    y,
    bearingDeg: o.bearingDeg,
    bearingSigmaDeg: o.bearingSigmaDeg,
    rangeM: o.rangeM,
    rangeSigmaM: o.rangeSigmaM,
    positionSigmaM: o.positionSigmaM,
  };
}

/** Triangulates observations in a frame centred on their first camera, returning WGS84 and the local estimate. */
export function locate(obs: readonly Observation[]): { lat: number; lon: number; estimate: Estimate } {
  const first = obs[0];
  if (!first) throw new RangeError('locate needs at least one observation');
  const f = localFrame(first.lat, first.lon);
  const estimate = triangulate(obs.map((o) => rayIn(f, o)));
  const [lat, lon] = f.toLatLon(estimate.x, estimate.y);
  return { lat, lon, estimate };
}

interface Track {
  obs: Observation[];
  rays: Ray[];
  est: Estimate;
  lastT: number;
}

/** Links one drive's observations into tracklets (input order does not matter). */
export function associateDrive(observations: readonly Observation[], opts: AssociateOptions = {}): Tracklet[] {
  const gate = opts.gate ?? 13.8;
  const maxGapMs = (opts.maxGapS ?? 4) * 1000;
  const minObs = opts.minObservations ?? 3;
  const sorted = [...observations].sort(compareObservations);
  const first = sorted[0];
  if (!first) return [];
  const f = localFrame(first.lat, first.lon);
  const open: Track[] = [];
  const done: Track[] = [];
  for (let i = 0; i < sorted.length; ) {
    const t = (sorted[i] as Observation).t;
    let j = i;
    while (
      j < sorted.length &&
      (sorted[j] as Observation).t === t &&
      (sorted[j] as Observation).uploadId === sorted[i]?.uploadId
    )
      j++;
    const frameObs = sorted.slice(i, j);
    i = j;
    for (let k = open.length - 1; k >= 0; k--) {
      if (t - (open[k] as Track).lastT > maxGapMs) done.push(...open.splice(k, 1));
    }
    const rays = frameObs.map((o) => rayIn(f, o));
    const pairs: Array<{ d2: number; o: number; tr: number }> = [];
    frameObs.forEach((o, oi) => {
      const ray = rays[oi] as Ray;
      const [px, py] = rayPoint(ray);
      const rc = rayCovariance(ray);
      open.forEach((tr, ti) => {
        if (tr.obs[0]?.class !== o.class) return;
        const c = tr.est.cov;
        const d2 = mahalanobis2(px - tr.est.x, py - tr.est.y, [rc[0] + c[0], rc[1] + c[1], rc[2] + c[2]]);
        if (d2 < gate) pairs.push({ d2, o: oi, tr: ti });
      });
    });
    pairs.sort((a, b) => a.d2 - b.d2 || a.o - b.o || a.tr - b.tr);
    const usedO = new Set<number>();
    const usedT = new Set<number>();
    for (const p of pairs) {
      if (usedO.has(p.o) || usedT.has(p.tr)) continue;
      usedO.add(p.o);
      usedT.add(p.tr);
      const tr = open[p.tr] as Track;
      tr.obs.push(frameObs[p.o] as Observation);
      tr.rays.push(rays[p.o] as Ray);
      tr.est = triangulate(tr.rays);
      tr.lastT = t;
    }
    frameObs.forEach((o, oi) => {
      if (usedO.has(oi)) return;
      const ray = rays[oi] as Ray;
      open.push({ obs: [o], rays: [ray], est: triangulate([ray]), lastT: t });
    });
  }
  done.push(...open);
  return done
    .filter((tr) => tr.obs.length >= minObs)
    .map((tr) => {
      const o0 = tr.obs[0] as Observation;
      return { uploadId: o0.uploadId, class: o0.class, observations: tr.obs, ...locate(tr.obs) };
    });
}
