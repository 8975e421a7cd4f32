/**
 * Roadside snapping: signs and hydrants stand beyond the kerb, so a fused position on the carriageway (GPS drift
 * pulls rays towards the road) is pushed out, perpendicular to the nearest road, to just beyond its edge. Positions
 * already off the asphalt are kept: the rays know better than a nominal road width.
 */
import { localFrame } from '../core/index.ts';

/** Half carriageway width by OSM highway class, metres (two 3.5-4 m lanes on main roads, narrower streets). */
const HALF_WIDTH: Readonly<Record<string, number>> = {
  motorway: 5.5,
  trunk: 4.5,
  primary: 4,
  secondary: 4,
  tertiary: 3.5,
};

/** Default half width for other classes (residential, service, unclassified), metres. */
const DEFAULT_HALF_WIDTH = 2.75;

/** Distance beyond the carriageway edge a roadside object stands at least, metres (kerb and pavement edge). */
const KERB_M = 0.3;

/** Within this distance of the centreline the side is a guess: leave the point alone. */
const SIDE_UNSURE_M = 0.3;

/** The position pushed to the side of the road it lies on, when it lies on the carriageway; else unchanged. */
export function snapRoadside(
  p: { lat: number; lon: number },
  road: { coords: ReadonlyArray<readonly [number, number]>; class: string },
): { lat: number; lon: number; movedM: number } {
  const f = localFrame(p.lat, p.lon);
  let best = { d2: Number.POSITIVE_INFINITY, side: 0, nx: 0, ny: 0, dist: 0 };
  for (let i = 0; i + 1 < road.coords.length; i++) {
    const [alon, alat] = road.coords[i] as readonly [number, number];
    const [blon, blat] = road.coords[i + 1] as readonly [number, number];
    const [ax, ay] = f.toXY(alat, alon);
    const [bx, by] = f.toXY(blat, blon);
    const vx = bx - ax;
    const vy = by - ay;
    const len2 = vx * vx + vy * vy;
    if (len2 === 0) continue;
    const s = Math.min(1, Math.max(0, -(ax * vx + ay * vy) / len2));
    const qx = ax + s * vx;
    const qy = ay + s * vy;
    const d2 = qx * qx + qy * qy;
    if (d2 < best.d2) {
      const len = Math.sqrt(len2);
      // Left normal of the segment; the point's side is the sign of its offset along it.
      const nx = -vy / len;
      const ny = vx / len;
      const off = -qx * nx + -qy * ny;
      best = { d2, side: Math.sign(off), nx, ny, dist: Math.abs(off) };
    }
  }
  const min = (HALF_WIDTH[road.class] ?? DEFAULT_HALF_WIDTH) + KERB_M;
  if (!Number.isFinite(best.d2) || best.dist < SIDE_UNSURE_M || best.dist >= min) return { ...p, movedM: 0 };
  const push = min - best.dist;
  const [lat, lon] = f.toLatLon(best.side * best.nx * push, best.side * best.ny * push);
  return { lat, lon, movedM: push };
}
