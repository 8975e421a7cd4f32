/**
 * Splitting the tile entries into a root directory and leaf directories (spec chapter 4): the header plus the
 * compressed root must fit in the first 16,384 bytes, so the root may take at most 16,257 bytes.
 */
import { MapmintError } from '../../core/index.ts';
import { compress } from './compression.ts';
import { type DirectoryEntry, encodeDirectory } from './encode-directory.ts';
import { HEADER_LENGTH, ROOT_WINDOW } from './header.ts';

/** Largest compressed root directory allowed: 16,384 - 127 = 16,257 bytes (spec chapter 4). */
export const MAX_ROOT_LENGTH = ROOT_WINDOW - HEADER_LENGTH;

/** The compressed root directory, the concatenated compressed leaf directories, and how many leaves there are. */
export interface BuiltDirectories {
  root: Uint8Array;
  leaves: Uint8Array;
  leafCount: number;
  /** Entries per leaf directory (the last one may hold fewer); 0 when there are no leaves. */
  leafSize: number;
}

/**
 * Build root and leaf directories the way the reference writer (go-pmtiles `optimizeDirectories`) does: when there
 * are fewer than 16,384 entries and they fit in the root, there are no leaves; otherwise the root holds only leaf
 * pointers, starting with leaves of max(4096, entries / 3500) entries and growing the leaf size by 20% until the
 * compressed root fits.
 */
export function buildDirectories(
  entries: readonly DirectoryEntry[],
  internalCompression: number,
  maxRootLength = MAX_ROOT_LENGTH,
): BuiltDirectories {
  if (entries.length < 16_384) {
    const root = compress(encodeDirectory(entries), internalCompression);
    if (root.length <= maxRootLength) return { root, leaves: new Uint8Array(0), leafCount: 0, leafSize: 0 };
  }
  let leafSize = Math.max(4096, entries.length / 3500);
  for (;;) {
    const built = buildRootAndLeaves(entries, Math.floor(leafSize), internalCompression);
    if (built.root.length <= maxRootLength) return built;
    if (built.leafCount <= 1) {
      // A single leaf pointer is the smallest root possible; only an absurd maxRootLength gets here.
      throw new MapmintError('internal', 'root_too_large', `root directory cannot fit in ${maxRootLength} bytes`);
    }
    leafSize *= 1.2;
  }
}

/** Cut the entries into leaves of `leafSize` entries and a root of pointers to them (run length 0, spec 4.1). */
export function buildRootAndLeaves(
  entries: readonly DirectoryEntry[],
  leafSize: number,
  internalCompression: number,
): BuiltDirectories {
  const pointers: DirectoryEntry[] = [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (let i = 0; i < entries.length; i += leafSize) {
    const leaf = compress(encodeDirectory(entries.slice(i, i + leafSize)), internalCompression);
    pointers.push({ tileId: entries[i]!.tileId, offset, length: leaf.length, runLength: 0 });
    chunks.push(leaf);
    offset += leaf.length;
  }
  const root = compress(encodeDirectory(pointers), internalCompression);
  return { root, leaves: Buffer.concat(chunks), leafCount: chunks.length, leafSize };
}
