/**
 * Random-access byte sources for container formats (MP4). Like PMTiles' `Source`, two operations are enough:
 * the size and a read at an offset. The file adapter reads through a file handle, so a video is never loaded whole.
 */
import { open } from 'node:fs/promises';
import { invalid } from '../../core/index.ts';

/** Random access to the bytes of one file or buffer. */
export interface ByteSource {
  /** Name used in error messages (the path). */
  readonly name: string;
  /** Total length in bytes. */
  readonly size: number;
  /** Exactly `length` bytes at `offset`; throws `mp4_truncated` when the source ends first. */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Release the underlying handle (no-op for buffers). */
  close(): Promise<void>;
}

function checkRange(name: string, size: number, offset: number, length: number, what: string): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw invalid('mp4_truncated', `${name}: bad read of ${length} bytes at offset ${offset} (${what})`);
  }
  if (offset + length > size) {
    throw invalid(
      'mp4_truncated',
      `${name}: ${what} needs bytes ${offset}..${offset + length} but the file ends at ${size}: the file is truncated`,
      { offset, length, size },
    );
  }
}

/** Open a file for random access through `fs.promises.open` (one handle, positioned reads). */
export async function openFileSource(path: string): Promise<ByteSource> {
  const handle = await open(path, 'r');
  const { size } = await handle.stat();
  return {
    name: path,
    size,
    async read(offset, length) {
      checkRange(path, size, offset, length, 'read');
      const buf = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(buf, done, length - done, offset + done);
        if (bytesRead === 0) checkRange(path, offset + done, offset, length, 'read');
        done += bytesRead;
      }
      return buf;
    },
    close: () => handle.close(),
  };
}

/** Wrap bytes already in memory (tests, small uploads) as a ByteSource. */
export function bufferSource(bytes: Uint8Array, name = 'buffer'): ByteSource {
  return {
    name,
    size: bytes.byteLength,
    async read(offset, length) {
      checkRange(name, bytes.byteLength, offset, length, 'read');
      return bytes.subarray(offset, offset + length);
    },
    close: async () => {},
  };
}
