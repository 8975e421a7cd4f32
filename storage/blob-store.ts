import type { Readable } from 'node:stream';

/** What a stored blob is: its content-addressed key, SHA-256 (hex) and size in bytes. */
export interface BlobInfo {
  key: string;
  sha256: string;
  size: number;
}

/** How `putFile` treats a file: see BlobStore.putFile. */
export interface PutFileOptions {
  /** Consume the source (renamed into the store when possible). */
  move?: boolean;
  /** The hash the bytes must have: a file whose hash differs is not stored and `checksum_mismatch` is thrown. */
  expectedSha256?: string;
  /**
   * The SHA-256 (hex) of the file's bytes, already computed by the caller as it wrote them, so the store does not
   * read the file again to hash it. Only for trusted server code that hashed exactly the bytes now in `src` (the tus
   * store hashes a transfer while writing it); it is still checked against `expectedSha256`, and S3 still verifies
   * it on arrival. Never pass a hash that came from a client.
   */
  knownSha256?: string;
}

/**
 * Where videos and frames live. Keys are content-addressed (`sha256/ab/abcdef...`), so writing the same bytes twice
 * is a no-op and a key never points at other bytes than it names.
 */
export interface BlobStore {
  /**
   * Stores a file; with `move`, the source file is consumed (renamed when possible). With `expectedSha256`, a file
   * whose hash differs is not stored and a `checksum_mismatch` error is thrown. With `knownSha256` (trusted callers
   * only), the file is not read again to hash it.
   */
  putFile(src: string, opts?: PutFileOptions): Promise<BlobInfo>;
  /** Stores bytes held in memory (frames, crops). */
  putBuffer(bytes: Uint8Array): Promise<BlobInfo>;
  /** Streams a blob; throws `not_found` when absent. */
  get(key: string): Promise<Readable>;
  /** Reads a whole blob (small blobs only: frames, crops). */
  getBuffer(key: string): Promise<Buffer>;
  /** Size in bytes, or undefined when absent. */
  stat(key: string): Promise<number | undefined>;
  /** A local file path for tools that need one (ffmpeg); S3 downloads to a cache. */
  localPath(key: string): Promise<string>;
  /** Deletes a blob (the upload sweep's retention); deleting a missing blob is not an error. */
  delete(key: string): Promise<void>;
}

/** The key for a SHA-256 hex digest. */
export function keyFor(sha256: string): string {
  return `sha256/${sha256.slice(0, 2)}/${sha256}`;
}

/** Validates a key's shape (so a key can never climb out of the store's folder). */
export function isValidKey(key: string): boolean {
  return /^sha256\/[0-9a-f]{2}\/[0-9a-f]{64}$/.test(key) && key.slice(7, 9) === key.slice(10, 12);
}
