/**
 * What other folders read of the tables roads/ owns (road_segments, upload_matches, coverage): rewards' booking and
 * the CLI's summary ask through these functions (see db/README.md). Rows are typed from the drizzle schema.
 */
import type { Sql } from '../db/index.ts';
import type { coverage, roadSegments } from '../db/schema.ts';

/** One counted piece of an upload's coverage, with the piece's length and class, as reward booking weighs it. */
export type CoveredPiece = Pick<typeof coverage.$inferSelect, 'segmentId' | 'coveredAt'> &
  Pick<typeof roadSegments.$inferSelect, 'lengthM' | 'class'> & {
    /** This upload's stored frames whose nearest counted piece (within the reach) is this one. */
    frames: number;
    /**
     * The latest counted coverage of this piece by any other upload not quarantined that kept frames along it, or
     * null: a track with no imagery along a piece does not make the piece covered for anyone else.
     */
    lastOther: Date | null;
  };

/** Degrees of latitude and of longitude (at the latitude of `geom`) that span `m` metres: an index box's margin. */
const margin = (sql: Sql, geom: ReturnType<Sql>, m: number) =>
  sql`ST_Expand(${geom}, ${m} / 111320.0, ${m} / (111320.0 * greatest(cos(radians(ST_Y(ST_Centroid(${geom})))), 0.01)))`;

/**
 * The pieces an upload counted as covered, in the order it covered them, each with the frames it kept along the
 * piece. A frame belongs to the nearest counted piece within `reachM` metres, so a frame at a junction counts once,
 * not once for every piece that meets there.
 */
export async function coveredPieces(sql: Sql, uploadId: string, reachM: number): Promise<CoveredPiece[]> {
  // One statement across owners (db/README.md): frames are ingest's, but the nearest-piece search per frame and the
  // "kept frames along it" test per other upload are PostGIS joins that must run in the database. The quarantine
  // filter on the other uploads sits in the correlated max per piece.
  return sql<CoveredPiece[]>`
    with mine as (
      select c.segment_id, c.covered_at, s.length_m, s.class, s.geom
      from coverage c join road_segments s on s.id = c.segment_id where c.upload_id = ${uploadId} and c.counted),
    along as (
      select n.segment_id, count(*)::int as frames from frames f
      cross join lateral (
        select m.segment_id from mine m
        where m.geom && ${margin(sql, sql`f.geom`, reachM)}
          and ST_DWithin(m.geom::geography, f.geom::geography, ${reachM})
        order by ST_Distance(m.geom::geography, f.geom::geography), m.segment_id limit 1) n
      where f.upload_id = ${uploadId} group by n.segment_id)
    select m.segment_id as "segmentId", m.covered_at as "coveredAt", m.length_m as "lengthM", m.class,
      coalesce(a.frames, 0) as frames,
      (select max(o.covered_at) from coverage o join uploads ou on ou.id = o.upload_id
        where o.segment_id = m.segment_id and o.upload_id <> ${uploadId} and o.counted and ou.status <> 'quarantined'
          and exists (select 1 from frames of where of.upload_id = o.upload_id
            and of.geom && ${margin(sql, sql`m.geom`, reachM)}
            and ST_DWithin(of.geom::geography, m.geom::geography, ${reachM}))) as "lastOther"
    from mine m left join along a on a.segment_id = m.segment_id
    order by m.covered_at, m.segment_id`;
}

/** How many road pieces are live (not retired). */
export async function liveSegmentCount(sql: Sql): Promise<number> {
  const [n] = await sql<{ n: number }[]>`select count(*)::int as n from road_segments where retired_at is null`;
  return n?.n ?? 0;
}
