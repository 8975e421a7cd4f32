import type { Sql } from '../db/index.ts';
import { bookReviewCredits as bookCredits, type RewardConfig } from '../rewards/index.ts';
import type { ReviewConfig } from './config.ts';

/** A vote that agreed with its item's settled outcome. */
export interface AgreeingVote {
  reviewId: number;
  contributorId: string;
  /** The senior vote that settled a disputed item. */
  settledEscalation: boolean;
}

/**
 * Asks rewards (the ledger's owner) to book one `review` entry per agreeing vote into the epoch open now:
 * `creditWei`, times `seniorMultiplier` for the senior vote that settled a dispute. Idempotent per vote: booking again
 * pays nothing twice. Returns how many entries were new.
 */
export async function bookReviewCredits(
  tx: Sql,
  votes: readonly AgreeingVote[],
  cfg: { review: ReviewConfig; rewards: RewardConfig },
): Promise<number> {
  return bookCredits(
    tx,
    votes.map((v) => ({
      reviewId: v.reviewId,
      contributorId: v.contributorId,
      baseWei: cfg.review.creditWei,
      multipliers: { senior: v.settledEscalation ? cfg.review.seniorMultiplier : 1 },
    })),
    cfg.rewards,
  );
}
