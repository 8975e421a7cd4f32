export { type BlobInfo, type BlobStore, isValidKey, keyFor, type PutFileOptions } from './blob-store.ts';
export { LocalBlobStore, sha256File } from './local-blob-store.ts';
export { openBlobStore, s3Client } from './open-blob-store.ts';
export { S3BlobStore, type S3BlobStoreOptions } from './s3-blob-store.ts';
