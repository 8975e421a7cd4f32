export { bookUpload, noveltyRule, rewardWei } from './book.ts';
export { type ClosedEpoch, type CloseEpochOptions, type CloseStep, closeEpoch } from './close-epoch.ts';
export { DEFAULT_REWARDS, type RewardConfig, rewardConfigFromEnv } from './config.ts';
export { epochAt, openEpochForBooking } from './epochs.ts';
export { publishEpoch } from './publish.ts';
export { coverageGeoJson, myCoverage, myRewards } from './queries.ts';
