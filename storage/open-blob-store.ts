import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import type { BlobStore } from './blob-store.ts';
import { LocalBlobStore } from './local-blob-store.ts';
import { S3BlobStore } from './s3-blob-store.ts';

/**
 * An S3 client for an S3-compatible endpoint. Checksums are computed only when an operation requires them: when no
 * checksum is given, the SDK's default sends bodies aws-chunked with a trailing CRC32, which some S3-compatible servers
 * store verbatim, framing included (s3rver does). S3BlobStore always sends its own SHA-256, which S3 verifies.
 */
export function s3Client(opts: {
  endpoint?: string | undefined;
  region?: string | undefined;
  forcePathStyle?: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
}): S3Client {
  return new S3Client({
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
    region: opts.region ?? 'us-east-1',
    forcePathStyle: opts.forcePathStyle ?? false,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/**
 * The configured blob store. With `MAPMINT_S3_BUCKET`: that bucket (`MAPMINT_S3_ENDPOINT`, `MAPMINT_S3_REGION`,
 * `MAPMINT_S3_FORCE_PATH_STYLE=1`, `MAPMINT_S3_PREFIX`; credentials from `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`
 * when both are set, else the SDK's usual chain), caching local copies under `MAPMINT_BLOB_CACHE_DIR`. Otherwise the local file system
 * under `MAPMINT_BLOB_DIR` (default `<stateDir>/blobs`). The caller hands over its state folder (db/ stateDir), so
 * storage knows nothing of the database package.
 */
export function openBlobStore(stateDir: string, env: NodeJS.ProcessEnv = process.env): BlobStore {
  const bucket = env.MAPMINT_S3_BUCKET;
  if (bucket) {
    const forcePathStyle = env.MAPMINT_S3_FORCE_PATH_STYLE;
    if (forcePathStyle !== undefined && !['', '0', '1', 'true', 'false'].includes(forcePathStyle)) {
      throw new Error(`MAPMINT_S3_FORCE_PATH_STYLE must be 1, 0, true or false, got ${JSON.stringify(forcePathStyle)}`);
    }
    return new S3BlobStore({
      client: s3Client({
        endpoint: env.MAPMINT_S3_ENDPOINT || undefined,
        region: env.MAPMINT_S3_REGION || undefined,
        forcePathStyle: forcePathStyle === '1' || forcePathStyle === 'true',
        credentials:
          env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
            ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY }
            : undefined,
      }),
      bucket,
      prefix: env.MAPMINT_S3_PREFIX ?? '',
      cacheDir: env.MAPMINT_BLOB_CACHE_DIR ?? path.join(stateDir, 'blob-cache'),
      ...(env.MAPMINT_BLOB_CACHE_MAX_BYTES ? { cacheMaxBytes: cacheBytes(env.MAPMINT_BLOB_CACHE_MAX_BYTES) } : {}),
    });
  }
  return new LocalBlobStore(env.MAPMINT_BLOB_DIR ?? path.join(stateDir, 'blobs'));
}

/** MAPMINT_BLOB_CACHE_MAX_BYTES as a positive byte count. */
function cacheBytes(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new Error(`MAPMINT_BLOB_CACHE_MAX_BYTES must be a positive number of bytes, got ${JSON.stringify(v)}`);
  }
  return n;
}
