import type { ReviewStats } from '../api/index.ts';
import type { Sql } from '../db/index.ts';
import { creditsOfKind } from '../rewards/index.ts';

export type { ReviewStats };

/** Votes, settled votes, agreeing votes and review credits of one contributor. */
export async function reviewStats(sql: Sql, contributorId: string): Promise<ReviewStats> {
  const [s] = await sql<{ votes: number; settled: number; agreed: number }[]>`
    select count(*)::int as votes, count(o.item_id)::int as settled,
      count(*) filter (where o.decision = r.decision
        and (r.decision <> 'relabel' or (o.class = r.class and o.value is not distinct from r.value)))::int as agreed
    from reviews r
    left join review_outcomes o on o.item_kind = r.item_kind and o.item_id = r.item_id and o.status = 'settled'
    where r.reviewer_id = ${contributorId}`;
  const credits = await creditsOfKind(sql, contributorId, 'review');
  return { votes: s!.votes, settled: s!.settled, agreed: s!.agreed, credits };
}
