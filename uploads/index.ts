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
  type UploadView,
} from './create-upload.ts';
export { expireAbandonedUploads, purgeQuarantinedFiles } from './expire-uploads.ts';
export {
  CONTENT_TYPES,
  checkFileName,
  checkManifest,
  contentHash,
  deviceKey,
  type FileRole,
  type Manifest,
  type ManifestFile,
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
export {
  closeTransfer,
  expireTransfers,
  openTransfer,
  type StorageUsage,
  storageUsage,
  type TransferLimits,
  touchTransfer,
} from './transfers.ts';
export { runStep, type StepRef, setProgress, stepDone, transition, type UploadStatus } from './upload-lifecycle.ts';
