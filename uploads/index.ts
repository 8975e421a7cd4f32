// Public face of uploads/: an upload's creation (manifest checks, files, resumable targets) and its lifecycle (the
// state machine, exactly-once steps, progress), the open tus transfers with the storage quota, and the sweep that
// expires abandoned uploads and deletes quarantined files; a driver's privacy zones. The HTTP server and the CLI both create uploads through it; every
// stage runs its step through runStep.
export {
  acceptFile,
  createUpload,
  type FileTarget,
  fileTarget,
  getUpload,
  listUploads,
  type Uploader,
  type UploadLimits,
} from './create-upload.ts';
export {
  type KeyOwner,
  listDeviceKeys,
  manifestSignatureSchema,
  registerDeviceKey,
  registerDeviceKeySchema,
  revokeDeviceKey,
  type UnsignedUploadPolicy,
  verifyManifestSignature,
} from './device-keys.ts';
export { expireAbandonedUploads, purgeQuarantinedFiles } from './expire-uploads.ts';
export {
  CONTENT_TYPES,
  checkFileName,
  checkManifest,
  contentHash,
  deviceKey,
  type ManifestLimits,
  manifestSchema,
  sniffMatches,
} from './manifest.ts';
export {
  addPrivacyZone,
  deletePrivacyZone,
  listPrivacyZones,
  MAX_PRIVACY_ZONES,
  type PrivacyZone,
  privacyZoneSchema,
} from './privacy-zones.ts';
export { clockHint, type HintableReason, hintedCodes, reasonHint, withHints } from './reason-hints.ts';
export { CLOCK_REASONS, MAX_RECLOCKS, reclockQuarantined } from './reclock-upload.ts';
export {
  closeTransfer,
  expireTransfers,
  openTransfer,
  type StorageUsage,
  storageUsage,
  type TransferLimits,
  touchTransfer,
} from './transfers.ts';
export { type DeadStep, failUpload, retryUpload } from './upload-failure.ts';
export {
  canTransition,
  finishStep,
  runStep,
  type StepRef,
  setProgress,
  transition,
  type UploadStatus,
} from './upload-lifecycle.ts';
export {
  addContributorRoles,
  type ContributorRoles,
  earlierDuplicate,
  ensureContributor,
  removeContributorRoles,
  type StoredFile,
  sameDeviceUploads,
  setValidation,
  stepFinished,
  storedFiles,
  type UploadCamera,
  type UploadOwner,
  uploadCamera,
  uploadManifest,
  uploadOwner,
  uploadValidation,
} from './upload-rows.ts';
export { uploadSteps } from './upload-steps.ts';
