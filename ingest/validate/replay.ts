/**
 * Replay detection: a compact fingerprint of a drive (its fixes thinned to >= 5 m steps, quantised, with times) and a
 * point-wise comparison. Two real drives of one street differ by metres of independent GPS error and lane; a
 * re-upload differs by centimetres (added jitter) or by one constant offset, and keeps the speed profile.
 */

import type { Track, TrackPoint } from '../../core/index.ts';
import { growBox } from '../../core/index.ts';
import { clamp01, dist, type LocalXY, median, projector } from './local-metrics.ts';
import { THRESHOLDS } from './thresholds.ts';

/** Geometric + temporal signature of a track. JSON-serialisable; three integers per fix kept. */
export interface TrackFingerprint {
  version: 1;
  startMs: number;
  endMs: number;
  spacingM: number;
  /** [minLon, minLat, maxLon, maxLat] in degrees. */
  bbox: [number, number, number, number];
  /** Positions of the kept fixes, degrees x 1e7 (integers, 1 cm). */
  lat: number[];
  lon: number[];
  /** Milliseconds since startMs of each kept fix. */
  t: number[];
}

/** How alike two fingerprints are; `replay` is the verdict. */
export interface ReplaySimilarity {
  /** overlap x closeness of the geometry, 0..1 (1 = same path to the centimetre, or shifted by a constant). */
  geometric: number;
  /** Closeness of the speed profiles (time offsets constant along the path), 0..1, whatever the time shift. */
  temporal: number;
  /** Fraction of A's fixes within 30 m of a fix of B. */
  overlap: number;
  matched: number;
  /** Median spread of the position offsets around their median, metres. */
  spreadM: number;
  /** Median offset |A - B|, metres (a constant shift shows here, not in the spread). */
  offsetM: number;
  /** Median time offset A - B, seconds (seconds for a re-upload, days for a recycled drive). */
  timeShiftS: number;
  replay: boolean;
  kind: 'replay' | 'geometric_copy' | 'none';
}

const E7 = 1e7;

/**
 * Fingerprint of a track: its fixes thinned to steps of >= 5 m (standing jitter removed), quantised to 1 cm and
 * 1 ms. The fixes themselves are kept, not a resampling: a copy repeats them to the centimetre, while another drive
 * of the same road samples it at other places (metres apart along the road, whatever the receiver's accuracy).
 */
export function trackFingerprint(track: Track, spacingM: number = THRESHOLDS.replay.spacingM): TrackFingerprint {
  const pts = track.points.filter((p) => Number.isFinite(p.lat) && Number.isFinite(p.lon) && Number.isFinite(p.t));
  const first = pts[0];
  const fp: TrackFingerprint = {
    version: 1,
    startMs: first?.t ?? 0,
    endMs: first?.t ?? 0,
    spacingM,
    bbox: [0, 0, 0, 0],
    lat: [],
    lon: [],
    t: [],
  };
  if (!first) return fp;
  const proj = projector(first.lat, first.lon);
  let anchor: LocalXY | undefined;
  for (const p of pts) {
    const xy = proj(p.lat, p.lon);
    if (anchor && dist(anchor, xy) < spacingM) continue;
    anchor = xy;
    fp.lat.push(Math.round(p.lat * E7));
    fp.lon.push(Math.round(p.lon * E7));
    fp.t.push(p.t - first.t);
  }
  fp.endMs = (pts[pts.length - 1] as TrackPoint).t;
  // A loop, not Math.min(...fp.lon): spreading 130,000+ values overflows the call stack (RangeError).
  let [w, so, e, n] = [Infinity, Infinity, -Infinity, -Infinity];
  for (let i = 0; i < fp.lat.length; i++) {
    const lon = fp.lon[i] as number;
    const lat = fp.lat[i] as number;
    if (lon < w) w = lon;
    if (lon > e) e = lon;
    if (lat < so) so = lat;
    if (lat > n) n = lat;
  }
  fp.bbox = [w / E7, so / E7, e / E7, n / E7];
  return fp;
}

interface Projected {
  xy: LocalXY[];
  t: number[];
}

function project(fp: TrackFingerprint, proj: (lat: number, lon: number) => LocalXY): Projected {
  return { xy: fp.lat.map((la, i) => proj(la / E7, (fp.lon[i] as number) / E7)), t: fp.t.map((t) => t + fp.startMs) };
}

/** Nearest fix of B to p, with its time; fixes bucketed in a grid of `cell` metres. */
function nearestFix(b: Projected, cell: number): (p: LocalXY) => { d: LocalXY; dist: number; t: number } | undefined {
  const grid = new Map<string, number[]>();
  const key = (x: number, y: number) => `${x},${y}`;
  b.xy.forEach((p, i) => {
    const k = key(Math.floor(p.x / cell), Math.floor(p.y / cell));
    const list = grid.get(k);
    if (list) list.push(i);
    else grid.set(k, [i]);
  });
  return (p) => {
    let best: { d: LocalXY; dist: number; t: number } | undefined;
    const cx = Math.floor(p.x / cell);
    const cy = Math.floor(p.y / cell);
    for (let dx = -1; dx <= 1; dx++)
      for (let dy = -1; dy <= 1; dy++)
        for (const i of grid.get(key(cx + dx, cy + dy)) ?? []) {
          const q = b.xy[i] as LocalXY;
          const d = dist(p, q);
          if (!best || d < best.dist) best = { d: { x: p.x - q.x, y: p.y - q.y }, dist: d, t: b.t[i] as number };
        }
    return best;
  };
}

/** Compares fingerprint A (the new upload) with B (an earlier one): geometric and temporal similarity, 0..1. */
export function replaySimilarity(a: TrackFingerprint, b: TrackFingerprint): ReplaySimilarity {
  const R = THRESHOLDS.replay;
  const none: ReplaySimilarity = {
    geometric: 0,
    temporal: 0,
    overlap: 0,
    matched: 0,
    spreadM: Number.POSITIVE_INFINITY,
    offsetM: Number.POSITIVE_INFINITY,
    timeShiftS: 0,
    replay: false,
    kind: 'none',
  };
  if (a.lat.length === 0 || b.lat.length === 0) return none;
  const proj = projector((a.lat[0] as number) / E7, (a.lon[0] as number) / E7);
  const pa = project(a, proj);
  const near = nearestFix(project(b, proj), R.matchM);
  // Match, then shift A by the median offset and match again: a copy moved by a constant vector lines up exactly,
  // independent drives keep their metres of spread. Three rounds converge for shifts up to the match distance.
  let offsets: LocalXY[] = [];
  let dts: number[] = [];
  let mx = 0;
  let my = 0;
  for (let round = 0; round < 3; round++) {
    offsets = [];
    dts = [];
    pa.xy.forEach((p, i) => {
      const n = near({ x: p.x - mx, y: p.y - my });
      if (n && n.dist <= R.matchM) {
        offsets.push({ x: n.d.x + mx, y: n.d.y + my });
        dts.push(((pa.t[i] as number) - n.t) / 1000);
      }
    });
    if (offsets.length === 0) return none;
    mx = median(offsets.map((o) => o.x));
    my = median(offsets.map((o) => o.y));
  }
  const spreadM = median(offsets.map((o) => Math.hypot(o.x - mx, o.y - my)));
  const shift = median(dts);
  const timeSpread = median(dts.map((d) => Math.abs(d - shift)));
  const overlap = offsets.length / pa.xy.length;
  const geometric = overlap * clamp01(1 - spreadM / R.spreadScaleM);
  const temporal = clamp01(1 - timeSpread / R.timeScaleS);
  const replay = geometric >= R.minGeometric && offsets.length >= R.minMatched && overlap >= R.minOverlap;
  return {
    geometric,
    temporal,
    overlap,
    matched: offsets.length,
    spreadM,
    offsetM: Math.hypot(mx, my),
    timeShiftS: shift,
    replay,
    kind: replay ? (temporal >= 0.5 ? 'replay' : 'geometric_copy') : 'none',
  };
}

/**
 * Earlier fingerprints worth comparing with `fp`: bounding boxes (grown by 50 m) intersect and at least half of a
 * sample of fp's points lies inside the other's grown box. Best candidates first. No time filter: a replay may come
 * days later.
 */
export function replayCandidates<T extends TrackFingerprint>(fp: TrackFingerprint, earlier: readonly T[]): T[] {
  if (fp.lat.length === 0) return [];
  const step = Math.max(1, Math.floor(fp.lat.length / 64));
  const scored: Array<{ c: T; f: number }> = [];
  for (const c of earlier) {
    if (c.lat.length === 0) continue;
    const [x0, y0, x1, y1] = growBox(c.bbox, THRESHOLDS.replay.bboxMarginM);
    if (fp.bbox[0] > x1 || fp.bbox[2] < x0 || fp.bbox[1] > y1 || fp.bbox[3] < y0) continue;
    let inside = 0;
    let total = 0;
    for (let i = 0; i < fp.lat.length; i += step) {
      const la = (fp.lat[i] as number) / E7;
      const lo = (fp.lon[i] as number) / E7;
      total++;
      if (lo >= x0 && lo <= x1 && la >= y0 && la <= y1) inside++;
    }
    if (inside / total >= 0.5) scored.push({ c, f: inside / total });
  }
  return scored.sort((p, q) => q.f - p.f).map((s) => s.c);
}
