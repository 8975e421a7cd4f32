import {
  bigint,
  bigserial,
  index,
  integer,
  jsonb,
  pgTable,
  real,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { frames } from './uploads.ts';

/**
 * Per-frame detections of one model version (vision stage). Re-running a newer model adds a new set beside the old
 * (unique per frame, model, version and index), so results can be compared and nothing is destroyed.
 */
export const detections = pgTable(
  'detections',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    frameId: bigint('frame_id', { mode: 'number' })
      .notNull()
      .references(() => frames.id),
    modelId: text('model_id').notNull(),
    modelVersion: text('model_version').notNull(),
    /** Position of this detection in the model's output for the frame. */
    idx: integer('idx').notNull(),
    /** mapmint map-feature class (vision taxonomy), e.g. `regulatory--stop`. */
    class: text('class').notNull(),
    /** The model's own class name. */
    modelClass: text('model_class').notNull(),
    score: real('score').notNull(),
    /** Box in frame pixels: x1, y1, x2, y2. */
    x1: real('x1').notNull(),
    y1: real('y1').notNull(),
    x2: real('x2').notNull(),
    y2: real('y2').notNull(),
    /** Text read on the object (sign text), and a parsed value (speed limit 50, street name). */
    text: text('text'),
    value: text('value'),
    /** A crop of the (blurred) frame for reviewers. */
    cropBlobKey: text('crop_blob_key'),
    /** The id the public crop route addresses the detection by: random, so crops cannot be enumerated. */
    publicId: uuid('public_id').notNull().defaultRandom(),
    extra: jsonb('extra').$type<Record<string, unknown>>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('detections_frame_model_idx').on(t.frameId, t.modelId, t.modelVersion, t.idx),
    index('detections_class').on(t.class),
    uniqueIndex('detections_public_id').on(t.publicId),
  ],
);
