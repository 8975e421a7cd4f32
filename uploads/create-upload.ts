import { open, rm } from 'node:fs/promises';
import type { UploadManifest, UploadView } from '../api/index.ts';
import { MapmintError } from '../core/index.ts';
import type { Sql } from '../db/index.ts';
import type { Queue } from '../queue/index.ts';
import type { BlobStore } from '../storage/index.ts';
import { type UnsignedUploadPolicy, verifyManifestSignature } from './device-keys.ts';
import { checkManifest, contentHash, deviceKey, type ManifestLimits, sniffMatches } from './manifest.ts';
import { withHints } from './reason-hints.ts';
import { reclockQuarantined } from './reclock-upload.ts';
import { transition } from './upload-lifecycle.ts';
import { uploadSteps } from './upload-steps.ts';

/** Who acts on uploads: roles play no part here, so in-process callers (the CLI) need not know them. */
/** The signed-in contributor an upload belongs to. */
export interface Uploader {
  contributorId: string;
  address: string;
}
type Signer = Uploader;

const notFound = (id: string) => new MapmintError('not_found', 'upload_not_found', `no upload ${id} of yours`);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What upload creation enforces besides the manifest's own limits. */
export interface UploadLimits extends ManifestLimits {
  uploadsPerHour: number;
  /** Unsigned manifests: accepted (paid at the unsigned multiplier) or refused. Default `accept`. */
  unsignedUploads?: UnsignedUploadPolicy;
}

/**
 * Creates an upload from its manifest, or returns the caller's existing upload with the same content (an identical
 * re-upload is answered idempotently; the client then resumes whatever files are still missing). A device signature
 * is verified first (uploads/device-keys.ts), so even the idempotent answer needs a manifest the policy admits.
 * With `queue`, an upload quarantined for its clock alone and declared again with other clock fields is validated
 * again (uploads/reclock-upload.ts).
 */
export async function createUpload(
  sql: Sql,
  who: Signer,
  m: UploadManifest,
  limits: UploadLimits,
  queue?: Queue,
): Promise<{ upload: UploadView; created: boolean }> {
  checkManifest(m, limits);
  const hash = contentHash(m);
  const total = m.files.reduce((s, f) => s + f.size, 0);
  const id = (await sql.begin(async (tx) => {
    const signedBy = await verifyManifestSignature(tx as unknown as Sql, who, m, limits.unsignedUploads ?? 'accept');
    const [existing] = await tx<{ id: string; status: string }[]>`
      select id, status from uploads where contributor_id = ${who.contributorId} and content_hash = ${hash}`;
    if (existing) {
      // An upload that expired while receiving (uploads/expire-uploads.ts) is resumed by declaring it again.
      if (existing.status === 'expired') {
        await transition(tx as unknown as Sql, existing.id, 'receiving', { step: 'upload.create', actor: who.address });
      } else if (existing.status === 'quarantined' && queue) {
        await reclockQuarantined(tx as unknown as Sql, queue, existing.id, m, { actor: who.address, signedBy });
      }
      return { id: existing.id, created: false };
    }
    const [recent] = await tx<{ n: number }[]>`
      select count(*)::int as n from uploads where contributor_id = ${who.contributorId} and created_at > now() - interval '1 hour'`;
    if ((recent?.n ?? 0) >= limits.uploadsPerHour) {
      throw new MapmintError(
        'rate_limited',
        'too_many_uploads',
        `at most ${limits.uploadsPerHour} uploads per hour: try again later`,
      );
    }
    const d = m.device;
    const [dev] = await tx<{ id: string }[]>`
      insert into devices (contributor_id, device_key, make, model, camera_model, hfov_deg, mount, mount_yaw_deg)
      values (${who.contributorId}, ${deviceKey(d)}, ${d.make}, ${d.model}, ${d.cameraModel ?? null},
              ${d.hfovDeg ?? null}, ${d.mount ?? null}, ${d.mountYawDeg ?? 0})
      on conflict (contributor_id, device_key) do update set make = excluded.make returning id`;
    const [up] = await tx<{ id: string }[]>`
      insert into uploads (contributor_id, device_id, device_key_id, manifest, content_hash, byte_size)
      values (${who.contributorId}, ${dev!.id}, ${signedBy}, ${tx.json(m as never)}, ${hash}, ${total})
      on conflict (contributor_id, content_hash) do nothing returning id`;
    if (!up) {
      const [again] = await tx<{ id: string }[]>`
        select id from uploads where contributor_id = ${who.contributorId} and content_hash = ${hash}`;
      return { id: again!.id, created: false };
    }
    const rows = m.files.map((f, idx) => ({
      upload_id: up.id,
      idx,
      name: f.name,
      role: f.role,
      content_type: f.contentType,
      declared_size: f.size,
      declared_sha256: f.sha256,
    }));
    await tx`insert into upload_files ${tx(rows)}`;
    await tx`insert into upload_events (upload_id, from_status, to_status, step, actor)
             values (${up.id}, null, 'receiving', 'upload.create', ${who.address})`;
    return { id: up.id, created: true };
  })) as { id: string; created: boolean };
  return { upload: await getUpload(sql, who, id.id), created: id.created };
}

/** An upload of the caller's, with files and audit trail; `not_found` for anyone else's. */
export async function getUpload(sql: Sql, who: Signer, id: string): Promise<UploadView> {
  if (!UUID.test(id)) throw notFound(id);
  const [u] =
    await sql`select u.id, u.status, u.content_hash, u.byte_size::float8 as byte_size, u.created_at, u.updated_at,
                u.reasons, u.validation, u.failure, k.public_key as signed_by
              from uploads u left join device_keys k on k.id = u.device_key_id
              where u.id = ${id} and u.contributor_id = ${who.contributorId}`;
  if (!u) throw notFound(id);
  const files = await sql`select idx, name, role, declared_size::float8 as size, declared_sha256, status
                          from upload_files where upload_id = ${id} order by idx`;
  const progress = await sql`select step, done, total, unit, updated_at from upload_progress where upload_id = ${id}`;
  const events = await sql`select from_status, to_status, step, actor, at, reasons from upload_events
                           where upload_id = ${id} order by id`;
  return {
    id: u.id,
    status: u.status,
    contentHash: u.content_hash,
    byteSize: u.byte_size,
    createdAt: u.created_at.toISOString(),
    updatedAt: u.updated_at.toISOString(),
    reasons: withHints(u.reasons),
    validation: u.validation ?? null,
    signedBy: u.signed_by ?? null,
    steps: await uploadSteps(sql, id),
    failure: u.failure ?? null,
    progress: Object.fromEntries(
      progress.map((p) => [p.step, { done: p.done, total: p.total, unit: p.unit, at: p.updated_at.toISOString() }]),
    ),
    files: files.map((f) => ({
      idx: f.idx,
      name: f.name,
      role: f.role,
      size: f.size,
      sha256: f.declared_sha256,
      status: f.status,
    })),
    events: events.map((e) => ({
      from: e.from_status,
      to: e.to_status,
      step: e.step,
      actor: e.actor,
      at: e.at.toISOString(),
      reasons: e.reasons,
    })),
  };
}

/** The caller's uploads, newest first. */
export async function listUploads(
  sql: Sql,
  who: Signer,
  limit = 100,
): Promise<{ id: string; status: string; createdAt: string }[]> {
  const rows = await sql`select id, status, created_at from uploads where contributor_id = ${who.contributorId}
                         order by created_at desc limit ${limit}`;
  return rows.map((r) => ({ id: r.id, status: r.status, createdAt: r.created_at.toISOString() }));
}

/** The file a tus upload is for, with what the manifest declared about it. */
export interface FileTarget {
  uploadId: string;
  idx: number;
  size: number;
  sha256: string;
  contentType: string;
  status: string;
  /** The upload's state (as fileTarget read it): the tus endpoint opens transfers only while it is `receiving`. */
  uploadStatus?: string;
}

/** Looks up the declared file a tus upload targets; checks ownership. */
export async function fileTarget(sql: Sql, who: Signer, uploadId: string, idx: number): Promise<FileTarget> {
  if (!UUID.test(uploadId) || !Number.isInteger(idx) || idx < 0) throw notFound(uploadId);
  const [f] = await sql`select f.idx, f.declared_size::float8 as size, f.declared_sha256, f.content_type, f.status,
                          u.status as upload_status
                        from upload_files f join uploads u on u.id = f.upload_id
                        where f.upload_id = ${uploadId} and f.idx = ${idx} and u.contributor_id = ${who.contributorId}`;
  if (!f) throw new MapmintError('not_found', 'file_not_found', `upload ${uploadId} has no file ${idx} of yours`);
  return {
    uploadId,
    idx,
    size: f.size,
    sha256: f.declared_sha256,
    contentType: f.content_type,
    status: f.status,
    uploadStatus: f.upload_status,
  };
}

/**
 * Accepts a completely received file: checks its first bytes against the declared type and its SHA-256 against
 * the manifest, stores it content-addressed, and when it was the upload's last file, marks the upload received and
 * enqueues its processing in the same transaction. A rejected file leaves nothing stored and can be sent again.
 * `knownSha256` is the hash the tus store computed from exactly the bytes it wrote to `tmpPath` (server-side only,
 * never a client's claim); without it the blob store reads the file again to hash it.
 */
export async function acceptFile(
  ctx: { sql: Sql; blobs: BlobStore; queue: Queue },
  target: FileTarget,
  tmpPath: string,
  opts: { knownSha256?: string | undefined } = {},
): Promise<{ uploadComplete: boolean }> {
  const head = Buffer.alloc(64);
  const fh = await open(tmpPath, 'r');
  const { bytesRead } = await fh.read(head, 0, 64, 0).finally(() => fh.close());
  if (!sniffMatches(target.contentType, head.subarray(0, bytesRead))) {
    await rm(tmpPath, { force: true });
    throw new MapmintError(
      'unsupported_media',
      'content_mismatch',
      `file ${target.idx} does not look like ${target.contentType}: check the file and the manifest's contentType`,
    );
  }
  const info = await ctx.blobs.putFile(tmpPath, {
    move: true,
    expectedSha256: target.sha256,
    ...(opts.knownSha256 === undefined ? {} : { knownSha256: opts.knownSha256 }),
  });
  return (await ctx.sql.begin(async (tx) => {
    await tx`select id from uploads where id = ${target.uploadId} for no key update`;
    await tx`update upload_files set status = 'received', blob_key = ${info.key}, received_at = now()
             where upload_id = ${target.uploadId} and idx = ${target.idx} and status <> 'received'`;
    const [left] = await tx<{ n: number }[]>`select count(*)::int as n from upload_files
                                            where upload_id = ${target.uploadId} and status <> 'received'`;
    const [u] = await tx<{ status: string }[]>`select status from uploads where id = ${target.uploadId}`;
    if (left?.n === 0 && u?.status === 'receiving') {
      await transition(tx as unknown as Sql, target.uploadId, 'received', { step: 'upload.files', actor: 'server' });
      await ctx.queue.send('upload.received', { uploadId: target.uploadId }, { tx: tx as unknown as Sql });
      return { uploadComplete: true };
    }
    return { uploadComplete: false };
  })) as { uploadComplete: boolean };
}
