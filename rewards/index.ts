export { bookUpload, noveltyRule, rewardWei } from './book.ts';
export { type ClosedEpoch, type CloseEpochOptions, type CloseStep, closeEpoch } from './close-epoch.ts';
export { DEFAULT_REWARDS, type RewardConfig, rewardConfigFromEnv } from './config.ts';
export { epochAt, openEpochForBooking } from './epochs.ts';
export {
  bookReviewCredits,
  creditsOfKind,
  type EpochTotals,
  epochTotals,
  type ReviewCredit,
  uploadEarnings,
} from './ledger.ts';
export {
  buildProofFile,
  type ClaimProof,
  decreasedAccounts,
  type ProofFile,
  parseProofFile,
  proofFileToJson,
  type RewardRow,
  RewardTreeError,
  readProofFile,
  verifyClaim,
  writeProofFile,
} from './merkle.ts';
export { buildRewardTree, type RewardTree, rewardLeaf } from './merkle-tree.ts';
export { publishEpoch } from './publish.ts';
export { coverageGeoJson, myCoverage, myRewards } from './read-rewards.ts';
