import path from 'node:path';
import { stateDir } from '../db/paths.ts';
import type { BlobStore } from './blob-store.ts';
import { LocalBlobStore } from './local-blob-store.ts';

/** The configured blob store: the local file system under `MAPMINT_BLOB_DIR` (default `.mapmint/blobs`). */
export function openBlobStore(): BlobStore {
  return new LocalBlobStore(process.env.MAPMINT_BLOB_DIR ?? path.join(stateDir(), 'blobs'));
}
