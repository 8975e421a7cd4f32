/**
 * Privacy zones: circles a driver sets around home or work. Frames of theirs inside one are never published (the
 * `public_frames` and `public_tracks` views, db/migrations/0015_public_views.sql, apply them at read time, so a zone
 * also hides earlier drives and deleting it publishes them again). The frames are still processed: map features
 * near home are mapped, but none of their evidence images is shown. Adding or deleting a zone re-renders its tiles.
 */
import { invalid, MapmintError } from '../core/index.ts';
import { PRIVACY_ZONE_MAX_RADIUS_M, PRIVACY_ZONE_MIN_RADIUS_M, type Sql } from '../db/index.ts';
import type { Queue } from '../queue/index.ts';
import type { Uploader } from './create-upload.ts';

/** Zones one driver may keep (home, work, family, ...). */
export const MAX_PRIVACY_ZONES = 10;

/** A privacy zone as its driver sees it. */
export interface PrivacyZone {
  id: string;
  lon: number;
  lat: number;
  radiusM: number;
  createdAt: string;
}

/** JSON Schema of a new zone (validated by the HTTP layer; the radius bounds are the table's check). */
export const privacyZoneSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['lon', 'lat', 'radiusM'],
  properties: {
    lon: { type: 'number', minimum: -180, maximum: 180 },
    lat: { type: 'number', minimum: -85, maximum: 85 },
    radiusM: { type: 'number', minimum: PRIVACY_ZONE_MIN_RADIUS_M, maximum: PRIVACY_ZONE_MAX_RADIUS_M },
  },
} as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface ZoneRow {
  id: string;
  lon: number;
  lat: number;
  radiusM: number;
  createdAt: Date;
}
const view = (r: ZoneRow): PrivacyZone => ({ ...r, createdAt: r.createdAt.toISOString() });

/** The caller's zones, oldest first. */
export async function listPrivacyZones(sql: Sql, who: Uploader): Promise<PrivacyZone[]> {
  const rows = await sql<ZoneRow[]>`
    select id, ST_X(centre) as lon, ST_Y(centre) as lat, radius_m::float8 as "radiusM", created_at as "createdAt"
    from privacy_zones where contributor_id = ${who.contributorId} order by created_at, id`;
  return rows.map(view);
}

/** Marks the zone's box for re-rendering and enqueues the tile update, inside the caller's transaction. */
async function redrawZone(tx: Sql, queue: Queue, zoneId: string, change: 'add' | 'delete'): Promise<void> {
  // The tiler owns tile_dirty_areas, but importing its markDirty here would close a cycle (tiler -> ingest -> uploads),
  // so this one insert stays (db/README.md).
  await tx`
    insert into tile_dirty_areas (bbox, reason)
    select jsonb_build_array(ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)), ${`privacy:${zoneId}`}
    from (select ST_Buffer(centre::geography, radius_m)::geometry as b from privacy_zones where id = ${zoneId}) z`;
  await queue.send('tiler.update', {}, { tx, key: `privacy:${zoneId}:${change}` });
}

/** Adds a zone for the caller (at most MAX_PRIVACY_ZONES); its frames disappear from public outputs at once. */
export async function addPrivacyZone(
  ctx: { sql: Sql; queue: Queue },
  who: Uploader,
  z: { lon: number; lat: number; radiusM: number },
): Promise<PrivacyZone> {
  if (!(z.radiusM >= PRIVACY_ZONE_MIN_RADIUS_M && z.radiusM <= PRIVACY_ZONE_MAX_RADIUS_M)) {
    throw invalid(
      'bad_radius',
      `a privacy zone's radius is ${PRIVACY_ZONE_MIN_RADIUS_M} to ${PRIVACY_ZONE_MAX_RADIUS_M} m`,
    );
  }
  return (await ctx.sql.begin(async (tx) => {
    await tx`select id from contributors where id = ${who.contributorId} for update`;
    const [n] = await tx<{ n: number }[]>`
      select count(*)::int as n from privacy_zones where contributor_id = ${who.contributorId}`;
    if ((n?.n ?? 0) >= MAX_PRIVACY_ZONES) {
      throw new MapmintError(
        'conflict',
        'too_many_privacy_zones',
        `you have ${MAX_PRIVACY_ZONES} privacy zones, the most allowed: delete one first`,
      );
    }
    const [r] = await tx<ZoneRow[]>`
      insert into privacy_zones (contributor_id, centre, radius_m)
      values (${who.contributorId}, ST_SetSRID(ST_MakePoint(${z.lon}, ${z.lat}), 4326), ${z.radiusM})
      returning id, ST_X(centre) as lon, ST_Y(centre) as lat, radius_m::float8 as "radiusM", created_at as "createdAt"`;
    await redrawZone(tx as unknown as Sql, ctx.queue, r!.id, 'add');
    return view(r!);
  })) as PrivacyZone;
}

/** Deletes one of the caller's zones (not_found for anyone else's); its frames are published again. */
export async function deletePrivacyZone(ctx: { sql: Sql; queue: Queue }, who: Uploader, id: string): Promise<void> {
  const gone = new MapmintError('not_found', 'privacy_zone_not_found', `no privacy zone ${id} of yours`);
  if (!UUID.test(id)) throw gone;
  await ctx.sql.begin(async (tx) => {
    const [z] = await tx`select id from privacy_zones where id = ${id} and contributor_id = ${who.contributorId}
                         for update`;
    if (!z) throw gone;
    // Marked while the zone still exists (its box comes from the row).
    await redrawZone(tx as unknown as Sql, ctx.queue, id, 'delete');
    await tx`delete from privacy_zones where id = ${id}`;
  });
}
