/**
 * Where a finished archive's bytes go. The writer appends bytes in order and then commits; a sink over a file
 * writes to a temporary name beside the target and renames it on commit, so readers never see half an archive.
 */
import { randomBytes } from 'node:crypto';
import { type FileHandle, open, rm } from 'node:fs/promises';
import path from 'node:path';
import { renameDurably } from '../../storage/index.ts';

/** A sequential byte destination for one archive. */
export interface TileSink {
  /** Append bytes after everything written so far. */
  write(bytes: Uint8Array): Promise<void>;
  /** Make the complete archive visible at its destination. */
  commit(): Promise<void>;
  /** Drop whatever was written. */
  abort(): Promise<void>;
}

/** A `TileSink` writing to `target` through `target.<random>.partial`, renamed over `target` on commit (atomic swap). */
export async function createFileSink(target: string): Promise<TileSink> {
  const partial = path.join(
    path.dirname(target),
    `.${path.basename(target)}.${randomBytes(6).toString('hex')}.partial`,
  );
  const handle: FileHandle = await open(partial, 'wx');
  let closed = false;
  const close = async (): Promise<void> => {
    if (!closed) {
      closed = true;
      await handle.close();
    }
  };
  return {
    async write(bytes) {
      let done = 0;
      while (done < bytes.length) {
        const { bytesWritten } = await handle.write(bytes, done, bytes.length - done);
        done += bytesWritten;
      }
    },
    async commit() {
      await close();
      await renameDurably(partial, target);
    },
    async abort() {
      await close();
      await rm(partial, { force: true });
    },
  };
}
