import type { Track } from '../core/index.ts';
import { haversine } from '../core/index.ts';
import type { Finding, TrackFingerprint } from './validate/index.ts';

/**
 * Two tracks of one device at the same moments more than this far apart: the device can't have been in both places.
 * 1 km is far beyond GPS error and any plausible clock skew at city speeds (a few seconds x 30 m/s).
 */
export const DEVICE_CONFLICT_M = 1000;

/** Position of a time-sorted track at time t (linear between fixes), or undefined outside its span. */
function positionAt(points: Track['points'], t: number): { lat: number; lon: number } | undefined {
  let lo = 0;
  let hi = points.length - 1;
  if (hi < 0 || t < points[0]!.t || t > points[hi]!.t) return undefined;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (points[mid]!.t <= t) lo = mid;
    else hi = mid;
  }
  const a = points[lo]!;
  const b = points[hi]!;
  const f = b.t === a.t ? 0 : (t - a.t) / (b.t - a.t);
  return { lat: a.lat + (b.lat - a.lat) * f, lon: a.lon + (b.lon - a.lon) * f };
}

/**
 * `device_conflict`: compares this track with another upload of the same device at the moments both cover; if the
 * median distance between them exceeds {@link DEVICE_CONFLICT_M} over at least 3 shared moments, one of them lies.
 */
export function deviceConflict(
  track: Track,
  other: { uploadId: string; fingerprint: TrackFingerprint },
): Finding | undefined {
  const pts = track.points.filter((p) => Number.isFinite(p.t)).sort((a, b) => a.t - b.t);
  const fp = other.fingerprint;
  const d: number[] = [];
  for (let i = 0; i < fp.t.length; i++) {
    const t = fp.startMs + fp.t[i]!;
    const here = positionAt(pts, t);
    if (here) d.push(haversine(here.lat, here.lon, fp.lat[i]! / 1e7, fp.lon[i]! / 1e7));
  }
  if (d.length < 3) return undefined;
  d.sort((a, b) => a - b);
  const median = d[d.length >> 1]!;
  if (median <= DEVICE_CONFLICT_M) return undefined;
  return {
    code: 'device_conflict',
    severity: 'reject',
    message: `the same device was ${Math.round(median / 100) / 10} km away at the same time in upload ${other.uploadId} (median over ${d.length} moments): a device can't be in two places at once`,
    details: { otherUploadId: other.uploadId, medianDistanceM: Math.round(median), moments: d.length },
  };
}
