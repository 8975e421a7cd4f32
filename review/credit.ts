import type { Sql } from '../db/index.ts';
import { openEpochForBooking, type RewardConfig } from '../rewards/index.ts';
import type { ReviewConfig } from './config.ts';

/** A vote that agreed with its item's settled outcome. */
export interface AgreeingVote {
  reviewId: number;
  contributorId: string;
  /** The senior vote that settled a disputed item. */
  settledEscalation: boolean;
}

/**
 * Books one `review` ledger entry (rule `review_agreed`) per agreeing vote into the epoch open now: `creditWei`,
 * times `seniorMultiplier` for the senior vote that settled a dispute. Idempotent per vote (unique review_id):
 * booking again pays nothing twice. Returns how many entries were new.
 */
export async function bookReviewCredits(
  tx: Sql,
  votes: readonly AgreeingVote[],
  cfg: { review: ReviewConfig; rewards: RewardConfig },
): Promise<number> {
  if (votes.length === 0) return 0;
  const epochId = await openEpochForBooking(tx, new Date(), cfg.rewards);
  const base = cfg.review.creditWei;
  const rows = votes.map((v) => {
    const multipliers = { senior: v.settledEscalation ? cfg.review.seniorMultiplier : 1 };
    const amount = (base * BigInt(Math.round(multipliers.senior * 1e9))) / 1_000_000_000n;
    return {
      epoch_id: epochId,
      contributor_id: v.contributorId,
      kind: 'review',
      review_id: v.reviewId,
      rule: 'review_agreed',
      base_amount: base.toString(),
      multipliers: tx.json(multipliers),
      amount: amount.toString(),
    };
  });
  const inserted = await tx`insert into ledger_entries ${tx(rows)} on conflict do nothing returning id`;
  return inserted.length;
}
