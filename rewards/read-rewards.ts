import type { Sql } from '../db/index.ts';

/** A contributor's rewards per epoch, their cumulative total, and the latest closed epoch's claim (amount + proof). */
export async function myRewards(sql: Sql, contributorId: string) {
  const epochs = await sql<{ epoch: number; status: string; entries: number; amount: string; root: string | null }[]>`
    select l.epoch_id as epoch, e.status, count(*)::int as entries, sum(l.amount)::text as amount, e.root
    from ledger_entries l join epochs e on e.id = l.epoch_id
    where l.contributor_id = ${contributorId} group by l.epoch_id, e.status, e.root order by l.epoch_id`;
  const [claim] = await sql<{ epoch: number; root: string; cumulative: string; proof: string[] }[]>`
    select b.epoch_id as epoch, e.root, b.cumulative::text, b.proof from epoch_balances b join epochs e on e.id = b.epoch_id
    where b.contributor_id = ${contributorId} order by b.epoch_id desc limit 1`;
  const cumulative = epochs.reduce((s, e) => s + BigInt(e.amount), 0n);
  return { epochs, cumulativeWei: cumulative.toString(), claim: claim ?? null };
}

/** The road pieces a contributor's uploads covered, with what each earned (newest first). */
export async function myCoverage(sql: Sql, contributorId: string, limit = 1000) {
  // Roads' coverage, the uploads behind it and the ledger in one statement (the db/README.md exception): the newest
  // `limit` pieces of one contributor, ordered and cut in the database.
  return sql<
    {
      segmentId: string;
      uploadId: string;
      fraction: number;
      coveredAt: Date;
      counted: boolean;
      rule: string | null;
      amount: string | null;
    }[]
  >`
    select c.segment_id as "segmentId", c.upload_id as "uploadId", c.fraction, c.covered_at as "coveredAt", c.counted,
           l.rule, l.amount::text as amount
    from coverage c join uploads u on u.id = c.upload_id
    left join ledger_entries l on l.upload_id = c.upload_id and l.segment_id = c.segment_id and l.kind = 'coverage'
    where u.contributor_id = ${contributorId} order by c.covered_at desc limit ${limit}`;
}

/**
 * Road coverage in a bounding box as GeoJSON: every live piece with its last counted coverage, how many uploads
 * covered it, and whether it earned as novel in `epoch`.
 */
export async function coverageGeoJson(sql: Sql, bbox: [number, number, number, number], epoch: number, limit = 5000) {
  const [w, s, e, n] = bbox;
  // One PostGIS statement over roads' pieces and coverage, the uploads' status and the ledger (the db/README.md
  // exception): a box query with correlated per-piece aggregates, which per-owner calls would turn into one per piece.
  const rows = await sql<
    {
      id: string;
      class: string;
      name: string | null;
      geojson: string;
      last: Date | null;
      drives: number;
      novel: boolean;
    }[]
  >`
    select r.id, r.class, r.name, ST_AsGeoJSON(r.geom, 7) as geojson,
      (select max(c.covered_at) from coverage c join uploads u on u.id = c.upload_id
        where c.segment_id = r.id and c.counted and u.status <> 'quarantined') as last,
      (select count(distinct c.upload_id)::int from coverage c where c.segment_id = r.id and c.counted) as drives,
      exists(select 1 from ledger_entries l where l.segment_id = r.id and l.epoch_id = ${epoch} and l.kind = 'coverage') as novel
    from road_segments r
    where r.retired_at is null and r.geom && ST_MakeEnvelope(${w}, ${s}, ${e}, ${n}, 4326)
    order by r.id limit ${limit}`;
  return {
    type: 'FeatureCollection' as const,
    features: rows.map((r) => ({
      type: 'Feature' as const,
      id: r.id,
      geometry: JSON.parse(r.geojson) as unknown,
      properties: {
        class: r.class,
        name: r.name,
        // The day only, as in the tiles (README "Privacy"): to the millisecond it dates one driver's pass.
        lastCoveredAt: r.last?.toISOString().slice(0, 10) ?? null,
        drives: r.drives,
        novelThisEpoch: r.novel,
      },
    })),
  };
}
