/** What every BlobStore must do the same way, checked by the local and the S3 store's tests alike. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { MapmintError } from '../../../core/index.ts';
import { type BlobStore, keyFor } from '../../../storage/index.ts';

/** SHA-256 hex of bytes. */
export const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** A predicate for assert.rejects: a MapmintError with this code. */
export const isCode = (code: string) => (err: unknown) => err instanceof MapmintError && err.code === code;

/** An absent blob: stat answers undefined, and every read is `blob_not_found`. */
export async function assertAbsentIsNotFound(store: BlobStore): Promise<void> {
  const key = keyFor(sha(Buffer.from('never stored')));
  assert.equal(await store.stat(key), undefined);
  await assert.rejects(store.get(key), isCode('blob_not_found'));
  await assert.rejects(store.getBuffer(key), isCode('blob_not_found'));
  await assert.rejects(store.localPath(key), isCode('blob_not_found'));
}
