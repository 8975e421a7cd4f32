/**
 * The upload side of the disk sweep: uploads abandoned while receiving expire (their stored files are deleted and
 * must be sent again), and the files of quarantined uploads are deleted once the retention period has passed (the
 * upload row, its reasons and its audit trail stay, so the driver can still read why).
 */
import type { Sql } from '../db/index.ts';
import type { BlobStore } from '../storage/index.ts';
import { transition } from './upload-lifecycle.ts';

/**
 * Deletes the blobs in `keys` that no other upload's files still need. Blobs are content-addressed, so another
 * upload (of anyone) holding identical bytes shares the blob; only files whose upload kept its files count.
 */
async function deleteUnsharedBlobs(sql: Sql, blobs: BlobStore, uploadId: string, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  const unshared = await sql<{ key: string }[]>`
    select k as key from unnest(${keys}::text[]) k
    where not exists (select 1 from upload_files f join uploads u on u.id = f.upload_id
                      where f.blob_key = k and f.upload_id <> ${uploadId} and u.files_deleted_at is null)`;
  for (const { key } of unshared) await blobs.delete(key);
}

/**
 * Expires uploads still receiving with no open transfer and no activity (state change or file received) for
 * `maxIdleS` seconds: their received files are deleted and set back to pending, and the upload moves to `expired`
 * with the reason `upload_abandoned`. Declaring the same content again revives it. Returns how many expired.
 */
export async function expireAbandonedUploads(sql: Sql, blobs: BlobStore, maxIdleS: number): Promise<number> {
  const idle = await sql<{ id: string }[]>`
    select u.id from uploads u
    where u.status = 'receiving' and u.updated_at < now() - make_interval(secs => ${maxIdleS})
      and not exists (select 1 from upload_transfers t where t.upload_id = u.id)
      and not exists (select 1 from upload_files f where f.upload_id = u.id
                        and f.received_at >= now() - make_interval(secs => ${maxIdleS}))`;
  const hours = Math.round(maxIdleS / 3600);
  let expired = 0;
  for (const { id } of idle) {
    const keys = (await sql.begin(async (tx) => {
      // Another server's sweep, or a file arriving, may have moved it since the select: only a receiving upload expires.
      const [u] = await tx<{ status: string }[]>`select status from uploads where id = ${id} for no key update`;
      if (u?.status !== 'receiving') return undefined;
      const files = await tx<{ key: string }[]>`
        update upload_files f set status = 'pending', blob_key = null, received_at = null
        from (select idx, blob_key from upload_files where upload_id = ${id} for update) old
        where f.upload_id = ${id} and f.idx = old.idx and old.blob_key is not null
        returning old.blob_key as key`;
      await transition(tx as unknown as Sql, id, 'expired', {
        step: 'upload.sweep',
        actor: 'server',
        reasons: [
          {
            code: 'upload_abandoned',
            message:
              `no data arrived for ${hours} h, so the partial and received files were deleted: declare the upload ` +
              'again (same files) and send every file again to resume it',
          },
        ],
      });
      return files.map((f) => f.key);
    })) as string[] | undefined;
    if (keys === undefined) continue;
    expired++;
    await deleteUnsharedBlobs(sql, blobs, id, keys);
  }
  return expired;
}

/**
 * Deletes the files of uploads quarantined more than `retentionS` seconds ago (kept that long so the driver can read
 * the reasons and contest them) and adds the reason `files_deleted`. Returns how many uploads were purged.
 */
export async function purgeQuarantinedFiles(sql: Sql, blobs: BlobStore, retentionS: number): Promise<number> {
  const days = Math.round(retentionS / 86_400);
  const reason = {
    code: 'files_deleted',
    message: `the files of this quarantined upload were deleted ${days} days after quarantine; the reasons stay here`,
  };
  const due = await sql<{ id: string }[]>`
    select id from uploads where status = 'quarantined' and files_deleted_at is null
      and updated_at < now() - make_interval(secs => ${retentionS})`;
  for (const { id } of due) {
    const files = await sql<{ key: string }[]>`
      select blob_key as key from upload_files where upload_id = ${id} and blob_key is not null`;
    // Blobs first, the mark after: a sweep cut short in between deletes them again next time (a no-op) and marks.
    await deleteUnsharedBlobs(
      sql,
      blobs,
      id,
      files.map((f) => f.key),
    );
    await sql`update uploads set files_deleted_at = now(), reasons = reasons || ${sql.json([reason] as never)}::jsonb
              where id = ${id}`;
  }
  return due.length;
}
