/**
 * What other folders read and write of the tables uploads/ owns (uploads, devices, contributors, step_runs): they ask
 * through these functions, never in SQL of their own (see db/README.md). Rows are typed from the drizzle schema.
 */
import type { Sql } from '../db/index.ts';
import type { ContributorRole, contributors, devices, uploadFiles, uploads } from '../db/schema.ts';

type UploadRow = typeof uploads.$inferSelect;
type DeviceRow = typeof devices.$inferSelect;
type ContributorRow = typeof contributors.$inferSelect;
type FileRow = typeof uploadFiles.$inferSelect;

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

/**
 * Who an upload belongs to and whether it passed validation, with the contributor's reputation and whether a
 * registered device key signed its manifest (reward booking).
 */
export type UploadOwner = Pick<UploadRow, 'status' | 'contributorId'> &
  Pick<ContributorRow, 'reputation'> & { verdict: string | null; signed: boolean };

/** The owner, status, verdict, signing and owner's reputation of an upload; undefined if there is no such upload. */
export async function uploadOwner(sql: Sql, uploadId: string): Promise<UploadOwner | undefined> {
  const [u] = await sql<UploadOwner[]>`
    select u.status, u.validation->>'verdict' as verdict, u.contributor_id as "contributorId", c.reputation,
      u.device_key_id is not null as signed
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

/** A contributor's wallet and roles. */
export type ContributorRoles = Pick<ContributorRow, 'address' | 'roles'>;

/** Adds roles to a wallet's contributor (created if it never signed in); returns the stored roles, sorted. */
export async function addContributorRoles(
  sql: Sql,
  address: string,
  add: readonly ContributorRole[],
): Promise<ContributorRoles> {
  const [row] = await sql<ContributorRoles[]>`
    insert into contributors (address, roles) values (${address}, ${add as ContributorRole[]}::text[])
    on conflict (address) do update set roles = array(
      select distinct r from unnest(contributors.roles || excluded.roles) as r order by r)
    returning address, roles`;
  return row!;
}

/** Removes roles from a wallet's contributor; undefined for a wallet never seen. */
export async function removeContributorRoles(
  sql: Sql,
  address: string,
  drop: readonly ContributorRole[],
): Promise<ContributorRoles | undefined> {
  const [row] = await sql<ContributorRoles[]>`
    update contributors set roles = array(select r from unnest(roles) as r where r <> all(${drop as ContributorRole[]}::text[]) order by r)
    where address = ${address} returning address, roles`;
  return row;
}

/** A declared file of an upload with where it was stored (null until received). */
export type StoredFile = Pick<FileRow, 'idx' | 'name' | 'role' | 'declaredSha256' | 'declaredSize' | 'blobKey'>;

/** The declared files of an upload, by index. */
export async function storedFiles(sql: Sql, uploadId: string): Promise<StoredFile[]> {
  return sql<StoredFile[]>`
    select idx, name, role, declared_sha256 as "declaredSha256", declared_size::float8 as "declaredSize",
      blob_key as "blobKey"
    from upload_files where upload_id = ${uploadId} order by idx`;
}

/** An upload's manifest as the client declared it (checked at creation); undefined if there is no such upload. */
export async function uploadManifest<M = unknown>(sql: Sql, uploadId: string): Promise<M | undefined> {
  const [u] = await sql<{ manifest: M }[]>`select manifest from uploads where id = ${uploadId}`;
  return u?.manifest;
}

/** An upload's stored validation report; undefined before validation ran or if there is no such upload. */
export async function uploadValidation<R = UploadRow['validation']>(
  sql: Sql,
  uploadId: string,
): Promise<R | undefined> {
  const [u] = await sql<{ validation: R | null }[]>`select validation from uploads where id = ${uploadId}`;
  return u?.validation ?? undefined;
}

/** Stores an upload's validation report (the verdict and its findings). */
export async function setValidation(tx: Sql, uploadId: string, report: object): Promise<void> {
  await tx`update uploads set validation = ${tx.json(report as never)} where id = ${uploadId}`;
}

/** The earliest upload of identical content by another contributor, made before this one; undefined if none. */
export async function earlierDuplicate(sql: Sql, uploadId: string): Promise<string | undefined> {
  const [me] = await sql<Pick<UploadRow, 'contentHash' | 'contributorId'>[]>`
    select content_hash as "contentHash", contributor_id as "contributorId" from uploads where id = ${uploadId}`;
  const [earlier] = await sql<Pick<UploadRow, 'id'>[]>`
    select id from uploads where content_hash = ${me!.contentHash} and contributor_id <> ${me!.contributorId}
      and created_at < (select created_at from uploads where id = ${uploadId}) order by created_at limit 1`;
  return earlier?.id;
}

/**
 * The other uploads of this upload's device that were not quarantined. A signed upload's device is its key: every
 * upload that key signed, whoever declared what camera. Only an unsigned upload falls back to the self-declared
 * camera (the contributor's make and model), compared with the contributor's other unsigned uploads of it.
 */
export async function sameDeviceUploads(sql: Sql, uploadId: string): Promise<string[]> {
  const rows = await sql<Pick<UploadRow, 'id'>[]>`
    select o.id from uploads o join uploads me on me.id = ${uploadId}
    where o.id <> me.id and o.status <> 'quarantined'
      and case when me.device_key_id is not null then o.device_key_id = me.device_key_id
               else o.device_key_id is null and o.device_id = me.device_id end`;
  return rows.map((r) => r.id);
}
