import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  index,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { ReviewDecision, ReviewItemKind, ReviewStatus } from '../../core/index.ts';
import { contributors } from './uploads.ts';

// What reviewers look at (a fused map feature, or a lone low-score detection that supports none) and a reviewer's
// verdict (the object is what the map says, is not there, or is there with another class/value): core/vocabulary.ts.
export type { ReviewDecision, ReviewItemKind, ReviewStatus };

/**
 * Reviewer votes, one per reviewer per item (review/). `class` and `value` are what the vote asserts: the item's own
 * label for confirm and reject, the new label for relabel. Append-only (trigger in 0011): a vote is never changed.
 */
export const reviews = pgTable(
  'reviews',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    itemKind: text('item_kind').$type<ReviewItemKind>().notNull(),
    /** map_features.id or detections.id (no foreign key: the item table depends on the kind). */
    itemId: bigint('item_id', { mode: 'number' }).notNull(),
    reviewerId: uuid('reviewer_id')
      .notNull()
      .references(() => contributors.id),
    decision: text('decision').$type<ReviewDecision>().notNull(),
    class: text('class').notNull(),
    value: text('value'),
    /** The reviewer held the senior role when voting. */
    senior: boolean('senior').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('reviews_item_reviewer').on(t.itemKind, t.itemId, t.reviewerId),
    index('reviews_reviewer').on(t.reviewerId),
    check('reviews_item_kind', sql`${t.itemKind} in ('feature', 'detection')`),
    check('reviews_decision', sql`${t.decision} in ('confirm', 'reject', 'relabel')`),
  ],
);

/**
 * The state of each item's review; its row is the lock that serialises concurrent votes on one item. The outcome
 * columns are set once, when the item settles.
 */
export const reviewOutcomes = pgTable(
  'review_outcomes',
  {
    itemKind: text('item_kind').$type<ReviewItemKind>().notNull(),
    itemId: bigint('item_id', { mode: 'number' }).notNull(),
    status: text('status').$type<ReviewStatus>().notNull().default('open'),
    decision: text('decision').$type<ReviewDecision>(),
    class: text('class'),
    value: text('value'),
    settledBy: text('settled_by').$type<'agreement' | 'senior'>(),
    settledAt: timestamp('settled_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.itemKind, t.itemId] }),
    index('review_outcomes_status').on(t.status),
    check('review_outcomes_item_kind', sql`${t.itemKind} in ('feature', 'detection')`),
    check('review_outcomes_status', sql`${t.status} in ('open', 'escalated', 'settled')`),
    check(
      'review_outcomes_settled',
      sql`(${t.status} = 'settled') = (${t.decision} is not null and ${t.settledBy} is not null and ${t.settledAt} is not null)`,
    ),
  ],
);
