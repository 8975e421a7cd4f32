/**
 * Directory encoding (spec 4.2 and appendix A.1): the entry count, then the delta-encoded tile ids, the run lengths,
 * the lengths and the offsets of all entries, each a varint. An offset is written as 0 when the entry starts right
 * after the previous one (offset == previous offset + previous length), otherwise as offset + 1.
 */

import { invalid, writeVarint } from '../../core/index.ts';

/** One directory entry (spec 4.1): a run of tiles, or with `runLength` 0 a pointer to a leaf directory. */
export interface DirectoryEntry {
  tileId: number;
  offset: number;
  length: number;
  runLength: number;
}

/** Encode entries (sorted by tile id) into uncompressed directory bytes; compress them afterwards with `compress`. */
export function encodeDirectory(entries: readonly DirectoryEntry[]): Uint8Array {
  const out: number[] = [];
  writeVarint(out, entries.length);
  let lastId = 0;
  for (const [i, e] of entries.entries()) {
    if (i > 0 && e.tileId <= lastId) {
      throw invalid('directory_unsorted', `directory tile ids must ascend strictly: ${e.tileId} after ${lastId}`);
    }
    writeVarint(out, e.tileId - lastId);
    lastId = e.tileId;
  }
  for (const e of entries) writeVarint(out, e.runLength);
  for (const e of entries) {
    if (e.length <= 0) throw invalid('directory_bad_length', `entry for tile id ${e.tileId} has length ${e.length}`);
    writeVarint(out, e.length);
  }
  let nextByte = 0;
  entries.forEach((e, i) => {
    writeVarint(out, i > 0 && e.offset === nextByte ? 0 : e.offset + 1);
    nextByte = e.offset + e.length;
  });
  return Uint8Array.from(out);
}
