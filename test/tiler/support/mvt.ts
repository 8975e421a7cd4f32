/**
 * A minimal Mapbox Vector Tile 2.1 decoder for tests (spec: github.com/mapbox/vector-tile-spec, vector_tile.proto):
 * enough protobuf to read layers, features, keys/values and geometry commands into canonical JSON.
 */

/** One decoded feature: geometry as parts of [x, y] tile coordinates (points, lines or rings). */
export interface MvtFeature {
  id?: number;
  type: 'Unknown' | 'Point' | 'LineString' | 'Polygon';
  properties: Record<string, string | number | boolean>;
  geometry: [number, number][][];
}

/** One decoded layer. */
export interface MvtLayer {
  version: number;
  extent: number;
  features: MvtFeature[];
}

class Reader {
  pos = 0;
  constructor(
    readonly buf: Uint8Array,
    readonly end = buf.length,
  ) {}
  varint(): number {
    let result = 0;
    let shift = 1;
    for (;;) {
      if (this.pos >= this.end) throw new Error('truncated varint');
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * shift;
      if (b < 0x80) return result;
      shift *= 128;
    }
  }
  /** Field key: [field number, wire type]. */
  key(): [number, number] {
    const k = this.varint();
    return [Math.floor(k / 8), k & 7];
  }
  bytes(): Uint8Array {
    const len = this.varint();
    const out = this.buf.subarray(this.pos, this.pos + len);
    if (this.pos + len > this.end) throw new Error('truncated length-delimited field');
    this.pos += len;
    return out;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
  packed(): number[] {
    const len = this.varint();
    const r = new Reader(this.buf, this.pos + len);
    r.pos = this.pos;
    const out: number[] = [];
    while (r.pos < r.end) out.push(r.varint());
    this.pos = r.end;
    return out;
  }
}

const zigzag = (n: number) => (n % 2 === 0 ? n / 2 : -(n + 1) / 2);
const TYPES = ['Unknown', 'Point', 'LineString', 'Polygon'] as const;

function decodeValue(bytes: Uint8Array): string | number | boolean {
  const r = new Reader(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  while (r.pos < r.end) {
    const [field, wire] = r.key();
    if (field === 1) return new TextDecoder().decode(r.bytes());
    if (field === 2) {
      r.pos += 4;
      return view.getFloat32(r.pos - 4, true);
    }
    if (field === 3) {
      r.pos += 8;
      return view.getFloat64(r.pos - 8, true);
    }
    if (field === 4 || field === 5) return r.varint();
    if (field === 6) return zigzag(r.varint());
    if (field === 7) return r.varint() !== 0;
    r.skip(wire);
  }
  throw new Error('empty value');
}

function decodeGeometry(cmds: number[]): [number, number][][] {
  const parts: [number, number][][] = [];
  let x = 0;
  let y = 0;
  let i = 0;
  while (i < cmds.length) {
    const c = cmds[i++]!;
    const id = c & 7;
    const count = c >> 3;
    if (id === 7) {
      const part = parts.at(-1);
      if (part?.[0]) part.push([...part[0]]);
      continue;
    }
    for (let k = 0; k < count; k++) {
      x += zigzag(cmds[i++]!);
      y += zigzag(cmds[i++]!);
      if (id === 1) parts.push([[x, y]]);
      else if (id === 2) parts.at(-1)!.push([x, y]);
      else throw new Error(`unknown geometry command ${id}`);
    }
  }
  return parts;
}

function decodeLayer(bytes: Uint8Array): { name: string; layer: MvtLayer } {
  const r = new Reader(bytes);
  let name = '';
  const keys: string[] = [];
  const values: (string | number | boolean)[] = [];
  const raw: { id?: number; tags: number[]; type: number; geometry: number[] }[] = [];
  const layer: MvtLayer = { version: 1, extent: 4096, features: [] };
  while (r.pos < r.end) {
    const [field, wire] = r.key();
    if (field === 1) name = new TextDecoder().decode(r.bytes());
    else if (field === 3) keys.push(new TextDecoder().decode(r.bytes()));
    else if (field === 4) values.push(decodeValue(r.bytes()));
    else if (field === 5) layer.extent = r.varint();
    else if (field === 15) layer.version = r.varint();
    else if (field === 2) {
      const f = new Reader(r.bytes());
      const feat: (typeof raw)[number] = { tags: [], type: 0, geometry: [] };
      while (f.pos < f.end) {
        const [ff, fw] = f.key();
        if (ff === 1) feat.id = f.varint();
        else if (ff === 2) feat.tags = f.packed();
        else if (ff === 3) feat.type = f.varint();
        else if (ff === 4) feat.geometry = f.packed();
        else f.skip(fw);
      }
      raw.push(feat);
    } else r.skip(wire);
  }
  for (const f of raw) {
    const properties: Record<string, string | number | boolean> = {};
    for (let i = 0; i < f.tags.length; i += 2) {
      const k = keys[f.tags[i]!];
      const v = values[f.tags[i + 1]!];
      if (k === undefined || v === undefined) throw new Error(`layer ${name}: tag index out of range`);
      properties[k] = v;
    }
    const sorted = Object.fromEntries(Object.entries(properties).sort(([a], [b]) => a.localeCompare(b)));
    layer.features.push({
      ...(f.id !== undefined ? { id: f.id } : {}),
      type: TYPES[f.type] ?? 'Unknown',
      properties: sorted,
      geometry: decodeGeometry(f.geometry),
    });
  }
  return { name, layer };
}

/** Decode an uncompressed MVT into layers by name; throws on malformed protobuf or a repeated layer name. */
export function decodeMvt(bytes: Uint8Array): Record<string, MvtLayer> {
  const r = new Reader(bytes);
  const out: Record<string, MvtLayer> = {};
  while (r.pos < r.end) {
    const [field, wire] = r.key();
    if (field !== 3) {
      r.skip(wire);
      continue;
    }
    const { name, layer } = decodeLayer(r.bytes());
    if (name in out) throw new Error(`layer ${name} appears twice`);
    out[name] = layer;
  }
  return out;
}
