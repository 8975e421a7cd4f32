/**
 * Random access to an archive's bytes, the reader-side counterpart of `TileSink`: a file, a buffer, or later an
 * HTTP range or object-store source.
 */
import { type FileHandle, open } from 'node:fs/promises';

/** Byte ranges of one archive of known size. */
export interface RangeReader {
  readonly size: number;
  /** Exactly `length` bytes at `offset`; callers stay within `size`. */
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** A `RangeReader` over an in-memory archive. */
export function bufferReader(bytes: Uint8Array): RangeReader {
  return { size: bytes.length, read: async (offset, length) => bytes.subarray(offset, offset + length) };
}

/** `length` bytes of an open file at `offset`, looping over short reads; fewer only where the file ends. */
export async function readExactly(handle: FileHandle, offset: number, length: number): Promise<Buffer> {
  const out = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(out, done, length - done, offset + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done === length ? out : out.subarray(0, done);
}

/** A `RangeReader` over a local file; close it when done. */
export async function openFileReader(file: string): Promise<RangeReader & { close(): Promise<void> }> {
  const handle = await open(file, 'r');
  const { size } = await handle.stat();
  return {
    size,
    read: (offset, length) => readExactly(handle, offset, length),
    close: () => handle.close(),
  };
}
