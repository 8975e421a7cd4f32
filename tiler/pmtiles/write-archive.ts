/**
 * The PMTiles v3 writer. Tiles arrive as (z, x, y, bytes) in any order, possibly streamed; each distinct content is
 * compressed once and parked in a scratch file, and `finish` writes a clustered archive (spec 3.2 "Clustered"):
 * header, root directory, metadata, leaf directories, then the tile data ordered by tile id. Identical contents are
 * stored once (later tiles point back at the first copy's offset) and consecutive tile ids with one content become
 * a single run-length entry (spec 4.1). Directories and metadata stay in memory; tile data never does.
 * Tiles can also be taken over from another archive by reference (`addStoredRun`): their bytes are copied from it
 * when the archive is written, never decompressed, rehashed or parked, which is what makes incremental updates cheap.
 */
import { createHash } from 'node:crypto';
import { invalid, tileIdToZxy, tileIdZoom, zxyToTileId } from '../../core/index.ts';
import { buildDirectories } from './build-directories.ts';
import { compress } from './compression.ts';
import type { DirectoryEntry } from './encode-directory.ts';
import { Compression, encodeHeader, HEADER_LENGTH, type Header, TileType } from './header.ts';
import { ScratchFile } from './scratch-file.ts';
import { type LonLatBounds, tileBounds } from './tile-bounds.ts';
import { type StoredSource, TileContents } from './tile-contents.ts';
import { createFileSink, type TileSink } from './tile-sink.ts';

/** One tile to store: its address and its uncompressed bytes (an encoded MVT, a PNG, ...). */
export interface TileInput {
  z: number;
  x: number;
  y: number;
  data: Uint8Array;
}

/** Options of the writer; every field has a default. */
export interface WriteArchiveOptions {
  /** Header tile type (spec 3.2); default MVT. */
  tileType?: number;
  /** How tiles are stored: Compression.Gzip (default) or Compression.None (e.g. for PNG/JPEG/WebP). */
  tileCompression?: number;
  /** The JSON metadata object (spec chapter 5); default `{ vector_layers: [] }` for MVT, `{}` otherwise. */
  metadata?: Record<string, unknown>;
  /** Header bounds; default the union of the written tiles' extents. */
  bounds?: LonLatBounds;
  /** Header center; default the middle of the bounds at the minimum zoom. */
  center?: { lon: number; lat: number; zoom: number };
  /** Parent directory of the scratch file; default the OS temp directory. */
  scratchDir?: string;
  /** Gzip level for tiles (1..9); default 6, zlib's default. */
  tileGzipLevel?: number;
}

/** What `finish` wrote. */
export interface ArchiveSummary {
  header: Header;
  /** Number of leaf directories (0 when the root holds every entry). */
  leafCount: number;
  /** Total archive size in bytes. */
  size: number;
}

// go-pmtiles and the C++ reference keep run lengths in 32 bits; longer runs are split.
const MAX_RUN_LENGTH = 0xffff_ffff;
const WRITE_CHUNK = 1 << 20;

/** Streams tiles into a clustered, deduplicated PMTiles v3 archive on a `TileSink`. */
export class PMTilesWriter {
  private readonly tileIds: number[] = [];
  private readonly tileContent: number[] = [];
  private readonly contents: TileContents;
  private readonly zooms = { min: 255, max: -1 };
  private state: 'open' | 'finishing' | 'done' = 'open';

  private constructor(
    private readonly sink: TileSink,
    private readonly scratch: ScratchFile,
    private readonly options: WriteArchiveOptions,
    private readonly tileCompression: number,
  ) {
    this.contents = new TileContents(scratch);
  }

  /** Start an archive on `sink`; validates the options. */
  static async open(sink: TileSink, options: WriteArchiveOptions = {}): Promise<PMTilesWriter> {
    const tileCompression = options.tileCompression ?? Compression.Gzip;
    if (tileCompression !== Compression.Gzip && tileCompression !== Compression.None) {
      throw invalid(
        'unsupported_compression',
        `tile compression ${tileCompression} is not supported; use gzip or none`,
      );
    }
    const tileType = options.tileType ?? TileType.Mvt;
    if (!Number.isInteger(tileType) || tileType < 0 || tileType > 6) {
      throw invalid('bad_tile_type', `tile type ${tileType} is not one of the spec's values 0..6`);
    }
    const layers = options.metadata?.['vector_layers'];
    if (tileType === TileType.Mvt && options.metadata !== undefined && !Array.isArray(layers)) {
      throw invalid('missing_vector_layers', 'MVT archives need metadata.vector_layers (spec chapter 5)');
    }
    return new PMTilesWriter(sink, await ScratchFile.create(options.scratchDir), options, tileCompression);
  }

  /**
   * Add one tile (uncompressed bytes); each z/x/y may be added once. `stored`, when given, is `data` already
   * compressed the way this writer would (e.g. copied from an archive it wrote), and is used as is.
   */
  async addTile(z: number, x: number, y: number, data: Uint8Array, stored?: Uint8Array): Promise<void> {
    if (this.state !== 'open')
      throw invalid('writer_closed', `cannot add tile ${z}/${x}/${y}: the archive is finished`);
    const tileId = zxyToTileId(z, x, y);
    if (data.length === 0) {
      throw invalid('empty_tile', `tile ${z}/${x}/${y} is empty: omit empty tiles (spec 4.1: length > 0)`, { z, x, y });
    }
    this.zooms.min = Math.min(this.zooms.min, z);
    this.zooms.max = Math.max(this.zooms.max, z);
    const hash = createHash('sha256').update(data).digest('base64');
    const content = this.contents.park(hash, () =>
      stored !== undefined
        ? stored.slice()
        : this.tileCompression === Compression.Gzip
          ? compress(data, Compression.Gzip, this.options.tileGzipLevel ?? 6)
          : data.slice(),
    );
    this.tileIds.push(tileId);
    this.tileContent.push(content);
    await this.scratch.settle();
  }

  /**
   * Add the `runLength` tiles from `tileId` on, all with the stored bytes at [offset, offset + length) of `source`,
   * which are copied when the archive is written. The bytes must be compressed the way this writer compresses, and
   * a source must hold each content once (as archives written here do), so that a content added both ways is still
   * stored once: `finish` finds added tiles equal to source contents by comparing stored bytes.
   */
  addStoredRun(source: StoredSource, tileId: number, runLength: number, offset: number, length: number): void {
    if (this.state !== 'open') throw invalid('writer_closed', `cannot add tile id ${tileId}: the archive is finished`);
    if (length <= 0) throw invalid('empty_tile', `tile id ${tileId} is empty: omit empty tiles (spec 4.1: length > 0)`);
    const content = this.contents.refer(source, offset, length);
    for (let id = tileId; id < tileId + runLength; id++) {
      this.tileIds.push(id);
      this.tileContent.push(content);
    }
    this.zooms.min = Math.min(this.zooms.min, tileIdZoom(tileId));
    this.zooms.max = Math.max(this.zooms.max, tileIdZoom(tileId + runLength - 1));
  }

  /** Lay out and write the archive, commit the sink and delete the scratch file. */
  async finish(): Promise<ArchiveSummary> {
    if (this.state !== 'open') throw invalid('writer_closed', 'the archive is already finished');
    this.state = 'finishing';
    try {
      const summary = await this.writeOut();
      await this.sink.commit();
      return summary;
    } catch (err) {
      await this.sink.abort();
      throw err;
    } finally {
      this.state = 'done';
      await this.scratch.dispose();
    }
  }

  /** Give up: discard the partial archive and the scratch file. */
  async abort(): Promise<void> {
    if (this.state === 'done') return;
    this.state = 'done';
    await this.sink.abort();
    await this.scratch.dispose();
  }

  /** The union of the tiles' extents (only needed when no bounds were given). */
  private tileExtent(): LonLatBounds {
    const e = { minLon: 180, minLat: 90, maxLon: -180, maxLat: -90 };
    for (const id of this.tileIds) {
      const t = tileIdToZxy(id);
      const b = tileBounds(t.z, t.x, t.y);
      e.minLon = Math.min(e.minLon, b.minLon);
      e.minLat = Math.min(e.minLat, b.minLat);
      e.maxLon = Math.max(e.maxLon, b.maxLon);
      e.maxLat = Math.max(e.maxLat, b.maxLat);
    }
    return e;
  }

  /** Tile entries in tile-id order with run lengths, and the contents in the order their bytes will be written. */
  private layOut(alias: ReadonlyMap<number, number>): {
    entries: DirectoryEntry[];
    order: number[];
    dataLength: number;
  } {
    const ids = this.tileIds;
    const order = Array.from(ids.keys()).sort((a, b) => ids[a]! - ids[b]!);
    const lengths = this.contents.length;
    const finalOffset = new Array<number>(lengths.length).fill(-1);
    const written: number[] = [];
    const entries: DirectoryEntry[] = [];
    let dataLength = 0;
    for (const i of order) {
      const tileId = ids[i]!;
      const added = this.tileContent[i]!;
      const content = alias.get(added) ?? added;
      const last = entries.at(-1);
      if (last !== undefined && last.tileId + last.runLength - 1 >= tileId) {
        throw invalid('duplicate_tile', `tile id ${tileId} was added more than once`, { tileId });
      }
      let offset = finalOffset[content]!;
      if (offset < 0) {
        offset = dataLength;
        finalOffset[content] = offset;
        dataLength += lengths[content]!;
        written.push(content);
      }
      if (
        last !== undefined &&
        last.offset === offset &&
        last.tileId + last.runLength === tileId &&
        last.runLength < MAX_RUN_LENGTH
      ) {
        last.runLength++;
      } else {
        entries.push({ tileId, offset, length: lengths[content]!, runLength: 1 });
      }
    }
    return { entries, order: written, dataLength };
  }

  private async writeOut(): Promise<ArchiveSummary> {
    const { entries, order, dataLength } = this.layOut(await this.contents.parkedDuplicates());
    const dirs = buildDirectories(entries, Compression.Gzip);
    const metadata = compress(new TextEncoder().encode(JSON.stringify(this.metadata())), Compression.Gzip);
    const header = this.header({
      rootLength: dirs.root.length,
      metadataLength: metadata.length,
      leavesLength: dirs.leaves.length,
      dataLength,
      entryCount: entries.length,
      contentCount: order.length,
    });
    await this.sink.write(Buffer.concat([encodeHeader(header), dirs.root, metadata, dirs.leaves]));
    let batch: Uint8Array[] = [];
    let batchBytes = 0;
    const emit = async (blob: Uint8Array) => {
      if (blob.length >= WRITE_CHUNK) {
        // Big enough to write as it is: no copy.
        if (batchBytes > 0) await this.sink.write(Buffer.concat(batch));
        batch = [];
        batchBytes = 0;
        await this.sink.write(blob);
        return;
      }
      batch.push(blob);
      batchBytes += blob.length;
      if (batchBytes >= WRITE_CHUNK) {
        await this.sink.write(Buffer.concat(batch));
        batch = [];
        batchBytes = 0;
      }
    };
    await this.contents.copyOut(order, emit);
    if (batchBytes > 0) await this.sink.write(Buffer.concat(batch));
    return { header, leafCount: dirs.leafCount, size: header.tileDataOffset + dataLength };
  }

  private metadata(): Record<string, unknown> {
    if (this.options.metadata !== undefined) return this.options.metadata;
    return (this.options.tileType ?? TileType.Mvt) === TileType.Mvt ? { vector_layers: [] } : {};
  }

  private header(sizes: {
    rootLength: number;
    metadataLength: number;
    leavesLength: number;
    dataLength: number;
    entryCount: number;
    contentCount: number;
  }): Header {
    const empty = this.tileIds.length === 0;
    const bounds = this.options.bounds ?? (empty ? { minLon: 0, minLat: 0, maxLon: 0, maxLat: 0 } : this.tileExtent());
    const minZoom = empty ? 0 : this.zooms.min;
    const center = this.options.center ?? {
      lon: (bounds.minLon + bounds.maxLon) / 2,
      lat: (bounds.minLat + bounds.maxLat) / 2,
      zoom: minZoom,
    };
    // Sections in the spec's usual order (chapter 2): header, root, metadata, leaves, tile data.
    const metadataOffset = HEADER_LENGTH + sizes.rootLength;
    const leafOffset = metadataOffset + sizes.metadataLength;
    return {
      specVersion: 3,
      rootDirectoryOffset: HEADER_LENGTH,
      rootDirectoryLength: sizes.rootLength,
      jsonMetadataOffset: metadataOffset,
      jsonMetadataLength: sizes.metadataLength,
      leafDirectoryOffset: leafOffset,
      leafDirectoryLength: sizes.leavesLength,
      tileDataOffset: leafOffset + sizes.leavesLength,
      tileDataLength: sizes.dataLength,
      numAddressedTiles: this.tileIds.length,
      numTileEntries: sizes.entryCount,
      numTileContents: sizes.contentCount,
      clustered: true,
      internalCompression: Compression.Gzip,
      tileCompression: this.tileCompression,
      tileType: this.options.tileType ?? TileType.Mvt,
      minZoom,
      maxZoom: empty ? 0 : this.zooms.max,
      minLon: bounds.minLon,
      minLat: bounds.minLat,
      maxLon: bounds.maxLon,
      maxLat: bounds.maxLat,
      centerZoom: center.zoom,
      centerLon: center.lon,
      centerLat: center.lat,
    };
  }
}

/** Write `tiles` (any order, sync or async iterable) to `sink` as one archive and commit it. */
export async function writeArchive(
  tiles: Iterable<TileInput> | AsyncIterable<TileInput>,
  sink: TileSink,
  options: WriteArchiveOptions = {},
): Promise<ArchiveSummary> {
  let writer: PMTilesWriter;
  try {
    writer = await PMTilesWriter.open(sink, options);
  } catch (err) {
    await sink.abort();
    throw err;
  }
  try {
    for await (const t of tiles) await writer.addTile(t.z, t.x, t.y, t.data);
  } catch (err) {
    await writer.abort();
    throw err;
  }
  return writer.finish();
}

/** Write `tiles` to the file `target`, replacing it atomically when complete. */
export async function writeArchiveFile(
  target: string,
  tiles: Iterable<TileInput> | AsyncIterable<TileInput>,
  options: WriteArchiveOptions = {},
): Promise<ArchiveSummary> {
  return writeArchive(tiles, await createFileSink(target), options);
}
