import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  check,
  doublePrecision,
  foreignKey,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  real,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { type ContributorRole, FILE_ROLES, type Reason, type StepFailure, UPLOAD_STATES } from '../../core/index.ts';
import { lineStringM, point4326 } from './types.ts';

export type { ContributorRole, Reason };

export const uploadStatus = pgEnum('upload_status', UPLOAD_STATES);

export const fileRole = pgEnum('file_role', FILE_ROLES);

export const fileStatus = pgEnum('file_status', ['pending', 'received', 'corrupt']);

export const contributors = pgTable(
  'contributors',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** EIP-55 checksummed wallet address. */
    address: text('address').notNull().unique(),
    reputation: real('reputation').notNull().default(1),
    /** Granted by `mapmint reviewer grant`; see review/README.md. */
    roles: text('roles').array().$type<ContributorRole[]>().notNull().default(sql`'{}'::text[]`),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [check('contributors_roles', sql`${t.roles} <@ array['reviewer', 'senior']::text[]`)],
);

/** Sign-In with Ethereum nonces: issued by the server, used once. */
export const authNonces = pgTable('auth_nonces', {
  nonce: text('nonce').primaryKey(),
  issuedAt: timestamp('issued_at', { withTimezone: true }).notNull().defaultNow(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  usedAt: timestamp('used_at', { withTimezone: true }),
});

/** Bearer tokens: only their SHA-256 is stored. */
export const sessions = pgTable('sessions', {
  tokenHash: text('token_hash').primaryKey(),
  contributorId: uuid('contributor_id')
    .notNull()
    .references(() => contributors.id),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
});

export const devices = pgTable(
  'devices',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    contributorId: uuid('contributor_id')
      .notNull()
      .references(() => contributors.id),
    /** Hash of the normalised description, so the same camera declared twice is one device. */
    deviceKey: text('device_key').notNull(),
    make: text('make').notNull(),
    model: text('model').notNull(),
    cameraModel: text('camera_model'),
    /** Horizontal field of view in degrees. */
    hfovDeg: real('hfov_deg'),
    mount: text('mount'),
    /** Camera yaw relative to the vehicle's heading, degrees clockwise. */
    mountYawDeg: real('mount_yaw_deg').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('devices_contributor_key').on(t.contributorId, t.deviceKey)],
);

/**
 * Device signing keys (issue 18): an Ed25519 public key a camera, companion app or CLI holds the private half of,
 * bound to one contributor. A manifest it signs is verified at upload creation (uploads/device-keys.ts). A key is
 * unique across contributors and stays bound after revocation, so a leaked key cannot be re-registered elsewhere.
 */
export const deviceKeys = pgTable(
  'device_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    contributorId: uuid('contributor_id')
      .notNull()
      .references(() => contributors.id),
    /** The raw 32-byte Ed25519 public key, base64url without padding (43 characters). */
    publicKey: text('public_key').notNull().unique(),
    label: text('label'),
    registeredAt: timestamp('registered_at', { withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [index('device_keys_contributor').on(t.contributorId)],
);

export const uploads = pgTable(
  'uploads',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    contributorId: uuid('contributor_id')
      .notNull()
      .references(() => contributors.id),
    deviceId: uuid('device_id')
      .notNull()
      .references(() => devices.id),
    /** The device key that signed the manifest; null for an unsigned upload (rewarded by the unsigned policy). */
    deviceKeyId: uuid('device_key_id').references(() => deviceKeys.id),
    status: uploadStatus('status').notNull().default('receiving'),
    manifest: jsonb('manifest').notNull(),
    /** SHA-256 over the files' roles and hashes: identical content gives the identical hash. */
    contentHash: text('content_hash').notNull(),
    byteSize: bigint('byte_size', { mode: 'number' }).notNull(),
    reasons: jsonb('reasons').$type<Reason[]>().notNull().default([]),
    /** The GPS validation report (verdict, findings with reason codes, statistics), once validation ran. */
    validation: jsonb('validation').$type<Record<string, unknown>>(),
    /** When the sweep deleted the files of this (quarantined) upload after the retention period. */
    filesDeletedAt: timestamp('files_deleted_at', { withTimezone: true }),
    /** The step that exhausted its retries and its last error, while the upload is `failed`. */
    failure: jsonb('failure').$type<StepFailure>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('uploads_contributor_content').on(t.contributorId, t.contentHash),
    index('uploads_content_hash').on(t.contentHash),
    index('uploads_status').on(t.status),
    index('uploads_device_key').on(t.deviceKeyId),
  ],
);

export const uploadFiles = pgTable(
  'upload_files',
  {
    uploadId: uuid('upload_id')
      .notNull()
      .references(() => uploads.id),
    idx: integer('idx').notNull(),
    /** The client's file name, validated (no paths, no control characters); never used as a path. */
    name: text('name').notNull(),
    role: fileRole('role').notNull(),
    contentType: text('content_type').notNull(),
    declaredSize: bigint('declared_size', { mode: 'number' }).notNull(),
    declaredSha256: text('declared_sha256').notNull(),
    status: fileStatus('status').notNull().default('pending'),
    blobKey: text('blob_key'),
    receivedAt: timestamp('received_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.uploadId, t.idx] })],
);

/**
 * Open tus transfers (partial files on the server's disk): at most one per declared file, each reserving its declared
 * size against the contributor's quota until it completes, is replaced, or expires (uploads/transfers.ts).
 */
export const uploadTransfers = pgTable(
  'upload_transfers',
  {
    /** The tus id, `<upload>.<file index>.<random>`: also the partial's file name in the tus folder. */
    id: text('id').primaryKey(),
    uploadId: uuid('upload_id').notNull(),
    idx: integer('idx').notNull(),
    contributorId: uuid('contributor_id')
      .notNull()
      .references(() => contributors.id),
    /** The declared size: what the transfer may grow to, reserved in the quota. */
    size: bigint('size', { mode: 'number' }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /** Last request on the transfer: the expiry sweep deletes transfers idle for longer than its age. */
    touchedAt: timestamp('touched_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('upload_transfers_file').on(t.uploadId, t.idx),
    foreignKey({ columns: [t.uploadId, t.idx], foreignColumns: [uploadFiles.uploadId, uploadFiles.idx] }),
    index('upload_transfers_contributor').on(t.contributorId),
    index('upload_transfers_touched').on(t.touchedAt),
  ],
);

/** Append-only audit trail of every upload state change (a trigger forbids UPDATE and DELETE). */
export const uploadEvents = pgTable(
  'upload_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    uploadId: uuid('upload_id')
      .notNull()
      .references(() => uploads.id),
    fromStatus: uploadStatus('from_status'),
    toStatus: uploadStatus('to_status').notNull(),
    step: text('step').notNull(),
    actor: text('actor').notNull(),
    reasons: jsonb('reasons').$type<Reason[]>().notNull().default([]),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('upload_events_upload').on(t.uploadId, t.id)],
);

/**
 * Live progress of a running step, for status pages. A table of its own: a step holds its upload's row lock for
 * the whole transaction, and progress must stay writable (and visible) meanwhile.
 */
export const uploadProgress = pgTable(
  'upload_progress',
  {
    uploadId: uuid('upload_id')
      .notNull()
      .references(() => uploads.id),
    step: text('step').notNull(),
    done: doublePrecision('done').notNull(),
    total: doublePrecision('total').notNull(),
    unit: text('unit').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.uploadId, t.step] })],
);

/** Which processing steps finished for which upload: the marker that makes a retried job a no-op. */
export const stepRuns = pgTable(
  'step_runs',
  {
    uploadId: uuid('upload_id')
      .notNull()
      .references(() => uploads.id),
    step: text('step').notNull(),
    jobId: text('job_id'),
    finishedAt: timestamp('finished_at', { withTimezone: true }).notNull().defaultNow(),
    output: jsonb('output').notNull().default({}),
  },
  (t) => [primaryKey({ columns: [t.uploadId, t.step] })],
);

export const tracks = pgTable(
  'tracks',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    uploadId: uuid('upload_id')
      .notNull()
      .references(() => uploads.id),
    geom: lineStringM('geom').notNull(),
    sourceFormat: text('source_format').notNull(),
    pointCount: integer('point_count').notNull(),
    lengthM: doublePrecision('length_m').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    endedAt: timestamp('ended_at', { withTimezone: true }).notNull(),
    /** The validated (trimmed) track with every field, as JSON in the blob store: what sampling poses frames from. */
    pointsBlobKey: text('points_blob_key').notNull(),
    /** Compact signature for replay detection against later uploads (ingest/validate `trackFingerprint`). */
    fingerprint: jsonb('fingerprint').notNull(),
    /** Continuous pieces of the track after splits at long gaps. */
    segments: integer('segments').notNull(),
  },
  (t) => [
    uniqueIndex('tracks_upload').on(t.uploadId),
    index('tracks_geom').using('gist', t.geom),
    index('tracks_time').on(t.startedAt, t.endedAt),
  ],
);

export const frames = pgTable(
  'frames',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    uploadId: uuid('upload_id')
      .notNull()
      .references(() => uploads.id),
    idx: integer('idx').notNull(),
    geom: point4326('geom').notNull(),
    headingDeg: real('heading_deg'),
    speedMps: real('speed_mps'),
    capturedAt: timestamp('captured_at', { mode: 'date', withTimezone: true, precision: 3 }).notNull(),
    blobKey: text('blob_key').notNull(),
    /** The id the public routes address the frame by: random, so frames cannot be enumerated (the serial stays inside). */
    publicId: uuid('public_id').notNull().defaultRandom(),
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    /** Measured image quality: sharpness (variance of the Laplacian) and mean brightness. */
    quality: jsonb('quality').$type<{ sharpness: number; brightness: number }>().notNull(),
  },
  (t) => [
    uniqueIndex('frames_upload_idx').on(t.uploadId, t.idx),
    uniqueIndex('frames_public_id').on(t.publicId),
    index('frames_geom').using('gist', t.geom),
    index('frames_captured').on(t.capturedAt),
  ],
);

/** Largest privacy zone radius in metres: a zone hides a home or a workplace, not a neighbourhood. */
export const PRIVACY_ZONE_MAX_RADIUS_M = 1000;
/** Smallest radius: below this, GPS noise alone would place frames taken at the door outside the zone. */
export const PRIVACY_ZONE_MIN_RADIUS_M = 50;

/**
 * Circles a driver draws around home or work: frames of theirs inside are never published (read-time, so a zone
 * applies to earlier drives too, and deleting it publishes them again). See uploads/privacy-zones.ts.
 */
export const privacyZones = pgTable(
  'privacy_zones',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    contributorId: uuid('contributor_id')
      .notNull()
      .references(() => contributors.id),
    centre: point4326('centre').notNull(),
    radiusM: real('radius_m').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('privacy_zones_contributor').on(t.contributorId),
    index('privacy_zones_centre').using('gist', t.centre),
    check(
      'privacy_zones_radius',
      sql`${t.radiusM} between ${sql.raw(String(PRIVACY_ZONE_MIN_RADIUS_M))} and ${sql.raw(String(PRIVACY_ZONE_MAX_RADIUS_M))}`,
    ),
  ],
);
