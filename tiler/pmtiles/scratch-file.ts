/**
 * A temporary append-only file holding compressed tile blobs while tiles arrive in any order, so that a big archive
 * is never held in memory: only offsets and lengths stay in memory until the writer copies the blobs out in
 * tile-id order.
 */
import { type FileHandle, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const FLUSH_AT = 1 << 20;

/**
 * Append blobs, read them back by offset and length, then dispose of the file. File writes are chained on one
 * promise so that appends and reads issued without awaiting each other still see a consistent file.
 */
export class ScratchFile {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  /** Bytes handed to the write chain (written, or being written). */
  private queued = 0;
  private chain: Promise<void> = Promise.resolve();

  private constructor(
    private readonly dir: string,
    private readonly handle: FileHandle,
  ) {}

  /** Create an empty scratch file in a fresh directory under `parent` (default: the OS temp directory). */
  static async create(parent: string = tmpdir()): Promise<ScratchFile> {
    const dir = await mkdtemp(path.join(parent, 'mapmint-pmtiles-'));
    const handle = await open(path.join(dir, 'tiles.bin'), 'w+');
    return new ScratchFile(dir, handle);
  }

  /** Total bytes appended so far. */
  get size(): number {
    return this.queued + this.pendingBytes;
  }

  /**
   * Append a blob and return its offset, synchronously so that callers can record it before anything else runs.
   * The scratch file keeps a reference until the blob is flushed: do not mutate it. Await `settle()` for backpressure.
   */
  append(bytes: Uint8Array): number {
    const offset = this.size;
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    if (this.pendingBytes >= FLUSH_AT) void this.flush();
    return offset;
  }

  /** Resolves when every write queued so far has reached the file; rejects if one failed. */
  settle(): Promise<void> {
    return this.chain;
  }

  /** Read `length` bytes at `offset`. */
  async read(offset: number, length: number): Promise<Uint8Array> {
    if (offset + length > this.queued) void this.flush();
    await this.chain;
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.handle.read(out, done, length - done, offset + done);
      if (bytesRead === 0) throw new Error(`scratch file ended at ${offset + done}, wanted ${offset + length}`);
      done += bytesRead;
    }
    return out;
  }

  /** Close and delete the scratch file. */
  async dispose(): Promise<void> {
    await this.chain.catch(() => undefined);
    await this.handle.close().catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }

  private flush(): Promise<void> {
    if (this.pendingBytes === 0) return this.chain;
    const chunk = Buffer.concat(this.pending);
    const at = this.queued;
    this.pending = [];
    this.pendingBytes = 0;
    this.queued += chunk.length;
    this.chain = this.chain.then(async () => {
      let done = 0;
      while (done < chunk.length) {
        const { bytesWritten } = await this.handle.write(chunk, done, chunk.length - done, at + done);
        done += bytesWritten;
      }
    });
    return this.chain;
  }
}
