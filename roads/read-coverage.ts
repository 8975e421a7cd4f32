/**
 * What other folders read of the tables roads/ owns (road_segments, upload_matches, coverage): rewards' booking and
 * the CLI's summary ask through these functions (see db/README.md). Rows are typed from the drizzle schema.
 */
import type { Sql } from '../db/index.ts';
import type { coverage, roadSegments } from '../db/schema.ts';

/** Metres of road an upload's track was matched onto. */
export async function matchedLengthM(sql: Sql, uploadId: string): Promise<number> {
  const [m] = await sql<{ m: number }[]>`
    select coalesce(sum(length_m), 0)::float8 as m from upload_matches where upload_id = ${uploadId}`;
  return m?.m ?? 0;
}

/** One counted piece of an upload's coverage, with the piece's length and class, as reward booking weighs it. */
export type CoveredPiece = Pick<typeof coverage.$inferSelect, 'segmentId' | 'coveredAt'> &
  Pick<typeof roadSegments.$inferSelect, 'lengthM' | 'class'> & {
    /** The latest counted coverage of this piece by any other upload not quarantined, or null. */
    lastOther: Date | null;
  };

/** The pieces an upload counted as covered, in the order it covered them. */
export async function coveredPieces(sql: Sql, uploadId: string): Promise<CoveredPiece[]> {
  // The quarantine filter on the other uploads stays in this statement: it sits in a correlated max per piece.
  return sql<CoveredPiece[]>`
    select c.segment_id as "segmentId", c.covered_at as "coveredAt", s.length_m as "lengthM", s.class,
      (select max(o.covered_at) from coverage o join uploads ou on ou.id = o.upload_id
        where o.segment_id = c.segment_id and o.upload_id <> c.upload_id and o.counted and ou.status <> 'quarantined') as "lastOther"
    from coverage c join road_segments s on s.id = c.segment_id
    where c.upload_id = ${uploadId} and c.counted order by c.covered_at, c.segment_id`;
}

/** How many road pieces are live (not retired). */
export async function liveSegmentCount(sql: Sql): Promise<number> {
  const [n] = await sql<{ n: number }[]>`select count(*)::int as n from road_segments where retired_at is null`;
  return n?.n ?? 0;
}
