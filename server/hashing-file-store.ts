import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import path from 'node:path';
import { type Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FileStore } from '@tus/file-store';

/** Bytes gathered before one positioned writev: fewer round trips to libuv's thread pool (bench/upload.ts). */
const WRITE_BATCH_BYTES = 4 << 20;
/** Running hashes kept at most (a few hundred bytes each); the least recently written go first. */
const MAX_RUNNING_HASHES = 4096;

/** The SHA-256 state of a transfer's first `offset` bytes, as this process wrote them. */
interface RunningHash {
  hash: Hash;
  offset: number;
}

/** Writes `parts` at `position`, looping over short writes. */
async function writeAll(fh: FileHandle, parts: Buffer[], position: number): Promise<void> {
  let rest = parts;
  let pos = position;
  while (rest.length > 0) {
    const { bytesWritten } = await fh.writev(rest, pos);
    pos += bytesWritten;
    let skip = bytesWritten;
    let i = 0;
    while (i < rest.length && skip >= rest[i]!.length) skip -= rest[i++]!.length;
    rest = rest.slice(i);
    if (skip > 0 && rest[0]) rest = [rest[0].subarray(skip), ...rest.slice(1)];
  }
}

/**
 * The end of a transfer's pipeline: hashes each piece as it arrives and writes the pieces to the file at exact
 * positions in batches of `WRITE_BATCH_BYTES` with one writev each, without copying them together. One batch is
 * written while the next is gathered; batches are written in order, so the file only ever grows as a prefix of
 * what was received and its size stays the exact resume offset.
 */
class HashingFileSink extends Writable {
  /** Where the next batch goes; after `finish`, the new end of the file. */
  position: number;
  private parts: Buffer[] = [];
  private bytes = 0;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly fh: FileHandle,
    offset: number,
    private readonly hash: Hash,
  ) {
    super();
    this.position = offset;
  }

  /** Queues the gathered batch behind the one being written; `done` runs once the earlier batch is on disk. */
  private flush(done: (err?: Error | null) => void): void {
    const parts = this.parts;
    const at = this.position;
    const before = this.writing;
    this.position += this.bytes;
    this.parts = [];
    this.bytes = 0;
    this.writing = before.then(() => writeAll(this.fh, parts, at));
    // Every batch's failure reaches the stream through the next write or _final; this only keeps a failure of the
    // last batch before a destroy from being reported as unhandled.
    this.writing.catch(() => {});
    before.then(() => done(), done);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.hash.update(chunk);
    this.parts.push(chunk);
    this.bytes += chunk.length;
    if (this.bytes >= WRITE_BATCH_BYTES) this.flush(done);
    else done();
  }

  override _final(done: (err?: Error | null) => void): void {
    if (this.bytes > 0) this.flush(() => {});
    this.writing.then(() => done(), done);
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    // The file handle is closed by the store once the stream is over: let a batch in flight land first.
    this.writing.then(
      () => done(err),
      () => done(err),
    );
  }
}

/** SHA-256 state of the first `length` bytes of a file (used when a transfer resumes without a running hash). */
async function hashPrefix(file: string, length: number): Promise<Hash> {
  const hash = createHash('sha256');
  if (length === 0) return hash;
  let seen = 0;
  for await (const chunk of createReadStream(file, { start: 0, end: length - 1, highWaterMark: 4 << 20 })) {
    hash.update(chunk as Buffer);
    seen += (chunk as Buffer).length;
  }
  if (seen !== length) throw new Error(`transfer file ${file} has ${seen} bytes, expected at least ${length}`);
  return hash;
}

/**
 * A tus FileStore that hashes each transfer while writing it, so that accepting a finished file needs no second
 * read (see `takeSha256`), and writes in large positioned batches (see HashingFileSink).
 *
 * The running SHA-256 lives in memory, keyed by transfer id and tagged with the offset it covers. A write that
 * starts at another offset than the running hash's (the hash was lost to a restart or eviction, or another server
 * process wrote part of the transfer) first hashes the prefix already on disk: tus only ever appends, so the first
 * `offset` bytes of the file are exactly what the hash must cover. A write that fails drops the hash, since the file
 * may then hold bytes the hash does not know about; the next write re-hashes the prefix.
 */
export class HashingFileStore extends FileStore {
  private readonly running = new Map<string, RunningHash>();

  private fileOf(id: string): string {
    const file = path.resolve(this.directory, id);
    // The same guard as FileStore's own (private) resolve: an id never names a file outside the directory.
    if (path.dirname(file) !== path.resolve(this.directory)) throw new Error(`invalid transfer id ${id}`);
    return file;
  }

  override async write(readable: Readable, id: string, offset: number): Promise<number> {
    const file = this.fileOf(id);
    // Taken out for the duration of the write: whatever happens, only a complete write puts a hash back.
    const kept = this.running.get(id);
    this.running.delete(id);
    let hash: Hash;
    let fh: FileHandle;
    try {
      hash = kept && kept.offset === offset ? kept.hash : await hashPrefix(file, offset);
      fh = await open(file, 'r+');
    } catch {
      // Shaped like @tus/server's own errors, so the client gets a 500 without the server's file paths.
      throw { status_code: 500, body: `transfer ${id} could not be resumed: send it again from the start\n` };
    }
    try {
      const sink = new HashingFileSink(fh, offset, hash);
      await pipeline(readable, sink);
      this.running.set(id, { hash, offset: sink.position });
      if (this.running.size > MAX_RUNNING_HASHES) {
        const oldest = this.running.keys().next().value;
        if (oldest !== undefined) this.running.delete(oldest);
      }
      return sink.position;
    } finally {
      await fh.close();
    }
  }

  /**
   * The SHA-256 (hex) of a transfer's first `size` bytes if this process hashed exactly that many while writing
   * them, else undefined (the caller then hashes the file itself). Consumes the running hash.
   */
  takeSha256(id: string, size: number): string | undefined {
    const kept = this.running.get(id);
    this.running.delete(id);
    return kept && kept.offset === size ? kept.hash.digest('hex') : undefined;
  }

  override async remove(id: string): Promise<void> {
    this.running.delete(id);
    await super.remove(id);
  }
}
