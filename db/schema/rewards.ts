import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  real,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { reviews } from './review.ts';
import { roadSegments } from './roads.ts';
import { contributors, uploads } from './uploads.ts';

/** Token amounts are integers in base units (18 decimals): numeric(78,0) holds any uint256. */
const amount = (name: string) => numeric(name, { precision: 78, scale: 0 });

/** The road pieces an upload's track was matched onto, in driving order (roads/matchTrack output). */
export const uploadMatches = pgTable(
  'upload_matches',
  {
    uploadId: uuid('upload_id')
      .notNull()
      .references(() => uploads.id),
    seq: integer('seq').notNull(),
    subMatch: integer('sub_match').notNull(),
    segmentId: text('segment_id')
      .notNull()
      .references(() => roadSegments.id),
    /** 1 along the piece's geometry, -1 against it. */
    direction: smallint('direction').notNull(),
    fromFrac: real('from_frac').notNull(),
    toFrac: real('to_frac').notNull(),
    lengthM: doublePrecision('length_m').notNull(),
    enteredAt: timestamp('entered_at', { withTimezone: true }).notNull(),
    exitedAt: timestamp('exited_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.uploadId, t.seq] }), index('upload_matches_segment').on(t.segmentId)],
);

/** Which upload covered what fraction of which road piece, and when; `counted` when the fraction passes the threshold. */
export const coverage = pgTable(
  'coverage',
  {
    uploadId: uuid('upload_id')
      .notNull()
      .references(() => uploads.id),
    segmentId: text('segment_id')
      .notNull()
      .references(() => roadSegments.id),
    fraction: real('fraction').notNull(),
    coveredAt: timestamp('covered_at', { withTimezone: true }).notNull(),
    counted: boolean('counted').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.uploadId, t.segmentId] }),
    index('coverage_segment_time').on(t.segmentId, t.coveredAt),
  ],
);

/** Reward epochs: open while entries are booked, closed with a Merkle root of cumulative totals. */
export const epochs = pgTable('epochs', {
  id: integer('id').primaryKey(),
  startsAt: timestamp('starts_at', { withTimezone: true }).notNull(),
  endsAt: timestamp('ends_at', { withTimezone: true }).notNull(),
  status: text('status').notNull().default('open'),
  root: text('root'),
  totalCumulative: amount('total_cumulative'),
  closedAt: timestamp('closed_at', { withTimezone: true }),
});

/**
 * The append-only reward ledger (a trigger forbids UPDATE and DELETE). Every entry explains itself: which segment
 * and upload, which rule, which multipliers. Unique per (upload, segment, kind): rebooking an upload pays nothing
 * twice; unique per (segment, epoch) for coverage: the first valid capture booked in an epoch wins; unique per
 * review vote for review credits.
 */
export const ledgerEntries = pgTable(
  'ledger_entries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    epochId: integer('epoch_id')
      .notNull()
      .references(() => epochs.id),
    contributorId: uuid('contributor_id')
      .notNull()
      .references(() => contributors.id),
    kind: text('kind').notNull(),
    uploadId: uuid('upload_id').references(() => uploads.id),
    segmentId: text('segment_id').references(() => roadSegments.id),
    /** The review vote a `review` entry pays for (at most one entry per vote). */
    reviewId: bigint('review_id', { mode: 'number' }).references(() => reviews.id),
    /** `first_coverage` or `refresh` (coverage), `review_agreed` (review); later kinds add their own rules. */
    rule: text('rule').notNull(),
    baseAmount: amount('base_amount').notNull(),
    multipliers: jsonb('multipliers').$type<Record<string, number>>().notNull(),
    amount: amount('amount').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('ledger_upload_segment_kind').on(t.uploadId, t.segmentId, t.kind),
    uniqueIndex('ledger_coverage_segment_epoch').on(t.segmentId, t.epochId).where(sql`kind = 'coverage'`),
    uniqueIndex('ledger_review').on(t.reviewId).where(sql`review_id is not null`),
    index('ledger_contributor_epoch').on(t.contributorId, t.epochId),
  ],
);

/** Cumulative totals per contributor at each closed epoch, with the Merkle proof for claims. */
export const epochBalances = pgTable(
  'epoch_balances',
  {
    epochId: integer('epoch_id')
      .notNull()
      .references(() => epochs.id),
    contributorId: uuid('contributor_id')
      .notNull()
      .references(() => contributors.id),
    address: text('address').notNull(),
    cumulative: amount('cumulative').notNull(),
    proof: jsonb('proof').$type<string[]>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.epochId, t.contributorId] }), index('epoch_balances_address').on(t.address)],
);

/** Map areas whose tiles must be re-rendered (written by stages that change map data, consumed by `tiler.update`). */
export const tileDirtyAreas = pgTable('tile_dirty_areas', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  /** [w, s, e, n] in degrees. */
  bbox: jsonb('bbox').$type<[number, number, number, number]>().notNull(),
  reason: text('reason').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
