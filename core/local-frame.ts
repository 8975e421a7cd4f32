import { EARTH_RADIUS_M } from './geo.ts';

const RAD = Math.PI / 180;

/**
 * A local east/north tangent plane around an origin, in metres (equirectangular: well under a centimetre off within
 * a kilometre). The demo generator draws its towns here and fusion intersects its rays here.
 */
export interface LocalFrame {
  readonly lat0: number;
  readonly lon0: number;
  /** East/north metres of a WGS84 point. */
  toXY(lat: number, lon: number): [number, number];
  /** WGS84 [lat, lon] of an east/north point. */
  toLatLon(x: number, y: number): [number, number];
}

/** A local tangent frame centred on (lat0, lon0). */
export function localFrame(lat0: number, lon0: number): LocalFrame {
  const kLat = EARTH_RADIUS_M * RAD;
  const kLon = EARTH_RADIUS_M * RAD * Math.cos(lat0 * RAD);
  return {
    lat0,
    lon0,
    toXY: (lat, lon) => [(lon - lon0) * kLon, (lat - lat0) * kLat],
    toLatLon: (x, y) => [lat0 + y / kLat, lon0 + x / kLon],
  };
}

/** Compass bearing in degrees [0, 360) of a local east/north direction vector. */
export function bearingOf(dx: number, dy: number): number {
  return (((Math.atan2(dx, dy) / RAD) % 360) + 360) % 360;
}

/** Unit east/north vector of a compass bearing in degrees. */
export function unitOf(bearingDeg: number): [number, number] {
  return [Math.sin(bearingDeg * RAD), Math.cos(bearingDeg * RAD)];
}
