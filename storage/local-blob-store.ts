import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MapmintError } from '../core/index.ts';
import { renameDurably } from './atomic-file.ts';
import { type BlobInfo, type BlobStore, isValidKey, keyFor, type PutFileOptions } from './blob-store.ts';
import { sha256File } from './hash-file.ts';

/**
 * Hashes a file about to be stored (or takes the trusted `knownSha256` and only stats it) and enforces
 * `expectedSha256`: on a mismatch the file is not stored (and, with `move`, the consumed source is removed) and
 * `checksum_mismatch` is thrown. Every BlobStore's putFile uses this.
 */
export async function hashForPut(src: string, opts: PutFileOptions): Promise<{ sha256: string; size: number }> {
  let info: { sha256: string; size: number };
  if (opts.knownSha256 === undefined) {
    info = await sha256File(src);
  } else {
    // A malformed hash would make a malformed key: refuse it rather than store under it.
    if (!/^[0-9a-f]{64}$/.test(opts.knownSha256)) {
      throw new MapmintError('internal', 'invalid_known_hash', `knownSha256 is not a SHA-256 hex digest: ${src}`);
    }
    info = { sha256: opts.knownSha256, size: (await stat(src)).size };
  }
  if (opts.expectedSha256 !== undefined && info.sha256 !== opts.expectedSha256) {
    if (opts.move) await rm(src, { force: true });
    throw new MapmintError(
      'invalid_input',
      'checksum_mismatch',
      `received bytes hash to ${info.sha256}, the manifest says ${opts.expectedSha256}: the file changed or was truncated; send it again`,
    );
  }
  return info;
}

/** Blobs on the local file system, written atomically and durably (temp file, fsync, rename, fsync the folder). */
export class LocalBlobStore implements BlobStore {
  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  private pathOf(key: string): string {
    if (!isValidKey(key))
      throw new MapmintError('invalid_input', 'invalid_blob_key', `not a blob key: ${JSON.stringify(key)}`);
    return path.join(this.root, key);
  }

  private async place(tmp: string, info: { sha256: string; size: number }): Promise<BlobInfo> {
    const key = keyFor(info.sha256);
    const dest = this.pathOf(key);
    await mkdir(path.dirname(dest), { recursive: true });
    const existing = await stat(dest).catch(() => undefined);
    if (existing && existing.size === info.size) {
      await rm(tmp, { force: true });
    } else {
      await renameDurably(tmp, dest);
    }
    return { key, ...info };
  }

  private async tmpPath(): Promise<string> {
    const dir = path.join(this.root, 'tmp');
    await mkdir(dir, { recursive: true });
    return path.join(dir, randomUUID());
  }

  async putFile(src: string, opts: PutFileOptions = {}): Promise<BlobInfo> {
    const info = await hashForPut(src, opts);
    const tmp = await this.tmpPath();
    if (opts.move) {
      try {
        await rename(src, tmp);
      } catch {
        await copyFile(src, tmp);
        await rm(src, { force: true });
      }
    } else {
      await copyFile(src, tmp);
    }
    return this.place(tmp, info);
  }

  async putBuffer(bytes: Uint8Array): Promise<BlobInfo> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const dest = this.pathOf(keyFor(sha256));
    const existing = await stat(dest).catch(() => undefined);
    if (existing && existing.size === bytes.length) return { key: keyFor(sha256), sha256, size: bytes.length };
    const tmp = await this.tmpPath();
    await pipeline(
      (async function* () {
        yield bytes;
      })(),
      createWriteStream(tmp),
    );
    return this.place(tmp, { sha256, size: bytes.length });
  }

  async get(key: string): Promise<Readable> {
    const p = this.pathOf(key);
    if ((await this.stat(key)) === undefined) throw new MapmintError('not_found', 'blob_not_found', `no blob ${key}`);
    return createReadStream(p);
  }

  async getBuffer(key: string): Promise<Buffer> {
    try {
      return await readFile(this.pathOf(key));
    } catch {
      throw new MapmintError('not_found', 'blob_not_found', `no blob ${key}`);
    }
  }

  async stat(key: string): Promise<number | undefined> {
    const s = await stat(this.pathOf(key)).catch(() => undefined);
    return s?.size;
  }

  async localPath(key: string): Promise<string> {
    if ((await this.stat(key)) === undefined) throw new MapmintError('not_found', 'blob_not_found', `no blob ${key}`);
    return this.pathOf(key);
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }
}
