/**
 * The domain's closed vocabularies, declared once: the database schema (db/schema) builds its enums from these
 * lists and the wire types (api/) name them, so a value added here reaches the migration, the server and the
 * clients together.
 */

/** An upload's lifecycle states (see uploads/upload-lifecycle.ts for which may follow which). */
export const UPLOAD_STATES = [
  'receiving',
  'received',
  'validating',
  'processing',
  'done',
  'quarantined',
  // Abandoned while receiving (no byte for a day): its partial and stored files were deleted; re-declaring revives it.
  'expired',
  'failed',
] as const;
/** An upload's lifecycle state. */
export type UploadState = (typeof UPLOAD_STATES)[number];

/** The roles a file can play in an upload. */
export const FILE_ROLES = ['video', 'telemetry', 'track', 'image', 'sidecar'] as const;
/** The role a file plays in an upload. */
export type FileRole = (typeof FILE_ROLES)[number];

/** A map feature's review and change-detection status. */
export type FeatureStatus = 'candidate' | 'confirmed' | 'rejected' | 'probably_removed';

/** What a review item is about: a fused map feature or one low-confidence detection. */
export type ReviewItemKind = 'feature' | 'detection';

/** What a reviewer decides about an item. */
export type ReviewDecision = 'confirm' | 'reject' | 'relabel';

/** A step that exhausted its retries: which step (job name), its last error, the job to run again, and when. */
export interface StepFailure {
  step: string;
  error: string;
  jobId: string | null;
  at: string;
}

/** Why an upload was quarantined or what a step found: machine code plus a sentence for people. */
export interface Reason {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

/** What a contributor may do besides driving: review the map (`reviewer`) and settle disputed reviews (`senior`). */
export type ContributorRole = 'reviewer' | 'senior';

/** Where an item's review stands: collecting votes, waiting for a senior after a disagreement, or decided. */
export type ReviewStatus = 'open' | 'escalated' | 'settled';
