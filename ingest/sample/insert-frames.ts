/**
 * Frame rows into PostGIS, in batches of multi-row inserts (one `insert ... select from unnest(...)` per batch),
 * idempotent: a row whose (upload_id, idx) exists is left alone, so a retried job inserts nothing twice.
 */
import type { Sql } from '../../db/index.ts';
import type { SampledFrame } from './store-frames.ts';

/** Rows per insert statement. */
export const INSERT_BATCH = 200;

/** Inserts frame rows for an upload (pass a transaction's `sql` to insert within it); returns rows inserted. */
export async function insertFrames(
  sql: Sql,
  uploadId: string,
  frames: readonly SampledFrame[],
  opts: { batchSize?: number } = {},
): Promise<number> {
  const size = Math.max(1, opts.batchSize ?? INSERT_BATCH);
  let inserted = 0;
  for (let at = 0; at < frames.length; at += size) {
    const b = frames.slice(at, at + size);
    const rows = await sql`
      insert into frames (upload_id, idx, geom, heading_deg, speed_mps, captured_at, blob_key, width, height, quality)
      select ${uploadId}::uuid, u.idx, ST_SetSRID(ST_MakePoint(u.lon, u.lat), 4326), u.heading, u.speed,
             to_timestamp(u.t / 1000.0), u.key, u.w, u.h, u.q::jsonb
      from unnest(
        ${b.map((f) => f.idx)}::int[], ${b.map((f) => f.lon)}::float8[], ${b.map((f) => f.lat)}::float8[],
        ${b.map((f) => f.headingDeg)}::float4[], ${b.map((f) => f.speedMps)}::float4[], ${b.map((f) => f.t)}::float8[],
        ${b.map((f) => f.blobKey)}::text[], ${b.map((f) => f.width)}::int[], ${b.map((f) => f.height)}::int[],
        ${b.map((f) => JSON.stringify(f.quality))}::text[]
      ) as u(idx, lon, lat, heading, speed, t, key, w, h, q)
      on conflict (upload_id, idx) do nothing
      returning 1`;
    inserted += rows.length;
  }
  return inserted;
}
