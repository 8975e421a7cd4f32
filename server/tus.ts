import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { EVENTS, Server } from '@tus/server';
import { MapmintError } from '../core/index.ts';
import type { Sql } from '../db/index.ts';
import type { Queue } from '../queue/index.ts';
import type { BlobStore } from '../storage/index.ts';
import {
  acceptFile,
  closeTransfer,
  fileTarget,
  openTransfer,
  type TransferLimits,
  touchTransfer,
} from '../uploads/index.ts';
import { authenticate } from './auth.ts';
import { toTusError } from './errors.ts';
import { HashingFileStore } from './hashing-file-store.ts';

/** The tus endpoint's path. */
export const TUS_PATH = '/v1/files';

/** Our tus ids are `<upload uuid>.<file index>.<random>`: the file they belong to is in the id itself. */
function parseTusId(id: string): { uploadId: string; idx: number } {
  const m = /^([0-9a-f-]{36})\.(\d{1,6})\.[0-9a-f]{16}$/.exec(id);
  if (!m) throw new MapmintError('not_found', 'transfer_not_found', `no transfer ${JSON.stringify(id)}`);
  return { uploadId: m[1]!, idx: Number(m[2]) };
}

/** Wraps a hook so that our typed errors become tus error responses through the one mapping. */
function guarded<A extends unknown[], R>(fn: (...a: A) => Promise<R>): (...a: A) => Promise<R> {
  return async (...a: A) => {
    try {
      return await fn(...a);
    } catch (err) {
      throw toTusError(err);
    }
  };
}

const transferGone = (id: string) =>
  new MapmintError(
    'not_found',
    'transfer_not_found',
    `transfer ${id} was replaced by a newer one for the same file, expired or finished: start the file again`,
  );

/**
 * The resumable upload endpoint (tus 1.0 core + creation + termination). Every request is authenticated and may
 * only touch transfers of the caller's own uploads; a transfer must target a declared file with its declared size,
 * and is registered in uploads/transfers.ts (one per file, a cap per contributor, the storage quota).
 */
export function createTusServer(
  ctx: { sql: Sql; blobs: BlobStore; queue: Queue },
  opts: { dir: string; maxFileBytes: number } & TransferLimits,
): Server {
  mkdirSync(opts.dir, { recursive: true });
  const store = new HashingFileStore({ directory: opts.dir });
  const server = new Server({
    path: TUS_PATH,
    datastore: store,
    maxSize: opts.maxFileBytes,
    respectForwardedHeaders: false,
    relativeLocation: true,
    namingFunction: guarded(async (req, metadata) => {
      const who = await authenticate(ctx.sql, req.headers.get('authorization'));
      const uploadId = metadata?.uploadId ?? '';
      const idx = Number(metadata?.fileIndex ?? 'x');
      const t = await fileTarget(ctx.sql, who, uploadId, idx);
      if (t.uploadStatus !== 'receiving') {
        throw new MapmintError(
          'conflict',
          'upload_not_receiving',
          `upload ${uploadId} is ${t.uploadStatus}, not receiving files` +
            (t.uploadStatus === 'expired' ? ': declare it again (POST /v1/uploads) to resume it' : ''),
        );
      }
      if (t.status === 'received') {
        throw new MapmintError(
          'conflict',
          'file_already_received',
          `file ${idx} of upload ${uploadId} is already stored`,
        );
      }
      return `${uploadId}.${idx}.${randomBytes(8).toString('hex')}`;
    }),
    onIncomingRequest: guarded(async (req, id) => {
      const who = await authenticate(ctx.sql, req.headers.get('authorization'));
      const { uploadId, idx } = parseTusId(id);
      await fileTarget(ctx.sql, who, uploadId, idx);
      // A creation registers its transfer in onUploadCreate; every later request needs the transfer still open.
      if (req.method !== 'POST' && !(await touchTransfer(ctx.sql, id))) throw transferGone(id);
      // A termination closes the transfer's row before tus answers: once the client sees 204 the transfer no longer
      // counts (quota, open transfers) and the upload can expire. POST_TERMINATE alone ran after the answer.
      if (req.method === 'DELETE') await closeTransfer(ctx.sql, id);
    }),
    onUploadCreate: guarded(async (req, upload) => {
      const who = await authenticate(ctx.sql, req.headers.get('authorization'));
      const { uploadId, idx } = parseTusId(upload.id);
      const t = await fileTarget(ctx.sql, who, uploadId, idx);
      if (upload.size === undefined) {
        throw new MapmintError(
          'invalid_input',
          'length_required',
          'send Upload-Length: deferred lengths are not accepted',
        );
      }
      if (upload.size !== t.size) {
        throw new MapmintError(
          'invalid_input',
          'length_mismatch',
          `Upload-Length ${upload.size} differs from the manifest's ${t.size} bytes for file ${idx}`,
        );
      }
      const { replaced } = await openTransfer(ctx.sql, who, t, upload.id, opts);
      for (const old of replaced) await store.remove(old).catch(() => {});
      return {};
    }),
    onUploadFinish: guarded(async (req, upload) => {
      const who = await authenticate(ctx.sql, req.headers.get('authorization'));
      const { uploadId, idx } = parseTusId(upload.id);
      const t = await fileTarget(ctx.sql, who, uploadId, idx);
      const file = path.join(opts.dir, upload.id);
      // A transfer replaced while its last bytes were being written lost its file: refuse it (the newer one counts).
      if (!(await closeTransfer(ctx.sql, upload.id))) throw transferGone(upload.id);
      // Hashed while it was written (or undefined, and then acceptFile's blob store hashes the file itself).
      const knownSha256 = store.takeSha256(upload.id, t.size);
      try {
        const r = await acceptFile(ctx, t, file, { knownSha256 });
        return { headers: { 'Mapmint-Upload-Complete': r.uploadComplete ? '1' : '0' } };
      } finally {
        // Accepted or rejected, the transfer is over: a rejected file must be sent again from the start.
        await rm(file, { force: true });
        await rm(`${file}.json`, { force: true });
      }
    }),
  });
  // Normally a no-op (onIncomingRequest closed it already); kept for a termination that bypassed that hook.
  server.on(EVENTS.POST_TERMINATE, (_req, _res, id: string) => {
    closeTransfer(ctx.sql, id).catch((err: unknown) => process.stderr.write(`tus: ${String(err)}\n`));
  });
  return server;
}
