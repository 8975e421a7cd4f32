/**
 * Compression of directories, metadata and tiles by the header's enums (spec 3.3), over node:zlib.
 * gzip output is deterministic for a given input and level (node's zlib writes MTIME 0 and no file name).
 */
import {
  brotliCompressSync,
  brotliDecompressSync,
  constants,
  gunzipSync,
  gzipSync,
  zstdCompressSync,
  zstdDecompressSync,
} from 'node:zlib';
import { invalid } from '../../core/index.ts';
import { Compression } from './header.ts';

/**
 * Level for directories and metadata: 9, as go-pmtiles does (gzip.BestCompression). With it our root directories'
 * deflate streams equal those of the reference fixtures written by tippecanoe and go-pmtiles byte for byte.
 */
export const INTERNAL_GZIP_LEVEL = 9;

/** Compress `bytes` with one of the spec's compression methods (None, gzip, brotli or zstd). */
export function compress(bytes: Uint8Array, method: number, level = INTERNAL_GZIP_LEVEL): Uint8Array {
  switch (method) {
    case Compression.None:
      return bytes;
    case Compression.Gzip:
      return asBytes(gzipSync(bytes, { level }));
    case Compression.Brotli:
      return asBytes(brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
    case Compression.Zstd:
      return asBytes(zstdCompressSync(bytes));
    default:
      throw invalid('unsupported_compression', `cannot compress with method ${method} (spec 3.3)`, { method });
  }
}

/** Decompress `bytes` compressed with `method`; throws `invalid_input` when the data is corrupt or the method unknown. */
export function decompress(bytes: Uint8Array, method: number, what = 'data'): Uint8Array {
  try {
    switch (method) {
      case Compression.None:
        return bytes;
      case Compression.Gzip:
        return asBytes(gunzipSync(bytes));
      case Compression.Brotli:
        return asBytes(brotliDecompressSync(bytes));
      case Compression.Zstd:
        return asBytes(zstdDecompressSync(bytes));
    }
  } catch (err) {
    throw invalid('corrupt_compression', `cannot decompress ${what}: ${(err as Error).message}`, { method, what });
  }
  throw invalid('unsupported_compression', `cannot decompress ${what}: compression ${method} is not supported`, {
    method,
    what,
  });
}

function asBytes(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}
