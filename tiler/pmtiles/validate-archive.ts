/**
 * Reader-side checks of a PMTiles v3 archive. Rejects with `MapmintError` (kind `invalid_input`, a `code` naming the
 * rule) what the reference reader rejects (a file shorter than the header, a wrong magic number, a spec version
 * other than 3) and what would make a reader return wrong tiles: sections outside the file or overlapping, a root
 * directory beyond the first 16 KiB, unsorted or overlapping entries, offsets outside their section, a "clustered"
 * archive that is not, header counts that disagree with the directories, and metadata that is not a JSON object.
 */
import { invalid, MapmintError, tileIdZoom } from '../../core/index.ts';
import { decompress } from './compression.ts';
import { decodeDirectory } from './decode-directory.ts';
import type { DirectoryEntry } from './encode-directory.ts';
import { decodeHeader, HEADER_LENGTH, type Header, ROOT_WINDOW } from './header.ts';
import { openFileReader, type RangeReader } from './read-range.ts';

/** What a valid archive holds, as found by walking its directories. */
export interface ArchiveReport {
  header: Header;
  metadata: Record<string, unknown>;
  addressedTiles: number;
  tileEntries: number;
  tileContents: number;
  leafDirectories: number;
}

// The reference reader follows the root and at most three levels of leaves (js/src/index.ts, getZxyAttempt).
const MAX_LEAF_DEPTH = 3;

interface WalkState {
  lastTileId: number;
  firstTileId: number;
  addressed: number;
  entries: number;
  offsets: Set<number>;
  clusteredEnd: number;
  leaves: number;
}

/** Validate the archive behind `reader`; resolves with its report or rejects with an `invalid_input` MapmintError. */
export async function validateArchive(reader: RangeReader): Promise<ArchiveReport> {
  if (reader.size < HEADER_LENGTH) {
    throw invalid('truncated', `archive is ${reader.size} bytes, shorter than the ${HEADER_LENGTH}-byte header`, {
      size: reader.size,
    });
  }
  const raw = await reader.read(0, HEADER_LENGTH);
  const header = decodeHeader(raw);
  checkHeaderFields(header, raw);
  checkSections(header, reader.size);
  const metadata = await readMetadata(reader, header);
  const state: WalkState = {
    lastTileId: -1,
    firstTileId: -1,
    addressed: 0,
    entries: 0,
    offsets: new Set(),
    clusteredEnd: 0,
    leaves: 0,
  };
  const root = await reader.read(header.rootDirectoryOffset, header.rootDirectoryLength);
  await walk(reader, header, state, root, { depth: 0, from: 0, below: Number.POSITIVE_INFINITY });
  checkTotals(header, state);
  return {
    header,
    metadata,
    addressedTiles: state.addressed,
    tileEntries: state.entries,
    tileContents: state.offsets.size,
    leafDirectories: state.leaves,
  };
}

/** Validate the archive file at `file` (see `validateArchive`). */
export async function validateArchiveFile(file: string): Promise<ArchiveReport> {
  const reader = await openFileReader(file);
  try {
    return await validateArchive(reader);
  } catch (err) {
    if (err instanceof MapmintError) {
      throw new MapmintError(err.kind, err.code, `${file}: ${err.message}`, { ...err.details, file });
    }
    throw err;
  } finally {
    await reader.close();
  }
}

function checkHeaderFields(h: Header, raw: Uint8Array): void {
  const clusteredByte = raw[96]!;
  if (clusteredByte > 1) throw invalid('bad_header', `clustered byte is ${clusteredByte}; spec 3.2 allows 0 or 1`);
  if (h.internalCompression < 1 || h.internalCompression > 4) {
    throw invalid('unsupported_compression', `internal compression ${h.internalCompression} is not one of 1..4`);
  }
  if (h.tileCompression > 4) throw invalid('bad_header', `tile compression ${h.tileCompression} is not in 0..4`);
  if (h.tileType > 6) throw invalid('bad_header', `tile type ${h.tileType} is not in 0..6 (spec 3.2)`);
  if (h.minZoom > h.maxZoom) throw invalid('bad_header', `min zoom ${h.minZoom} exceeds max zoom ${h.maxZoom}`);
  const lonOk = (v: number) => v >= -180 && v <= 180;
  const latOk = (v: number) => v >= -90 && v <= 90;
  if (![h.minLon, h.maxLon, h.centerLon].every(lonOk) || ![h.minLat, h.maxLat, h.centerLat].every(latOk)) {
    throw invalid('bad_header', 'header bounds or center lie outside longitude [-180, 180] / latitude [-90, 90]');
  }
  if (h.minLon > h.maxLon || h.minLat > h.maxLat) {
    throw invalid('bad_header', `header bounds are inverted: ${h.minLon},${h.minLat} to ${h.maxLon},${h.maxLat}`);
  }
}

function checkSections(h: Header, size: number): void {
  const sections: [string, number, number][] = [
    ['root directory', h.rootDirectoryOffset, h.rootDirectoryLength],
    ['metadata', h.jsonMetadataOffset, h.jsonMetadataLength],
    ['leaf directories', h.leafDirectoryOffset, h.leafDirectoryLength],
    ['tile data', h.tileDataOffset, h.tileDataLength],
  ];
  for (const [name, offset, length] of sections) {
    if (offset + length > size) {
      throw invalid(
        'section_out_of_bounds',
        `${name} [${offset}, ${offset + length}) ends past the file (${size} bytes)`,
        {
          section: name,
          offset,
          length,
          size,
        },
      );
    }
    if (length > 0 && offset < HEADER_LENGTH) {
      throw invalid('section_overlaps_header', `${name} starts at ${offset}, inside the header`, { section: name });
    }
  }
  if (h.rootDirectoryLength === 0) throw invalid('missing_root', 'root directory length is 0 (spec chapter 4)');
  if (h.rootDirectoryOffset + h.rootDirectoryLength > ROOT_WINDOW) {
    throw invalid(
      'root_outside_first_16k',
      `root directory ends at byte ${h.rootDirectoryOffset + h.rootDirectoryLength}, past the first ${ROOT_WINDOW} (spec chapter 2)`,
    );
  }
  const used = sections.filter(([, , length]) => length > 0).sort((a, b) => a[1] - b[1]);
  for (let i = 1; i < used.length; i++) {
    const [prevName, prevOffset, prevLength] = used[i - 1]!;
    const [name, offset] = used[i]!;
    if (prevOffset + prevLength > offset) {
      throw invalid('sections_overlap', `${prevName} overlaps ${name}`, { sections: [prevName, name] });
    }
  }
  if (h.jsonMetadataLength === 0)
    throw invalid('bad_metadata', 'metadata is empty; spec chapter 5 requires a JSON object');
}

async function readMetadata(reader: RangeReader, h: Header): Promise<Record<string, unknown>> {
  const bytes = decompress(
    await reader.read(h.jsonMetadataOffset, h.jsonMetadataLength),
    h.internalCompression,
    'metadata',
  );
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    throw invalid('bad_metadata', `metadata is not UTF-8 JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid('bad_metadata', 'metadata must be a JSON object (spec chapter 5)');
  }
  return value as Record<string, unknown>;
}

async function walk(
  reader: RangeReader,
  h: Header,
  state: WalkState,
  compressed: Uint8Array,
  at: { depth: number; from: number; below: number },
): Promise<void> {
  const where = at.depth === 0 ? 'root directory' : `leaf directory (depth ${at.depth}) from tile id ${at.from}`;
  const entries = decodeIn(where, decompress(compressed, h.internalCompression, where));
  if (entries.length === 0) {
    // The spec asks for at least one entry, but the reference writers emit an empty root for an archive with no
    // tiles (test_fixture_mlt.pmtiles), and the reference reader accepts it; a leaf must never be empty.
    if (at.depth === 0 && h.tileDataLength === 0) return;
    throw invalid('empty_directory', `${where} has no entries`);
  }
  for (const [i, e] of entries.entries()) {
    const next = entries[i + 1];
    if (next !== undefined && next.tileId <= e.tileId) {
      throw invalid('directory_unsorted', `${where}: tile id ${next.tileId} follows ${e.tileId}`, { where });
    }
    if (e.tileId < at.from || e.tileId >= at.below) {
      throw invalid('leaf_out_of_range', `${where}: tile id ${e.tileId} outside [${at.from}, ${at.below})`, { where });
    }
    if (e.length === 0) throw invalid('bad_entry', `${where}: entry for tile id ${e.tileId} has length 0 (spec 4.1)`);
    if (e.runLength === 0)
      await visitLeaf(reader, h, state, e, { depth: at.depth + 1, below: next?.tileId ?? at.below });
    else visitTiles(h, state, e, where);
  }
}

async function visitLeaf(
  reader: RangeReader,
  h: Header,
  state: WalkState,
  e: DirectoryEntry,
  at: { depth: number; below: number },
): Promise<void> {
  if (at.depth > MAX_LEAF_DEPTH)
    throw invalid('directory_too_deep', `leaf directories nest deeper than ${MAX_LEAF_DEPTH}`);
  if (e.offset + e.length > h.leafDirectoryLength) {
    throw invalid('leaf_out_of_bounds', `leaf directory for tile id ${e.tileId} ends past the leaf section`, {
      tileId: e.tileId,
      offset: e.offset,
      length: e.length,
    });
  }
  state.leaves++;
  const bytes = await reader.read(h.leafDirectoryOffset + e.offset, e.length);
  await walk(reader, h, state, bytes, { depth: at.depth, from: e.tileId, below: at.below });
}

function visitTiles(h: Header, state: WalkState, e: DirectoryEntry, where: string): void {
  if (e.tileId <= state.lastTileId) {
    throw invalid('directory_unsorted', `${where}: tile id ${e.tileId} overlaps the run ending at ${state.lastTileId}`);
  }
  if (e.offset + e.length > h.tileDataLength) {
    throw invalid('tile_out_of_bounds', `${where}: tile id ${e.tileId} data ends past the tile data section`, {
      tileId: e.tileId,
      offset: e.offset,
      length: e.length,
    });
  }
  if (h.clustered) {
    // Spec 3.2 "Clustered": each blob is contiguous with the previous one, or refers back to an earlier blob.
    if (e.offset === state.clusteredEnd) state.clusteredEnd += e.length;
    else if (e.offset + e.length > state.clusteredEnd) {
      throw invalid('not_clustered', `${where}: tile id ${e.tileId} at offset ${e.offset} breaks the clustered order`, {
        tileId: e.tileId,
        expected: state.clusteredEnd,
      });
    }
  }
  if (state.firstTileId < 0) state.firstTileId = e.tileId;
  state.lastTileId = e.tileId + e.runLength - 1;
  state.addressed += e.runLength;
  state.entries++;
  state.offsets.add(e.offset);
}

function checkTotals(h: Header, s: WalkState): void {
  const counts: [string, number, number][] = [
    ['numAddressedTiles', h.numAddressedTiles, s.addressed],
    ['numTileEntries', h.numTileEntries, s.entries],
    ['numTileContents', h.numTileContents, s.offsets.size],
  ];
  for (const [name, stated, found] of counts) {
    // 0 means "unknown" in the header (spec 3.2).
    if (stated !== 0 && stated !== found) {
      throw invalid('count_mismatch', `header ${name} is ${stated} but the directories hold ${found}`, { name });
    }
  }
  if (h.clustered && s.clusteredEnd !== h.tileDataLength) {
    throw invalid('not_clustered', `clustered tiles end at ${s.clusteredEnd}, tile data length is ${h.tileDataLength}`);
  }
  if (s.entries > 0) {
    const minZ = tileIdZoom(s.firstTileId);
    const maxZ = tileIdZoom(s.lastTileId);
    if (minZ < h.minZoom || maxZ > h.maxZoom) {
      throw invalid(
        'zoom_mismatch',
        `tiles span zooms ${minZ}..${maxZ} but the header says ${h.minZoom}..${h.maxZoom}`,
      );
    }
  }
}

function decodeIn(where: string, bytes: Uint8Array): DirectoryEntry[] {
  try {
    return decodeDirectory(bytes);
  } catch (err) {
    if (err instanceof MapmintError) throw invalid(err.code, `${where}: ${err.message}`, { ...err.details, where });
    throw err;
  }
}
