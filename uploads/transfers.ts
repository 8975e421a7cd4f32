/**
 * Open tus transfers and the per-contributor storage quota. A transfer is a partial file on the server's disk; without
 * bounds one contributor could open any number of them (each up to the largest file allowed) and leave them there.
 * Every transfer is registered here when tus creates it: one per declared file (a new one replaces the old), at most
 * `maxConcurrentTransfers` per contributor, and its declared size reserved against the contributor's quota.
 */
import { MapmintError } from '../core/index.ts';
import type { Sql } from '../db/index.ts';
import type { FileTarget, Uploader } from './create-upload.ts';

/** What bounds one contributor's use of the server's disk. */
export interface TransferLimits {
  /** Partial transfers one contributor may have open at once. */
  maxConcurrentTransfers: number;
  /**
   * Bytes one contributor may hold on the server that were not yet accepted: received files of uploads that are not
   * done (waiting, in processing, or quarantined and not yet deleted) plus the declared sizes of open transfers.
   */
  quotaBytes: number;
  /** Idle time after which a transfer expires (for the messages). */
  transferExpiryS: number;
}

/** A contributor's bytes counted against the quota. */
export interface StorageUsage {
  stored: number;
  inFlight: number;
  transfers: number;
}

/** Bytes stored awaiting acceptance and bytes reserved by open transfers (see `TransferLimits.quotaBytes`). */
export async function storageUsage(sql: Sql, contributorId: string): Promise<StorageUsage> {
  const [r] = await sql<StorageUsage[]>`
    select
      (select coalesce(sum(f.declared_size), 0)::float8 from upload_files f join uploads u on u.id = f.upload_id
        where u.contributor_id = ${contributorId} and f.status = 'received' and u.status <> 'done'
          and u.files_deleted_at is null) as stored,
      coalesce(sum(t.size), 0)::float8 as "inFlight", count(t.id)::int as transfers
    from upload_transfers t where t.contributor_id = ${contributorId}`;
  return r!;
}

const hours = (s: number) => `${Math.round(s / 3600)} h`;

/**
 * Registers transfer `id` for `target` once tus accepted its length. A transfer already open for the same file is
 * replaced (its id is returned so the caller deletes its partial): a client that lost its transfer's URL starts again
 * instead of waiting for the expiry. Refuses with `rate_limited` (429) past the concurrent-transfer cap and with
 * `too_large` (413) when the file does not fit in the quota.
 */
export async function openTransfer(
  sql: Sql,
  who: Uploader,
  target: FileTarget,
  id: string,
  limits: TransferLimits,
): Promise<{ replaced: string[] }> {
  return (await sql.begin(async (tx) => {
    // One contributor's transfers open one at a time, so two at once cannot both fit in the last free bytes.
    await tx`select id from contributors where id = ${who.contributorId} for update`;
    const replaced = await tx<{ id: string }[]>`
      delete from upload_transfers where upload_id = ${target.uploadId} and idx = ${target.idx} returning id`;
    const use = await storageUsage(tx as unknown as Sql, who.contributorId);
    if (use.transfers >= limits.maxConcurrentTransfers) {
      throw new MapmintError(
        'rate_limited',
        'too_many_transfers',
        `you have ${use.transfers} transfers open (at most ${limits.maxConcurrentTransfers}): finish or cancel ` +
          `(tus DELETE) one before starting another; idle transfers expire after ${hours(limits.transferExpiryS)}`,
        { open: use.transfers, max: limits.maxConcurrentTransfers },
      );
    }
    if (use.stored + use.inFlight + target.size > limits.quotaBytes) {
      throw new MapmintError(
        'too_large',
        'storage_quota_exceeded',
        `file ${target.idx} (${target.size} bytes) does not fit in your storage quota of ${limits.quotaBytes} bytes: ` +
          `${use.stored} bytes wait for processing and ${use.inFlight} are in open transfers; wait until your ` +
          'uploads are processed, or cancel transfers you no longer need',
        { ...use, quota: limits.quotaBytes, size: target.size },
      );
    }
    await tx`insert into upload_transfers (id, upload_id, idx, contributor_id, size)
             values (${id}, ${target.uploadId}, ${target.idx}, ${who.contributorId}, ${target.size})`;
    return { replaced: replaced.map((r) => r.id) };
  })) as { replaced: string[] };
}

/** Records activity on transfer `id`; false when it is not open (replaced, expired, finished or never created). */
export async function touchTransfer(sql: Sql, id: string): Promise<boolean> {
  const r = await sql`update upload_transfers set touched_at = now() where id = ${id} returning id`;
  return r.length > 0;
}

/** Forgets transfer `id` (finished or cancelled); false when it was not open. */
export async function closeTransfer(sql: Sql, id: string): Promise<boolean> {
  const r = await sql`delete from upload_transfers where id = ${id} returning id`;
  return r.length > 0;
}

/** Forgets the transfers idle for more than `maxIdleS` seconds and returns their ids (their partials are the caller's). */
export async function expireTransfers(sql: Sql, maxIdleS: number): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
    delete from upload_transfers where touched_at < now() - make_interval(secs => ${maxIdleS}) returning id`;
  return rows.map((r) => r.id);
}
