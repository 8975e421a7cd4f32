import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  check,
  doublePrecision,
  index,
  integer,
  pgTable,
  primaryKey,
  real,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import type { FeatureStatus } from '../../core/index.ts';
import { point4326 } from './types.ts';
import { uploads } from './uploads.ts';
import { detections } from './vision.ts';

// A fused feature's state (core/vocabulary.ts): new evidence makes candidates, review rejects, repeated misses mark
// probable removal.
export type { FeatureStatus };

/**
 * Fused map features (fusion stage): one row per physical object, its current state. The tiler reads
 * id, class, value, confidence, status, last_seen_at and geom; the rest is fusion's bookkeeping.
 */
export const mapFeatures = pgTable(
  'map_features',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    class: text('class').notNull(),
    value: text('value'),
    confidence: real('confidence').notNull(),
    status: text('status').$type<FeatureStatus>().notNull().default('candidate'),
    firstSeenAt: timestamp('first_seen_at', { withTimezone: true }).notNull(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull(),
    geom: point4326('geom').notNull(),
    /** 1-sigma horizontal position uncertainty, metres. */
    positionSigmaM: real('position_sigma_m').notNull(),
    /** Compass bearing the object's face looks towards (opposite to the cameras that saw it), degrees. */
    facingDeg: real('facing_deg'),
    observationCount: integer('observation_count').notNull(),
    driveCount: integer('drive_count').notNull(),
    meanScore: real('mean_score').notNull(),
    votesUp: integer('votes_up').notNull().default(0),
    votesDown: integer('votes_down').notNull().default(0),
    removalProbability: real('removal_probability').notNull().default(0),
    /** Drives in a row that passed with the object in clear view and did not detect it. */
    consecutiveMisses: integer('consecutive_misses').notNull().default(0),
    /** Current version number in map_feature_versions. */
    version: integer('version').notNull().default(1),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('map_features_geom').using('gist', t.geom),
    index('map_features_class').on(t.class),
    check('map_features_status', sql`${t.status} in ('candidate', 'confirmed', 'rejected', 'probably_removed')`),
  ],
);

/** Which detections support which feature, with the observation geometry fusion derived from each. */
export const featureObservations = pgTable(
  'feature_observations',
  {
    /** A detection supports at most one feature. */
    detectionId: bigint('detection_id', { mode: 'number' })
      .primaryKey()
      .references(() => detections.id),
    featureId: bigint('feature_id', { mode: 'number' })
      .notNull()
      .references(() => mapFeatures.id),
    uploadId: uuid('upload_id')
      .notNull()
      .references(() => uploads.id),
    capturedAt: timestamp('captured_at', { withTimezone: true }).notNull(),
    /** Camera position (WGS84) and the ray: bearing, range from the box size, and their 1-sigma uncertainties. */
    cameraLon: doublePrecision('camera_lon').notNull(),
    cameraLat: doublePrecision('camera_lat').notNull(),
    bearingDeg: real('bearing_deg').notNull(),
    bearingSigmaDeg: real('bearing_sigma_deg').notNull(),
    rangeM: real('range_m').notNull(),
    rangeSigmaM: real('range_sigma_m').notNull(),
    positionSigmaM: real('position_sigma_m').notNull(),
    score: real('score').notNull(),
    value: text('value'),
  },
  (t) => [index('feature_observations_feature').on(t.featureId), index('feature_observations_upload').on(t.uploadId)],
);

/** Each drive that passed a feature with it in clear view: whether it was detected (change detection evidence). */
export const featurePasses = pgTable(
  'feature_passes',
  {
    featureId: bigint('feature_id', { mode: 'number' })
      .notNull()
      .references(() => mapFeatures.id),
    uploadId: uuid('upload_id')
      .notNull()
      .references(() => uploads.id),
    passedAt: timestamp('passed_at', { withTimezone: true }).notNull(),
    /** Frames in which the object should have been clearly visible. */
    expectedFrames: integer('expected_frames').notNull(),
    /** Detections of this drive that fusion attributed to the feature. */
    seenFrames: integer('seen_frames').notNull(),
  },
  (t) => [primaryKey({ columns: [t.featureId, t.uploadId] }), index('feature_passes_upload').on(t.uploadId)],
);

/**
 * Every state a feature has had, with its validity range in fusion (transaction) time: the map at date D is the
 * versions with valid_from <= D < coalesce(valid_to, infinity).
 */
export const mapFeatureVersions = pgTable(
  'map_feature_versions',
  {
    featureId: bigint('feature_id', { mode: 'number' })
      .notNull()
      .references(() => mapFeatures.id),
    version: integer('version').notNull(),
    validFrom: timestamp('valid_from', { withTimezone: true }).notNull(),
    validTo: timestamp('valid_to', { withTimezone: true }),
    class: text('class').notNull(),
    value: text('value'),
    status: text('status').$type<FeatureStatus>().notNull(),
    confidence: real('confidence').notNull(),
    removalProbability: real('removal_probability').notNull(),
    geom: point4326('geom').notNull(),
    /** The upload whose fusion made this version, or null for a review. */
    uploadId: uuid('upload_id').references(() => uploads.id),
    reason: text('reason').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.featureId, t.version] }),
    index('map_feature_versions_geom').using('gist', t.geom),
    index('map_feature_versions_valid').on(t.validFrom, t.validTo),
  ],
);
