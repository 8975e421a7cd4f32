/**
 * Reading tiles back from an archive with our own header and directory codecs: tile lookup by z/x/y (spec 4.1's
 * search: the last entry with tileId <= id; run length 0 means a leaf directory) and a walk over every tile entry.
 * Tile bytes are returned as stored (gzipped for MVT archives), so a server can send them without re-encoding.
 */
import { zxyToTileId } from '../../core/index.ts';
import { decompress } from './compression.ts';
import { decodeDirectory } from './decode-directory.ts';
import type { DirectoryEntry } from './encode-directory.ts';
import { decodeHeader, HEADER_LENGTH, type Header } from './header.ts';
import type { RangeReader } from './read-range.ts';

/** Random access to one archive's tiles. */
export interface ArchiveReader {
  readonly header: Header;
  /** The JSON metadata (spec chapter 5). */
  metadata(): Promise<Record<string, unknown>>;
  /** A tile's stored bytes (compressed per `header.tileCompression`), or undefined when the archive has none. */
  getStored(z: number, x: number, y: number): Promise<Uint8Array | undefined>;
  /** Where a tile's stored bytes are (tile-data offset and length, as `readData` takes them), or undefined. */
  locate(z: number, x: number, y: number): Promise<{ offset: number; length: number } | undefined>;
  /** Every tile entry (leaves expanded) in tile-id order. */
  entries(): AsyncGenerator<DirectoryEntry>;
  /** Stored bytes at a tile-data offset, as an entry gives them. */
  readData(offset: number, length: number): Promise<Uint8Array>;
}

// Leaf directories are a few KiB each; a bounded LRU keeps a server's lookups off the disk for hot areas.
const LEAF_CACHE = 256;

function findEntry(entries: readonly DirectoryEntry[], tileId: number): DirectoryEntry | undefined {
  let lo = 0;
  let hi = entries.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const e = entries[mid]!;
    if (e.tileId === tileId) return e;
    if (e.tileId < tileId) lo = mid + 1;
    else hi = mid - 1;
  }
  // hi is the last entry with tileId < target: a run or a leaf that may hold it.
  const e = entries[hi];
  if (e === undefined) return undefined;
  if (e.runLength === 0 || tileId - e.tileId < e.runLength) return e;
  return undefined;
}

/** Open an archive through a `RangeReader`; throws `invalid_input` when the header or root is malformed. */
export async function openArchive(reader: RangeReader): Promise<ArchiveReader> {
  const header = decodeHeader(await reader.read(0, HEADER_LENGTH));
  const dir = async (offset: number, length: number) =>
    decodeDirectory(decompress(await reader.read(offset, length), header.internalCompression, 'directory'));
  const root = await dir(header.rootDirectoryOffset, header.rootDirectoryLength);
  const leaves = new Map<number, Promise<DirectoryEntry[]>>();
  const leaf = (e: DirectoryEntry): Promise<DirectoryEntry[]> => {
    let p = leaves.get(e.offset);
    if (p !== undefined) {
      leaves.delete(e.offset);
      leaves.set(e.offset, p);
    } else {
      p = dir(header.leafDirectoryOffset + e.offset, e.length);
      p.catch(() => leaves.delete(e.offset));
      if (leaves.size >= LEAF_CACHE) leaves.delete(leaves.keys().next().value!);
      leaves.set(e.offset, p);
    }
    return p;
  };
  const readData = (offset: number, length: number) => reader.read(header.tileDataOffset + offset, length);
  const locate = async (z: number, x: number, y: number): Promise<DirectoryEntry | undefined> => {
    if (z < header.minZoom || z > header.maxZoom) return undefined;
    const tileId = zxyToTileId(z, x, y);
    let entries = root;
    // Spec 4.1 allows nested leaves; real archives use at most one level, but any depth is followed.
    for (let depth = 0; depth < 4; depth++) {
      const e = findEntry(entries, tileId);
      if (e === undefined) return undefined;
      if (e.runLength > 0) return e;
      entries = await leaf(e);
    }
    return undefined;
  };

  return {
    header,
    async metadata() {
      const raw = await reader.read(header.jsonMetadataOffset, header.jsonMetadataLength);
      return JSON.parse(new TextDecoder().decode(decompress(raw, header.internalCompression, 'metadata')));
    },
    async getStored(z, x, y) {
      const at = await locate(z, x, y);
      return at === undefined ? undefined : readData(at.offset, at.length);
    },
    locate,
    async *entries() {
      async function* walk(list: readonly DirectoryEntry[]): AsyncGenerator<DirectoryEntry> {
        for (const e of list) {
          if (e.runLength > 0) yield e;
          else yield* walk(await leaf(e));
        }
      }
      yield* walk(root);
    },
    readData,
  };
}
