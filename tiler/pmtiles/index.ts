/**
 * PMTiles v3 (spec: ../shared/data/pmtiles/spec-v3.md): writing clustered, deduplicated archives, and reading and
 * validating them. The tiler's public face re-exports this module.
 */
export { type BuiltDirectories, buildDirectories, buildRootAndLeaves, MAX_ROOT_LENGTH } from './build-directories.ts';
export { compress, decompress } from './compression.ts';
export { decodeDirectory } from './decode-directory.ts';
export { type DirectoryEntry, encodeDirectory } from './encode-directory.ts';
export {
  Compression,
  decodeHeader,
  encodeHeader,
  HEADER_LENGTH,
  type Header,
  MAGIC,
  ROOT_WINDOW,
  TileType,
} from './header.ts';
export { type ArchiveReader, openArchive } from './read-archive.ts';
export { bufferReader, openFileReader, type RangeReader, readExactly } from './read-range.ts';
export { type LonLatBounds, tileBounds } from './tile-bounds.ts';
export type { StoredSource } from './tile-contents.ts';
export { createFileSink, type TileSink } from './tile-sink.ts';
export { type ArchiveReport, validateArchive, validateArchiveFile } from './validate-archive.ts';
export {
  type ArchiveSummary,
  PMTilesWriter,
  type TileInput,
  type WriteArchiveOptions,
  writeArchive,
  writeArchiveFile,
} from './write-archive.ts';
