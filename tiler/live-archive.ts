/**
 * The archive a server is serving: follows `current.json` (checked with one stat per request, reread when its inode
 * or mtime changes) and keeps the live version's file open. A replaced version's handle is closed after a grace
 * period, so requests already reading it finish on the bytes they started with.
 */
import { type FileHandle, open, stat } from 'node:fs/promises';
import path from 'node:path';
import { type ArchiveVersion, CURRENT_FILE, readCurrent, versionPath } from './archive-store.ts';
import { type ArchiveReader, openArchive } from './pmtiles/index.ts';

/** One opened version. */
export interface OpenVersion {
  version: ArchiveVersion;
  handle: FileHandle;
  size: number;
  archive: ArchiveReader;
  metadata: Record<string, unknown>;
  /** Exactly the bytes [offset, offset + length). */
  read(offset: number, length: number): Promise<Uint8Array>;
}

const GRACE_MS = 30_000;

async function openVersion(dir: string, version: ArchiveVersion): Promise<OpenVersion> {
  const handle = await open(versionPath(dir, version), 'r');
  try {
    const { size } = await handle.stat();
    const read = async (offset: number, length: number) => {
      const out = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(out, done, length - done, offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return done === length ? out : out.subarray(0, done);
    };
    const archive = await openArchive({ size, read });
    return { version, handle, size, archive, metadata: await archive.metadata(), read };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** The live version of the archives in one directory. */
export class LiveArchive {
  private stamp = '';
  private live: Promise<OpenVersion | undefined> = Promise.resolve(undefined);
  private readonly retiring = new Map<NodeJS.Timeout, OpenVersion>();

  constructor(readonly dir: string) {}

  /** The version to serve now, or undefined before the first build. */
  async current(): Promise<OpenVersion | undefined> {
    const s = await stat(path.join(this.dir, CURRENT_FILE)).catch(() => undefined);
    const stamp = s ? `${s.ino}:${s.mtimeMs}:${s.size}` : '';
    if (stamp !== this.stamp) {
      this.stamp = stamp;
      const previous = this.live;
      this.live = (async () => {
        const v = await readCurrent(this.dir);
        return v === undefined ? undefined : openVersion(this.dir, v);
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
