/** Mean Earth radius in metres (IUGG), used by the spherical formulas below. */
export const EARTH_RADIUS_M = 6_371_008.8;

const RAD = Math.PI / 180;

/** Great-circle distance in metres between two WGS84 points (haversine). */
export function haversine(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const dLat = (lat2 - lat1) * RAD;
  const dLon = (lon2 - lon1) * RAD;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** Initial bearing in degrees [0, 360) from point 1 to point 2. */
export function bearing(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const p1 = lat1 * RAD;
  const p2 = lat2 * RAD;
  const dl = (lon2 - lon1) * RAD;
  const y = Math.sin(dl) * Math.cos(p2);
  const x = Math.cos(p1) * Math.sin(p2) - Math.sin(p1) * Math.cos(p2) * Math.cos(dl);
  return (Math.atan2(y, x) / RAD + 360) % 360;
}

/** The point reached from (lat, lon) after `distance` metres on initial bearing `bearingDeg`. */
export function destination(lat: number, lon: number, bearingDeg: number, distance: number): [number, number] {
  const d = distance / EARTH_RADIUS_M;
  const b = bearingDeg * RAD;
  const p1 = lat * RAD;
  const l1 = lon * RAD;
  const p2 = Math.asin(Math.sin(p1) * Math.cos(d) + Math.cos(p1) * Math.sin(d) * Math.cos(b));
  const l2 = l1 + Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(p1), Math.cos(d) - Math.sin(p1) * Math.sin(p2));
  return [p2 / RAD, ((l2 / RAD + 540) % 360) - 180];
}

/** Smallest signed difference a - b between two headings, in degrees (-180, 180]. */
export function headingDelta(a: number, b: number): number {
  const d = ((((a - b) % 360) + 540) % 360) - 180;
  return d === -180 ? 180 : d;
}

/** A [west, south, east, north] box in degrees (WGS84). */
export type LonLatBox = [number, number, number, number];

/** The smallest box holding every point ([+Inf, +Inf, -Inf, -Inf], which holds nothing, when there are none). */
export function boxOf(points: Iterable<{ lat: number; lon: number }>): LonLatBox {
  let w = Infinity;
  let s = Infinity;
  let e = -Infinity;
  let n = -Infinity;
  for (const p of points) {
    w = Math.min(w, p.lon);
    e = Math.max(e, p.lon);
    s = Math.min(s, p.lat);
    n = Math.max(n, p.lat);
  }
  return [w, s, e, n];
}

/**
 * `box` grown by `metres` on every side. Spherical metres per degree; the longitude scale is taken at the box's
 * middle latitude and floored at cos = 0.01 so a box near a pole stays finite.
 */
export function growBox(box: readonly [number, number, number, number], metres: number): LonLatBox {
  const [w, s, e, n] = box;
  const dLat = metres / (EARTH_RADIUS_M * RAD);
  const dLon = dLat / Math.max(0.01, Math.cos(((s + n) / 2) * RAD));
  return [w - dLon, s - dLat, e + dLon, n + dLat];
}
