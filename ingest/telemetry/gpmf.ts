/**
 * GoPro GPMF KLV parser (github.com/gopro/gpmf-parser README, "KLV Design"): each entry is a 4-char key, a 1-byte
 * type char, a 1-byte struct size and a 2-byte big-endian repeat count, then structSize*repeat bytes padded to a
 * multiple of 4. Type 0 means nested KLV (DEVC > STRM > ...). Values are big-endian.
 */
import { invalid } from '../../core/index.ts';

/** One KLV entry; `children` is set for nested (type 0) entries. */
export interface Klv {
  key: string;
  type: string;
  structSize: number;
  repeat: number;
  data: Uint8Array;
  /** Byte offset of the entry inside the payload, for error messages. */
  offset: number;
  children?: Klv[];
}

// Element sizes of the GPMF value types (README "Type" table); 'c' is a char, 'U' a 16-byte UTC date string.
const SIZES: Record<string, number> = {
  b: 1,
  B: 1,
  c: 1,
  s: 2,
  S: 2,
  l: 4,
  L: 4,
  f: 4,
  q: 4,
  F: 4,
  d: 8,
  j: 8,
  J: 8,
  Q: 8,
  G: 16,
  U: 16,
};

// Real files nest DEVC > STRM > values (depth 3); 8 leaves room while bounding recursion on forged input.
const MAX_DEPTH = 8;

/** Parse a GPMF payload (one gpmd sample) into a KLV tree; `where` names the payload in error messages. */
export function parseKlv(buf: Uint8Array, where: string, base = 0, depth = 0, path = ''): Klv[] {
  const out: Klv[] = [];
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let at = 0;
  while (at + 8 <= buf.length) {
    const key = String.fromCharCode(buf[at]!, buf[at + 1]!, buf[at + 2]!, buf[at + 3]!);
    // A zero key is padding at the end of a payload (gpmf-parser stops there too).
    if (key === '\0\0\0\0') break;
    const typeByte = dv.getUint8(at + 4);
    const structSize = dv.getUint8(at + 5);
    const repeat = dv.getUint16(at + 6);
    const size = structSize * repeat;
    const here = path ? `${path}/${key}` : key;
    if (!/^[A-Za-z0-9 _]{4}$/.test(key)) {
      throw invalid('gpmf_bad_key', `${where}: bad GPMF key at byte ${base + at} (${here}): not 4 printable chars`, {
        offset: base + at,
      });
    }
    if (at + 8 + size > buf.length) {
      throw invalid(
        'gpmf_truncated',
        `${where}: GPMF ${here} at byte ${base + at} declares ${size} bytes but only ${buf.length - at - 8} remain`,
        { offset: base + at, path: here },
      );
    }
    const data = buf.subarray(at + 8, at + 8 + size);
    const entry: Klv = {
      key,
      type: typeByte === 0 ? '\0' : String.fromCharCode(typeByte),
      structSize,
      repeat,
      data,
      offset: base + at,
    };
    if (typeByte === 0) {
      if (depth >= MAX_DEPTH)
        throw invalid('gpmf_too_deep', `${where}: GPMF nesting deeper than ${MAX_DEPTH} at ${here}`);
      entry.children = parseKlv(data, where, base + at + 8, depth + 1, here);
    }
    out.push(entry);
    at += 8 + ((size + 3) & ~3);
  }
  return out;
}

/** Expand a TYPE string like "JlllSSSSBB" or "f[3]L" into one type char per element. */
export function expandType(type: string): string[] {
  const out: string[] = [];
  const re = /([a-zA-Z?])(?:\[(\d+)\])?/g;
  for (let m = re.exec(type); m !== null; m = re.exec(type)) {
    const n = m[2] ? Math.min(Number(m[2]), 256) : 1;
    for (let i = 0; i < n; i++) out.push(m[1]!);
  }
  return out;
}

function readScalar(dv: DataView, at: number, t: string): number {
  switch (t) {
    case 'b':
      return dv.getInt8(at);
    case 'B':
    case 'c':
      return dv.getUint8(at);
    case 's':
      return dv.getInt16(at);
    case 'S':
      return dv.getUint16(at);
    case 'l':
      return dv.getInt32(at);
    case 'L':
    case 'F':
      return dv.getUint32(at);
    case 'f':
      return dv.getFloat32(at);
    case 'd':
      return dv.getFloat64(at);
    case 'j':
      return Number(dv.getBigInt64(at));
    case 'J':
      return Number(dv.getBigUint64(at));
    case 'q':
      return dv.getInt32(at) / 65536; // Q15.16 fixed point
    case 'Q':
      return Number(dv.getBigInt64(at)) / 2 ** 32; // Q31.32 fixed point
    default:
      return Number.NaN;
  }
}

/**
 * Decode numeric samples: one array per repeat, one number per element. Simple types have structSize/elementSize
 * elements; type '?' uses the stream's TYPE string. SCAL divides each element (one value for all, or one per element).
 */
export function readNumbers(klv: Klv, scal?: number[], typeString?: string): number[][] {
  const dv = new DataView(klv.data.buffer, klv.data.byteOffset, klv.data.byteLength);
  let types: string[];
  if (klv.type === '?') {
    if (!typeString) throw invalid('gpmf_no_type', `GPMF ${klv.key} at byte ${klv.offset} is a structure without TYPE`);
    types = expandType(typeString);
  } else {
    const size = SIZES[klv.type];
    if (!size || klv.structSize % size !== 0) return [];
    types = new Array<string>(klv.structSize / size).fill(klv.type);
  }
  const width = types.reduce((w, t) => w + (SIZES[t] ?? 0), 0);
  if (width === 0 || width > klv.structSize) {
    throw invalid(
      'gpmf_bad_type',
      `GPMF ${klv.key} at byte ${klv.offset}: TYPE "${typeString ?? klv.type}" needs ${width} bytes, struct has ${klv.structSize}`,
    );
  }
  const rows: number[][] = [];
  for (let r = 0; r < klv.repeat; r++) {
    const row: number[] = [];
    let at = r * klv.structSize;
    for (let i = 0; i < types.length; i++) {
      const t = types[i]!;
      let v = readScalar(dv, at, t);
      const s = scal && scal.length > 0 ? (scal.length === 1 ? scal[0] : scal[i]) : undefined;
      if (s !== undefined && s !== 0) v /= s;
      row.push(v);
      at += SIZES[t] ?? 0;
    }
    rows.push(row);
  }
  return rows;
}

/** Decode a 'c' (char array) or 'U' value as a string, trailing NULs removed. */
export function readString(klv: Klv): string {
  return Buffer.from(klv.data).toString('latin1').replace(/\0+$/, '');
}

/** The SCAL values of a stream as plain numbers (any integer or float type). */
export function readScal(klv: Klv): number[] {
  return readNumbers(klv).flat();
}

/** Parse a GPSU/`U` time "yymmddhhmmss.sss" (UTC) to Unix ms; `undefined` if malformed. */
export function parseGpsu(text: string): number | undefined {
  const m = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d(?:\.\d+)?)/.exec(text.trim());
  if (!m) return undefined;
  const sec = Number(m[6]);
  const t = Date.UTC(2000 + Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5])) + sec * 1000;
  return Number.isFinite(t) && Number(m[2]) >= 1 && Number(m[2]) <= 12 ? Math.round(t) : undefined;
}
