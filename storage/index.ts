export { type BlobInfo, type BlobStore, isValidKey, keyFor } from './blob-store.ts';
export { LocalBlobStore, sha256File } from './local-blob-store.ts';
export { openBlobStore } from './open-blob-store.ts';
