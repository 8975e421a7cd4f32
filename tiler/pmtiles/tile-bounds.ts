/**
 * Geographic extent of XYZ tiles in Web Mercator (EPSG:3857), used to fill the header's bounds (spec 3.4).
 */

/** Western, southern, eastern and northern edges of a tile in degrees. */
export interface LonLatBounds {
  minLon: number;
  minLat: number;
  maxLon: number;
  maxLat: number;
}

/** Longitude of the western edge of tile column `x` at zoom `z`. */
export function tileLon(z: number, x: number): number {
  return (x / 2 ** z) * 360 - 180;
}

/** Latitude of the northern edge of tile row `y` at zoom `z` (inverse Web Mercator). */
export function tileLat(z: number, y: number): number {
  const n = Math.PI * (1 - (2 * y) / 2 ** z);
  return (Math.atan(Math.sinh(n)) * 180) / Math.PI;
}

/** Bounds of tile z/x/y. */
export function tileBounds(z: number, x: number, y: number): LonLatBounds {
  return { minLon: tileLon(z, x), maxLon: tileLon(z, x + 1), maxLat: tileLat(z, y), minLat: tileLat(z, y + 1) };
}
