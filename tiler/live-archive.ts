/**
 * The archive a server is serving: follows `current.json` and keeps the live version's file open, with its
 * directories and its hot tiles and byte ranges in memory. A replaced version's handle is closed after a grace
 * period, so requests already reading it finish on the bytes they started with.
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import path from 'node:path';
import { type ArchiveVersion, CURRENT_FILE, readCurrent, versionPath } from './archive-store.ts';
import { ByteLru } from './byte-lru.ts';
import { type ArchiveReader, Compression, decompress, openArchive, readExactly } from './pmtiles/index.ts';

/** One tile's bytes as served: stored (as in the archive) and, made on first need, uncompressed. */
export class ServedTile {
  private plainBytes: Buffer | undefined;
  /** Strong ETags of the two representations. They name the content, not the version: unchanged tiles keep them. */
  readonly etag: string;
  readonly etagGzip: string;

  constructor(
    /** Where the bytes are in the tile data: identical tiles share it, and the cache is keyed by it. */
    readonly offset: number,
    readonly stored: Buffer,
    readonly compression: number,
  ) {
    const tag = createHash('sha1').update(stored).digest('hex').slice(0, 32);
    this.etag = `"${tag}"`;
    this.etagGzip = `"${tag}-gz"`;
  }

  /** The uncompressed tile (the stored bytes themselves when the archive does not compress tiles). */
  plain(): Buffer {
    if (this.plainBytes === undefined) {
      const raw = decompress(this.stored, this.compression, 'tile');
      this.plainBytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    }
    return this.plainBytes;
  }

  /** Bytes held (for the cache's budget). */
  get bytes(): number {
    return (
      this.stored.length +
      (this.plainBytes !== undefined && this.plainBytes !== this.stored ? this.plainBytes.length : 0)
    );
  }
}

// Ranges up to this size are cached: directory pages, the 16 KiB header+root window, single tiles.
const CACHED_RANGE = 1 << 17;

/** One opened version. */
export class OpenVersion {
  /** Hot tiles (by tile-data offset: identical tiles share one entry) and archive ranges; one budget for both. */
  private readonly tiles: ByteLru<number, ServedTile>;
  private readonly ranges: ByteLru<number, Buffer>;

  private constructor(
    readonly version: ArchiveVersion,
    readonly handle: FileHandle,
    readonly size: number,
    readonly archive: ArchiveReader,
    readonly metadata: Record<string, unknown>,
    cacheBytes: number,
  ) {
    this.tiles = new ByteLru(cacheBytes / 2, (t) => t.bytes);
    this.ranges = new ByteLru(cacheBytes / 2, (b) => b.length);
  }

  /** Open `version` of the archives in `dir`, with `cacheBytes` for hot tiles and ranges. */
  static async open(dir: string, version: ArchiveVersion, cacheBytes: number): Promise<OpenVersion> {
    const handle = await open(versionPath(dir, version), 'r');
    try {
      const { size } = await handle.stat();
      const read = (offset: number, length: number) => readExactly(handle, offset, length);
      const archive = await openArchive({ size, read });
      return new OpenVersion(version, handle, size, archive, await archive.metadata(), cacheBytes);
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /** Exactly the bytes [offset, offset + length), from memory when they were asked for recently. */
  async read(offset: number, length: number): Promise<Buffer> {
    if (length > CACHED_RANGE) return readExactly(this.handle, offset, length);
    // Offsets stay below 2^35 for any real archive and lengths below 2^18: the pair is an exact number key.
    const key = offset * 2 ** 18 + length;
    let bytes = this.ranges.get(key);
    if (bytes === undefined) {
      bytes = await readExactly(this.handle, offset, length);
      this.ranges.set(key, bytes);
    }
    return bytes;
  }

  /** The tile z/x/y, or undefined when the archive has none there. */
  async tile(z: number, x: number, y: number): Promise<ServedTile | undefined> {
    const at = await this.archive.locate(z, x, y);
    if (at === undefined) return undefined;
    let t = this.tiles.get(at.offset);
    if (t === undefined) {
      const stored = await readExactly(this.handle, this.archive.header.tileDataOffset + at.offset, at.length);
      t = new ServedTile(at.offset, stored, this.archive.header.tileCompression);
      this.tiles.set(at.offset, t);
    }
    return t;
  }

  /** The uncompressed bytes of a tile this version returned, counting them against the cache's budget. */
  plain(tile: ServedTile): Buffer {
    const before = tile.bytes;
    const out = tile.plain();
    if (tile.bytes !== before) this.tiles.grew(tile.offset, tile.bytes - before);
    return out;
  }

  /** Whether tiles are stored gzipped (then gzip-accepting clients get the stored bytes as they are). */
  get gzipTiles(): boolean {
    return this.archive.header.tileCompression === Compression.Gzip;
  }
}

const GRACE_MS = 30_000;
/** Default memory for a version's hot tiles and ranges. */
export const DEFAULT_CACHE_BYTES = 64 << 20;

/** The live version of the archives in one directory. */
export class LiveArchive {
  private stamp = '';
  private live: Promise<OpenVersion | undefined> = Promise.resolve(undefined);
  private readonly retiring = new Map<NodeJS.Timeout, OpenVersion>();
  private readonly pointer: string;

  constructor(
    readonly dir: string,
    private readonly cacheBytes = DEFAULT_CACHE_BYTES,
  ) {
    this.pointer = path.join(dir, CURRENT_FILE);
  }

  /**
   * The version to serve now, or undefined before the first build. `current.json` is checked with one synchronous
   * stat per call (a microsecond or two on a local disk, where an async stat costs tens through the thread pool), so
   * a request that starts after a swap always sees the new version; the file is reread only when it changed.
   */
  current(): Promise<OpenVersion | undefined> {
    const s = statSync(this.pointer, { throwIfNoEntry: false });
    const stamp = s ? `${s.ino}:${s.mtimeMs}:${s.size}` : '';
    if (stamp !== this.stamp) {
      this.stamp = stamp;
      const previous = this.live;
      this.live = (async () => {
        const v = await readCurrent(this.dir);
        return v === undefined ? undefined : OpenVersion.open(this.dir, v, this.cacheBytes);
      })();
      // A failed open is retried on the next request rather than cached.
      this.live.catch(() => {
        this.stamp = '';
      });
      void previous.then((old) => old && this.retire(old)).catch(() => {});
    }
    return this.live;
  }

  private retire(old: OpenVersion): void {
    const t = setTimeout(() => {
      this.retiring.delete(t);
      void old.handle.close().catch(() => {});
    }, GRACE_MS);
    t.unref();
    this.retiring.set(t, old);
  }

  /** Close every handle now. */
  async close(): Promise<void> {
    for (const [t, old] of this.retiring) {
      clearTimeout(t);
      await old.handle.close().catch(() => {});
    }
    this.retiring.clear();
    const v = await this.live.catch(() => undefined);
    await v?.handle.close().catch(() => {});
  }
}
