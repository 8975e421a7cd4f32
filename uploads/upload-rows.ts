/**
 * What other folders read and write of the tables uploads/ owns (uploads, devices, contributors, step_runs): they ask
 * through these functions, never in SQL of their own (see db/README.md). Rows are typed from the drizzle schema.
 */
import type { Sql } from '../db/index.ts';
import type { contributors, devices, uploads } from '../db/schema.ts';

type UploadRow = typeof uploads.$inferSelect;
type DeviceRow = typeof devices.$inferSelect;
type ContributorRow = typeof contributors.$inferSelect;

/** An upload's status; undefined if there is no such upload. */
export async function uploadStatus(sql: Sql, uploadId: string): Promise<UploadRow['status'] | undefined> {
  const [u] = await sql<Pick<UploadRow, 'status'>[]>`select status from uploads where id = ${uploadId}`;
  return u?.status;
}

/** The camera an upload was captured with (its declared device): field of view and mount yaw, in degrees. */
export type UploadCamera = Pick<DeviceRow, 'hfovDeg' | 'mountYawDeg'>;

/** The camera of an upload's device; undefined if there is no such upload. */
export async function uploadCamera(sql: Sql, uploadId: string): Promise<UploadCamera | undefined> {
  // float8 casts: the real columns widened exactly, as fusion's geometry has always seen them.
  const [c] = await sql<UploadCamera[]>`
    select dv.hfov_deg::float8 as "hfovDeg", dv.mount_yaw_deg::float8 as "mountYawDeg"
    from uploads u join devices dv on dv.id = u.device_id where u.id = ${uploadId}`;
  return c;
}

/** Who an upload belongs to and whether it passed validation, with the contributor's reputation (reward booking). */
export type UploadOwner = Pick<UploadRow, 'status' | 'contributorId'> &
  Pick<ContributorRow, 'reputation'> & { verdict: string | null };

/** The owner, status, verdict and owner's reputation of an upload; undefined if there is no such upload. */
export async function uploadOwner(sql: Sql, uploadId: string): Promise<UploadOwner | undefined> {
  const [u] = await sql<UploadOwner[]>`
    select u.status, u.validation->>'verdict' as verdict, u.contributor_id as "contributorId", c.reputation
    from uploads u join contributors c on c.id = u.contributor_id where u.id = ${uploadId}`;
  return u;
}

/** The contributor with a wallet address, created on first sight; returns its id. */
export async function ensureContributor(sql: Sql, address: string): Promise<ContributorRow['id']> {
  const [c] = await sql<Pick<ContributorRow, 'id'>[]>`
    insert into contributors (address) values (${address})
    on conflict (address) do update set address = excluded.address returning id`;
  return c!.id;
}

/** Whether a step of an upload has finished (its step_runs row exists). */
export async function stepFinished(sql: Sql, uploadId: string, step: string): Promise<boolean> {
  const rows = await sql`select 1 from step_runs where upload_id = ${uploadId} and step = ${step}`;
  return rows.length > 0;
}
