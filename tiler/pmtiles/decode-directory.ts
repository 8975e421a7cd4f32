/**
 * Directory decoding (spec 4.3 and appendix A.2), the inverse of `encodeDirectory`. Takes uncompressed bytes; call
 * `decompress` with the header's internal compression first.
 */
import { type ByteCursor, invalid, readVarint } from '../../core/index.ts';
import type { DirectoryEntry } from './encode-directory.ts';

/** Decode uncompressed directory bytes into entries; throws `invalid_input` on truncated or trailing bytes. */
export function decodeDirectory(bytes: Uint8Array): DirectoryEntry[] {
  const cursor: ByteCursor = { bytes, pos: 0 };
  const count = readVarint(cursor);
  // Every entry takes at least 4 bytes (one varint per column), which bounds the count before allocating.
  if (count * 4 > bytes.length - cursor.pos) {
    throw invalid('directory_truncated', `directory claims ${count} entries but has only ${bytes.length} bytes`, {
      count,
    });
  }
  const entries: DirectoryEntry[] = new Array(count);
  let lastId = 0;
  for (let i = 0; i < count; i++) {
    lastId += readVarint(cursor);
    if (!Number.isSafeInteger(lastId)) throw invalid('directory_bad_tile_id', `tile id of entry ${i} exceeds 2^53 - 1`);
    entries[i] = { tileId: lastId, offset: 0, length: 0, runLength: 0 };
  }
  for (const e of entries) e.runLength = readVarint(cursor);
  for (const e of entries) e.length = readVarint(cursor);
  entries.forEach((e, i) => {
    const v = readVarint(cursor);
    const prev = entries[i - 1];
    e.offset = v === 0 && prev !== undefined ? prev.offset + prev.length : v - 1;
    if (e.offset < 0) throw invalid('directory_bad_offset', `first directory entry has offset code 0 (spec 4.2)`);
  });
  if (cursor.pos !== bytes.length) {
    throw invalid('directory_trailing_bytes', `directory has ${bytes.length - cursor.pos} bytes after its entries`, {
      count,
    });
  }
  return entries;
}
