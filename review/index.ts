/**
 * review: people check what the machines mapped. A queue of candidate features and doubtful detections (never a
 * reviewer's own captures), one vote per reviewer, settlement by quorum or by a senior after a disagreement, the
 * outcome applied to fusion, and a ledger credit for every vote that agreed. The public face of the stage.
 */
export { REVIEW_CLASSES } from './classes.ts';
export { DEFAULT_REVIEW, type ReviewConfig, reviewConfigFromEnv } from './config.ts';
export { type AgreeingVote, bookReviewCredits } from './credit.ts';
export {
  type Crop,
  cropUrl,
  detectionCrop,
  type FeatureDetail,
  featureDetail,
  frameImage,
  frameUrl,
  type StoredImage,
} from './evidence.ts';
export { type QueueItem, reviewQueue } from './reviewer-queue.ts';
export {
  effectiveRoles,
  grantReviewer,
  isReviewer,
  isSenior,
  type Reviewer,
  requireReviewer,
  revokeReviewer,
} from './roles.ts';
export { agrees, type Outcome, settle, type VoteLabel } from './settle.ts';
export { type ReviewStats, reviewStats } from './stats.ts';
export { castVote, type VoteInput, type VoteResult, validateVote } from './vote.ts';
