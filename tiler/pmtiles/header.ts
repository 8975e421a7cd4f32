/**
 * The fixed 127-byte PMTiles v3 header (spec chapter 3): layout in section 3.1, enums in 3.2 and 3.3, positions in 3.4.
 * All integers are little-endian; the eleven 64-bit fields are read as numbers and rejected above 2^53 - 1.
 */
import { invalid } from '../../core/index.ts';

/** Size of the header in bytes (spec chapter 3). */
export const HEADER_LENGTH = 127;

/** The root directory must end within this many bytes from the start of the archive (spec chapter 2 and 4). */
export const ROOT_WINDOW = 16_384;

/** The magic number "PMTiles" in UTF-8 (spec 3.2). */
export const MAGIC = Uint8Array.from([0x50, 0x4d, 0x54, 0x69, 0x6c, 0x65, 0x73]);

/** Compression enum (spec 3.3). */
export const Compression = { Unknown: 0, None: 1, Gzip: 2, Brotli: 3, Zstd: 4 } as const;
/** One of the values of `Compression`. */
export type Compression = (typeof Compression)[keyof typeof Compression];

/** Tile type enum (spec 3.2, "Tile Type"). */
export const TileType = { Unknown: 0, Mvt: 1, Png: 2, Jpeg: 3, Webp: 4, Avif: 5, Mlt: 6 } as const;
/** One of the values of `TileType`. */
export type TileType = (typeof TileType)[keyof typeof TileType];

/** Every field of the v3 header; names follow the official JavaScript reader so values compare one to one. */
export interface Header {
  specVersion: number;
  rootDirectoryOffset: number;
  rootDirectoryLength: number;
  jsonMetadataOffset: number;
  jsonMetadataLength: number;
  leafDirectoryOffset: number;
  leafDirectoryLength: number;
  tileDataOffset: number;
  tileDataLength: number;
  numAddressedTiles: number;
  numTileEntries: number;
  numTileContents: number;
  clustered: boolean;
  internalCompression: number;
  tileCompression: number;
  tileType: number;
  minZoom: number;
  maxZoom: number;
  minLon: number;
  minLat: number;
  maxLon: number;
  maxLat: number;
  centerZoom: number;
  centerLon: number;
  centerLat: number;
}

// Byte offsets of the 64-bit fields, in the order of the table in spec 3.1.
const U64_FIELDS = [
  ['rootDirectoryOffset', 8],
  ['rootDirectoryLength', 16],
  ['jsonMetadataOffset', 24],
  ['jsonMetadataLength', 32],
  ['leafDirectoryOffset', 40],
  ['leafDirectoryLength', 48],
  ['tileDataOffset', 56],
  ['tileDataLength', 64],
  ['numAddressedTiles', 72],
  ['numTileEntries', 80],
  ['numTileContents', 88],
] as const;

// Byte offsets of the 32-bit positions (spec 3.4: longitude first, then latitude, each value * 1e7 as int32).
const POSITION_FIELDS = [
  ['minLon', 102],
  ['minLat', 106],
  ['maxLon', 110],
  ['maxLat', 114],
  ['centerLon', 119],
  ['centerLat', 123],
] as const;

/** Encode a header into its 127 bytes (spec 3.1); throws `invalid_input` for values a field cannot hold. */
export function encodeHeader(h: Header): Uint8Array {
  const bytes = new Uint8Array(HEADER_LENGTH);
  const view = new DataView(bytes.buffer);
  bytes.set(MAGIC, 0);
  bytes[7] = checkU8('specVersion', h.specVersion);
  for (const [name, at] of U64_FIELDS) {
    const v = h[name];
    if (!Number.isSafeInteger(v) || v < 0) {
      throw invalid('header_field_out_of_range', `header ${name} = ${v} is not an integer in [0, 2^53 - 1]`);
    }
    view.setBigUint64(at, BigInt(v), true);
  }
  bytes[96] = h.clustered ? 1 : 0;
  bytes[97] = checkU8('internalCompression', h.internalCompression);
  bytes[98] = checkU8('tileCompression', h.tileCompression);
  bytes[99] = checkU8('tileType', h.tileType);
  bytes[100] = checkU8('minZoom', h.minZoom);
  bytes[101] = checkU8('maxZoom', h.maxZoom);
  bytes[118] = checkU8('centerZoom', h.centerZoom);
  for (const [name, at] of POSITION_FIELDS) view.setInt32(at, toE7(name, h[name]), true);
  return bytes;
}

/**
 * Decode the first 127 bytes of an archive (spec 3.1). Rejects, as the reference reader does, a short buffer, a
 * wrong magic number and a spec version other than 3, with `invalid_input` errors.
 */
export function decodeHeader(bytes: Uint8Array): Header {
  if (bytes.length < HEADER_LENGTH) {
    throw invalid(
      'truncated',
      `a PMTiles archive starts with a ${HEADER_LENGTH}-byte header; got ${bytes.length} bytes`,
      {
        size: bytes.length,
      },
    );
  }
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC[i]) {
      throw invalid('bad_magic', 'magic number "PMTiles" not found: is this a PMTiles v3 archive?', {
        found: Buffer.from(bytes.subarray(0, 7)).toString('latin1'),
      });
    }
  }
  const specVersion = bytes[7]!;
  if (specVersion !== 3) {
    throw invalid('unsupported_version', `archive is spec version ${specVersion}; only version 3 is supported`, {
      specVersion,
    });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_LENGTH);
  const u64 = (name: string, at: number): number => {
    const v = view.getBigUint64(at, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw invalid('header_field_out_of_range', `header ${name} = ${v} exceeds 2^53 - 1`, { field: name });
    }
    return Number(v);
  };
  const e7 = (at: number): number => view.getInt32(at, true) / 1e7;
  return {
    specVersion,
    rootDirectoryOffset: u64('rootDirectoryOffset', 8),
    rootDirectoryLength: u64('rootDirectoryLength', 16),
    jsonMetadataOffset: u64('jsonMetadataOffset', 24),
    jsonMetadataLength: u64('jsonMetadataLength', 32),
    leafDirectoryOffset: u64('leafDirectoryOffset', 40),
    leafDirectoryLength: u64('leafDirectoryLength', 48),
    tileDataOffset: u64('tileDataOffset', 56),
    tileDataLength: u64('tileDataLength', 64),
    numAddressedTiles: u64('numAddressedTiles', 72),
    numTileEntries: u64('numTileEntries', 80),
    numTileContents: u64('numTileContents', 88),
    clustered: bytes[96] === 1,
    internalCompression: bytes[97]!,
    tileCompression: bytes[98]!,
    tileType: bytes[99]!,
    minZoom: bytes[100]!,
    maxZoom: bytes[101]!,
    minLon: e7(102),
    minLat: e7(106),
    maxLon: e7(110),
    maxLat: e7(114),
    centerZoom: bytes[118]!,
    centerLon: e7(119),
    centerLat: e7(123),
  };
}

function checkU8(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 255) {
    throw invalid('header_field_out_of_range', `header ${name} = ${v} does not fit in one unsigned byte`);
  }
  return v;
}

function toE7(name: string, degrees: number): number {
  const v = Math.round(degrees * 1e7);
  if (!Number.isFinite(v) || v < -(2 ** 31) || v >= 2 ** 31) {
    throw invalid('header_field_out_of_range', `header ${name} = ${degrees} does not fit a 1e-7 degree int32`);
  }
  return v;
}
