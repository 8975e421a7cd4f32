import type { ReviewItem } from '../api/index.ts';
import type { Sql } from '../db/index.ts';
import { REVIEW_CLASSES } from './classes.ts';
import type { ReviewConfig } from './config.ts';
import { cropsOf } from './evidence.ts';
import { isSenior, type Reviewer } from './roles.ts';

/** One item of a reviewer's queue (the shape of GET /v1/review/queue). */
export type QueueItem = ReviewItem;

type Row = Omit<QueueItem, 'crops'>;

/**
 * The next items for a reviewer, at most `limit`: escalated items first (seniors only), then candidate map features
 * (and features whose review is under way), then detections below `detectionBelow` that support no feature. Leaves
 * out settled items, items the reviewer voted on, and items any of whose supporting uploads are the reviewer's own.
 * Within a kind, items closest to settling (most votes) come first, then the most confident.
 */
export async function reviewQueue(
  sql: Sql,
  who: Reviewer,
  opts: { limit: number; config: ReviewConfig },
): Promise<{ items: QueueItem[]; classes: string[] }> {
  const senior = isSenior(who.roles);
  const me = who.contributorId;
  // Each kind is one statement over fusion's, vision's, ingest's and uploads' tables (the db/README.md exception):
  // the own-capture and quarantine filters, the ordering and the limit must run together in the database, or the
  // queue would fetch every candidate to keep `limit` of them.
  const features = await sql<Row[]>`
    select 'feature' as kind, f.id::float8 as id, f.class, f.value, f.confidence::float8 as score, f.status,
      coalesce(o.status = 'escalated', false) as escalated,
      (select count(*)::int from reviews r where r.item_kind = 'feature' and r.item_id = f.id) as votes,
      ST_X(f.geom) as lon, ST_Y(f.geom) as lat
    from map_features f
    left join review_outcomes o on o.item_kind = 'feature' and o.item_id = f.id
    where (f.status = 'candidate' or o.status in ('open', 'escalated'))
      and coalesce(o.status, 'open') <> 'settled'
      and (${senior} or coalesce(o.status, 'open') <> 'escalated')
      and not exists (select 1 from reviews r where r.item_kind = 'feature' and r.item_id = f.id and r.reviewer_id = ${me})
      and not exists (select 1 from feature_observations fo join uploads u on u.id = fo.upload_id
                      where fo.feature_id = f.id and u.contributor_id = ${me})
    order by escalated desc, votes desc, f.confidence desc, f.id
    limit ${opts.limit}`;
  const detections = await sql<Row[]>`
    select 'detection' as kind, d.id::float8 as id, d.class, d.value, d.score::float8 as score, 'detection' as status,
      coalesce(o.status = 'escalated', false) as escalated,
      (select count(*)::int from reviews r where r.item_kind = 'detection' and r.item_id = d.id) as votes,
      ST_X(fr.geom) as lon, ST_Y(fr.geom) as lat
    from detections d
    join frames fr on fr.id = d.frame_id
    join uploads u on u.id = fr.upload_id
    left join review_outcomes o on o.item_kind = 'detection' and o.item_id = d.id
    where d.score < ${opts.config.detectionBelow} and d.class = any(${REVIEW_CLASSES as string[]}::text[])
      and u.contributor_id <> ${me} and u.status <> 'quarantined'
      and not exists (select 1 from feature_observations fo where fo.detection_id = d.id)
      and coalesce(o.status, 'open') <> 'settled'
      and (${senior} or coalesce(o.status, 'open') <> 'escalated')
      and not exists (select 1 from reviews r where r.item_kind = 'detection' and r.item_id = d.id and r.reviewer_id = ${me})
    order by escalated desc, votes desc, d.score desc, d.id
    limit ${opts.limit}`;
  const rows = [
    ...features.filter((r) => r.escalated),
    ...detections.filter((r) => r.escalated),
    ...features.filter((r) => !r.escalated),
    ...detections.filter((r) => !r.escalated),
  ].slice(0, opts.limit);
  const crops = await cropsOf(sql, rows, opts.config.maxCrops);
  return {
    items: rows.map((r) => ({ ...r, crops: crops.get(`${r.kind}:${r.id}`) ?? [] })),
    classes: [...REVIEW_CLASSES],
  };
}
