/**
 * An MVT tile is a protobuf `Tile` whose only field is `repeated Layer layers = 3` (Mapbox Vector Tile spec 2.1,
 * section 4.1), and protobuf concatenates repeated fields by concatenating their encodings. Our tiles are exactly
 * the concatenation, in layer-table order, of one `ST_AsMVT` result per layer, each a `Tile` with that one layer.
 * So a tile splits into per-layer byte strings, and a tile with some layers re-rendered is the old tile's other
 * layers and the new layers put back together in order: byte for byte what rendering every layer would give.
 */
import { type ByteCursor, readVarint } from '../core/index.ts';

const LAYER_TAG = 0x1a; // field 3, wire type 2 (length-delimited)
const NAME_FIELD = 1;

/** Each layer's encoding (its tag and length included) by layer name, or undefined when `mvt` is not a plain Tile. */
export function splitLayers(mvt: Uint8Array): Map<string, Uint8Array> | undefined {
  const out = new Map<string, Uint8Array>();
  const c: ByteCursor = { bytes: mvt, pos: 0 };
  try {
    while (c.pos < mvt.length) {
      const start = c.pos;
      if (mvt[c.pos++] !== LAYER_TAG) return undefined;
      const length = readVarint(c);
      const end = c.pos + length;
      if (end > mvt.length) return undefined;
      const name = layerName(mvt.subarray(c.pos, end));
      if (name === undefined || out.has(name)) return undefined;
      out.set(name, mvt.subarray(start, end));
      c.pos = end;
    }
  } catch {
    return undefined;
  }
  return out;
}

/** The `name` (field 1) of an encoded Layer message, skipping any other fields. */
function layerName(layer: Uint8Array): string | undefined {
  const c: ByteCursor = { bytes: layer, pos: 0 };
  while (c.pos < layer.length) {
    const key = readVarint(c);
    const wire = key & 7;
    if (wire === 0) readVarint(c);
    else if (wire === 2) {
      const n = readVarint(c);
      if (key >>> 3 === NAME_FIELD) return new TextDecoder().decode(layer.subarray(c.pos, c.pos + n));
      c.pos += n;
    } else if (wire === 5) c.pos += 4;
    else if (wire === 1) c.pos += 8;
    else return undefined;
  }
  return undefined;
}
