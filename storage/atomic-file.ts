/**
 * Crash-safe file replacement: write beside the target, fsync the data, rename over the target, fsync the
 * directory. Without the first fsync a crash after the rename can leave the new name on an empty or partial file
 * (ext4 and xfs may commit the rename before the data); without the last the rename itself may be lost.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** What writeFileAtomic accepts: the whole content, or pieces of it (streamed, never held at once). */
export type FileContent = string | Uint8Array | Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>;

/** Flushes a file's (or directory's) data to the disk. */
async function fsyncPath(p: string, flags: 'r' | 'r+'): Promise<void> {
  const fh = await open(p, flags);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Moves a finished temporary file over `target` durably: fsync it, rename, fsync the directory. */
export async function renameDurably(tmp: string, target: string): Promise<void> {
  await fsyncPath(tmp, 'r+');
  await rename(tmp, target);
  await fsyncPath(path.dirname(target), 'r');
}

/**
 * Replaces `target` with `content` so that readers and a crash see the old file or the new one, never a mix; when
 * writing fails the old file stays and the temporary one is removed.
 */
export async function writeFileAtomic(target: string, content: FileContent): Promise<void> {
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  const source =
    typeof content === 'string' || content instanceof Uint8Array ? Readable.from([content]) : Readable.from(content);
  try {
    await pipeline(source, createWriteStream(tmp, { flags: 'wx' }));
    await renameDurably(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
