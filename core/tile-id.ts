/**
 * PMTiles v3 tile ids (spec section 4.1, "TileID"): a tile's position on the series of Hilbert curves that starts
 * at zoom 0, so id = (number of tiles at all lower zooms) + (Hilbert index of x/y at its zoom).
 *
 * Plain numbers are exact here. The largest id at zoom 26 is (4^27 - 1) / 3 - 1, about 6.0e15, below 2^53
 * (about 9.0e15); at zoom 27 the ids would reach 2.4e16 and lose precision, so zoom 26 is the limit (the official
 * JavaScript reader has the same limit). x and y stay below 2^26, so the bit operators (32-bit) on them are exact;
 * the id itself is only ever added, multiplied by powers of two and divided by 4, which are exact below 2^53.
 */
import { invalid } from './errors.ts';

/** Highest zoom whose tile ids are exact JavaScript numbers. */
export const MAX_TILE_ZOOM = 26;

/** ZOOM_BASE[z] = number of tiles at zooms 0..z-1 = (4^z - 1) / 3, by the exact recurrence base(z+1) = 4 base(z) + 1. */
const ZOOM_BASE: readonly number[] = (() => {
  const bases = [0];
  for (let z = 0; z <= MAX_TILE_ZOOM; z++) bases.push(bases[z]! * 4 + 1);
  return bases;
})();

/** Largest tile id handled here: the last tile of zoom 26. */
export const MAX_TILE_ID = ZOOM_BASE[MAX_TILE_ZOOM + 1]! - 1;

/** A tile address in the XYZ scheme (y grows southwards). */
export interface TileXYZ {
  z: number;
  x: number;
  y: number;
}

/** The id of the first tile at zoom `z`, i.e. the count of tiles at all lower zooms. */
export function zoomBaseId(z: number): number {
  checkZoom(z);
  return ZOOM_BASE[z]!;
}

/** Tile id of z/x/y on the Hilbert curve (spec 4.1); throws `invalid_input` outside zoom 0..26 or the zoom's grid. */
export function zxyToTileId(z: number, x: number, y: number): number {
  checkZoom(z);
  const n = 2 ** z;
  if (!Number.isInteger(x) || !Number.isInteger(y) || x < 0 || y < 0 || x >= n || y >= n) {
    throw invalid('tile_out_of_range', `tile ${z}/${x}/${y} is outside the ${n}x${n} grid of zoom ${z}`, { z, x, y });
  }
  // Hilbert xy -> d, from the most significant quadrant down (Wikipedia "Hilbert curve", xy2d).
  let px = x;
  let py = y;
  let d = 0;
  for (let s = n / 2; s >= 1; s /= 2) {
    const rx = px & s ? 1 : 0;
    const ry = py & s ? 1 : 0;
    d += s * s * ((3 * rx) ^ ry);
    px &= s - 1;
    py &= s - 1;
    if (ry === 0) {
      if (rx === 1) {
        px = s - 1 - px;
        py = s - 1 - py;
      }
      const t = px;
      px = py;
      py = t;
    }
  }
  return ZOOM_BASE[z]! + d;
}

/** Zoom of a tile id; throws `invalid_input` for ids that are not integers in [0, MAX_TILE_ID]. */
export function tileIdZoom(id: number): number {
  if (!Number.isSafeInteger(id) || id < 0 || id > MAX_TILE_ID) {
    throw invalid('tile_id_out_of_range', `tile id ${id} is not an integer in [0, ${MAX_TILE_ID}] (zoom 0..26)`, {
      id,
    });
  }
  let z = 0;
  while (ZOOM_BASE[z + 1]! <= id) z++;
  return z;
}

/** z/x/y of a tile id, the inverse of `zxyToTileId`. */
export function tileIdToZxy(id: number): TileXYZ {
  const z = tileIdZoom(id);
  const n = 2 ** z;
  // Hilbert d -> xy, from the least significant quadrant up (Wikipedia "Hilbert curve", d2xy).
  let t = id - ZOOM_BASE[z]!;
  let x = 0;
  let y = 0;
  for (let s = 1; s < n; s *= 2) {
    const q = t % 4;
    const rx = (q >> 1) & 1;
    const ry = (q ^ rx) & 1;
    if (ry === 0) {
      if (rx === 1) {
        x = s - 1 - x;
        y = s - 1 - y;
      }
      const tmp = x;
      x = y;
      y = tmp;
    }
    x += s * rx;
    y += s * ry;
    t = (t - q) / 4;
  }
  return { z, x, y };
}

function checkZoom(z: number): void {
  if (!Number.isInteger(z) || z < 0 || z > MAX_TILE_ZOOM) {
    throw invalid('zoom_out_of_range', `zoom ${z} is not an integer in [0, ${MAX_TILE_ZOOM}]`, { z });
  }
}
