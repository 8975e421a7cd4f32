/**
 * The ledger's doors: every other folder books and reads `ledger_entries` through these functions (rewards owns the
 * ledger; see db/README.md). Rows are typed from the drizzle schema.
 */
import type { Sql } from '../db/index.ts';
import type { epochs, ledgerEntries } from '../db/schema.ts';
import type { RewardConfig } from './config.ts';
import { openEpochForBooking } from './epochs.ts';

/** A ledger row as postgres.js inserts it (snake_case columns); amounts are decimal strings of base units. */
export type LedgerInsert = {
  epoch_id: number;
  contributor_id: string;
  kind: string;
  upload_id?: string;
  segment_id?: string;
  review_id?: number;
  rule: string;
  base_amount: string;
  /** `tx.json(...)` of the factors applied. */
  multipliers: ReturnType<Sql['json']>;
  amount: string;
};

/** Inserts ledger rows in batches of 500; entries that already exist (unique per vote, per piece) are skipped. */
export async function insertLedgerEntries(tx: Sql, rows: readonly LedgerInsert[]): Promise<Array<{ amount: string }>> {
  const out: Array<{ amount: string }> = [];
  for (let i = 0; i < rows.length; i += 500) {
    out.push(
      ...(await tx<{ amount: string }[]>`
        insert into ledger_entries ${tx(rows.slice(i, i + 500))} on conflict do nothing
        returning amount::text`),
    );
  }
  return out;
}

/** A credit for one review vote: its base amount and the multipliers the reviewing policy applied. */
export interface ReviewCredit {
  reviewId: NonNullable<(typeof ledgerEntries.$inferSelect)['reviewId']>;
  contributorId: (typeof ledgerEntries.$inferSelect)['contributorId'];
  baseWei: bigint;
  multipliers: Record<string, number>;
}

/**
 * Books one `review` entry (rule `review_agreed`) per credit into the epoch open now; amount = base x the product of
 * the multipliers, kept to 1e-9. Idempotent per vote (unique review_id). Returns how many entries were new.
 */
export async function bookReviewCredits(tx: Sql, credits: readonly ReviewCredit[], cfg: RewardConfig): Promise<number> {
  if (credits.length === 0) return 0;
  const epochId = await openEpochForBooking(tx, new Date(), cfg);
  const rows = credits.map((c) => {
    const factor = Object.values(c.multipliers).reduce((p, m) => p * m, 1);
    const amount = (c.baseWei * BigInt(Math.round(factor * 1e9))) / 1_000_000_000n;
    return {
      epoch_id: epochId,
      contributor_id: c.contributorId,
      kind: 'review',
      review_id: c.reviewId,
      rule: 'review_agreed',
      base_amount: c.baseWei.toString(),
      multipliers: tx.json(c.multipliers),
      amount: amount.toString(),
    };
  });
  return (await insertLedgerEntries(tx, rows)).length;
}

/** The sum of a contributor's ledger entries of one kind (`review`, `coverage`), as a decimal string of base units. */
export async function creditsOfKind(sql: Sql, contributorId: string, kind: string): Promise<string> {
  const [c] = await sql<{ credits: string }[]>`
    select coalesce(sum(amount), 0)::text as credits from ledger_entries
    where contributor_id = ${contributorId} and kind = ${kind}`;
  return c!.credits;
}

/** What an upload earned: how many ledger entries (novel pieces) and their sum in base units. */
export async function uploadEarnings(sql: Sql, uploadId: string): Promise<{ pieces: number; wei: string }> {
  const [r] = await sql<{ pieces: number; wei: string }[]>`
    select count(*)::int as pieces, coalesce(sum(amount), 0)::text as wei from ledger_entries where upload_id = ${uploadId}`;
  return r ?? { pieces: 0, wei: '0' };
}

/** One epoch's ledger totals (the `mapmint rewards status` table). */
export type EpochTotals = Pick<typeof epochs.$inferSelect, 'status' | 'root'> & {
  epoch: number;
  entries: number;
  contributors: number;
  /** Sum of the epoch's entries in base units (decimal string). */
  amount: string;
};

/** Ledger totals of every epoch, oldest first. */
export async function epochTotals(sql: Sql): Promise<EpochTotals[]> {
  return sql<EpochTotals[]>`
    select e.id as epoch, e.status, count(l.id)::int as entries, count(distinct l.contributor_id)::int as contributors,
           coalesce(sum(l.amount), 0)::text as amount, e.root
    from epochs e left join ledger_entries l on l.epoch_id = e.id group by e.id order by e.id`;
}
