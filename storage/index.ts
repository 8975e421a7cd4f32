export { type FileContent, renameDurably, writeFileAtomic } from './atomic-file.ts';
export { type BlobInfo, type BlobStore, isValidKey, keyFor, type PutFileOptions } from './blob-store.ts';
export { sha256File } from './hash-file.ts';
export { LocalBlobStore } from './local-blob-store.ts';
export { openBlobStore, s3Client } from './open-blob-store.ts';
export { S3BlobStore, type S3BlobStoreOptions } from './s3-blob-store.ts';
