import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { MapmintError } from '../core/index.ts';
import { renameDurably } from './atomic-file.ts';
import { type BlobInfo, type BlobStore, isValidKey, keyFor, type PutFileOptions } from './blob-store.ts';
import { DownloadCache } from './download-cache.ts';
import { hashForPut } from './local-blob-store.ts';

/** Where an S3BlobStore keeps its objects and its local copies. */
export interface S3BlobStoreOptions {
  client: S3Client;
  bucket: string;
  /** Prepended to every key (e.g. `mapmint/`), so one bucket can hold several deployments. */
  prefix?: string;
  /** Folder for `localPath` downloads; a blob is fetched again only after it was evicted. */
  cacheDir: string;
  /** Bytes the download folder may hold; least recently used blobs are removed past it (default 10 GiB). */
  cacheMaxBytes?: number;
}

/** Default budget of the download folder: a few long drives' videos. */
export const DEFAULT_CACHE_MAX_BYTES = 10 * 1024 ** 3;

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.$metadata?.httpStatusCode === 404 || e.name === 'NotFound' || e.name === 'NoSuchKey';
}

const notFound = (key: string) => new MapmintError('not_found', 'blob_not_found', `no blob ${key}`);

/**
 * Blobs in an S3-compatible bucket (AWS S3, MinIO, R2, ...), content-addressed like the local store. Files are hashed
 * before they are sent, the hash is sent along as `x-amz-checksum-sha256` so that S3 itself rejects bytes that changed
 * on the way, and a key that already exists is not sent again.
 */
export class S3BlobStore implements BlobStore {
  readonly bucket: string;
  readonly cacheDir: string;
  private readonly client: S3Client;
  private readonly prefix: string;
  private readonly downloads = new Map<string, Promise<string>>();
  private readonly cache: DownloadCache;

  constructor(opts: S3BlobStoreOptions) {
    this.client = opts.client;
    this.bucket = opts.bucket;
    this.prefix = opts.prefix ?? '';
    this.cacheDir = opts.cacheDir;
    this.cache = new DownloadCache(opts.cacheDir, opts.cacheMaxBytes ?? DEFAULT_CACHE_MAX_BYTES);
  }

  private objectKey(key: string): string {
    if (!isValidKey(key))
      throw new MapmintError('invalid_input', 'invalid_blob_key', `not a blob key: ${JSON.stringify(key)}`);
    return this.prefix + key;
  }

  private async put(info: { sha256: string; size: number }, body: () => Readable | Uint8Array): Promise<BlobInfo> {
    const key = keyFor(info.sha256);
    if ((await this.stat(key)) === info.size) return { key, ...info };
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.objectKey(key),
        Body: body(),
        ContentLength: info.size,
        ChecksumSHA256: Buffer.from(info.sha256, 'hex').toString('base64'),
      }),
    );
    return { key, ...info };
  }

  async putFile(src: string, opts: PutFileOptions = {}): Promise<BlobInfo> {
    const info = await hashForPut(src, opts);
    const stored = await this.put(info, () => createReadStream(src, { highWaterMark: 1 << 20 }));
    if (opts.move) await rm(src, { force: true });
    return stored;
  }

  async putBuffer(bytes: Uint8Array): Promise<BlobInfo> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    return this.put({ sha256, size: bytes.length }, () => bytes);
  }

  async get(key: string): Promise<Readable> {
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      // In Node the SDK's body is an http.IncomingMessage, a Readable.
      return r.Body as Readable;
    } catch (err) {
      if (isNotFound(err)) throw notFound(key);
      throw err;
    }
  }

  async getBuffer(key: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const c of await this.get(key)) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }

  async stat(key: string): Promise<number | undefined> {
    try {
      const r = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      return r.ContentLength;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(path.join(this.cacheDir, this.objectKey(key).slice(this.prefix.length)), { force: true });
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
  }

  async localPath(key: string): Promise<string> {
    const dest = path.join(this.cacheDir, this.objectKey(key).slice(this.prefix.length));
    await this.cache.ready();
    const cached = await stat(dest).catch(() => undefined);
    if (cached) {
      await this.cache.use(key, cached.size);
      return dest;
    }
    // Concurrent callers for one blob share one download.
    let pending = this.downloads.get(key);
    if (!pending) {
      pending = this.download(key, dest).finally(() => this.downloads.delete(key));
      this.downloads.set(key, pending);
    }
    return pending;
  }

  /** Downloads to a temp file, checks the bytes hash to the key, then renames: the cache never holds a partial blob. */
  private async download(key: string, dest: string): Promise<string> {
    const tmpDir = path.join(this.cacheDir, 'tmp');
    await mkdir(tmpDir, { recursive: true });
    await mkdir(path.dirname(dest), { recursive: true });
    const tmp = path.join(tmpDir, randomUUID());
    const h = createHash('sha256');
    const hashing = new Transform({
      transform(chunk: Buffer, _enc, done) {
        h.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(await this.get(key), hashing, createWriteStream(tmp));
      const sha256 = h.digest('hex');
      if (keyFor(sha256) !== key) {
        throw new MapmintError('internal', 'blob_corrupt', `blob ${key} in bucket ${this.bucket} hashes to ${sha256}`);
      }
      await renameDurably(tmp, dest);
      await this.cache.use(key, (await stat(dest)).size);
      return dest;
    } finally {
      await rm(tmp, { force: true });
    }
  }
}
