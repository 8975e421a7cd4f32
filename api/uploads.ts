/**
 * The upload API's wire types: the manifest a client declares (POST /v1/uploads) and the upload the server reports
 * (GET /v1/uploads/:id). The server (uploads/) builds these shapes; the SDK, the CLI and the web pages read them.
 */
import type { FileRole, StepFailure, UploadState } from '../core/index.ts';
import type { ManifestSignature } from './devices.ts';

export type { FileRole, StepFailure, UploadState };

/** A file as the manifest declares it, before its bytes are sent. */
export interface DeclaredFile {
  name: string;
  role: FileRole;
  size: number;
  sha256: string;
  contentType: string;
}

/** Where the camera sits on the vehicle. */
export type Mount = 'windshield' | 'dashboard' | 'roof' | 'handlebar' | 'helmet' | 'handheld' | 'other';

/** What an upload carries besides its bytes. */
export interface UploadManifest {
  device: {
    make: string;
    model: string;
    cameraModel?: string;
    /** Horizontal field of view, degrees. */
    hfovDeg?: number;
    mount?: Mount;
    mountYawDeg?: number;
  };
  /** When recording started (ISO 8601), if the device knows. */
  startTime?: string;
  /** Video time minus GPS time in milliseconds, when the client measured it. */
  timeOffsetMs?: number;
  /**
   * The IANA time zone (e.g. `Europe/Berlin`) the camera's clock was set to, for cameras that write local time
   * into `creation_time`; ingest reads the clock in that zone.
   */
  timezone?: string;
  files: DeclaredFile[];
  /** The signature of a registered device key over the manifest (api/devices.ts); absent for unsigned uploads. */
  deviceSignature?: ManifestSignature;
}

/**
 * One step of an upload's processing: `waiting` (not enqueued yet: its predecessors run), `queued`, `running`,
 * `retrying` (an attempt failed, another follows), `done` (with what it did), `failed` (retries exhausted).
 */
export interface StepView {
  step: string;
  state: 'waiting' | 'queued' | 'running' | 'retrying' | 'done' | 'failed';
  /** Failed attempts so far. */
  retries: number;
  /** What the step did (frames kept, images skipped, detections, pieces booked, ...), once done. */
  output: Record<string, unknown> | null;
  /** The last attempt's error, while retrying or failed. */
  error: string | null;
  finishedAt: string | null;
}

/** Why an upload was quarantined or failed: a code for machines, a message, and what the driver can do next. */
export interface ReasonView {
  code: string;
  message: string;
  details?: Record<string, unknown>;
  /** What to do next (upload again with a flag, check the camera, nothing): uploads/reason-hints.ts. */
  hint?: string;
}

/** An upload as the API shows it to its owner. */
export interface UploadView {
  id: string;
  status: UploadState;
  contentHash: string;
  byteSize: number;
  createdAt: string;
  updatedAt: string;
  reasons: ReasonView[];
  /** The GPS validation report (verdict, findings, statistics), once validation ran. */
  validation: {
    verdict: string;
    reasons: { code: string; severity: string; message: string }[];
    stats: Record<string, unknown>;
  } | null;
  /** The registered device key (base64url) that signed the manifest; null for an unsigned upload. */
  signedBy: string | null;
  /** Live progress per running or finished step. */
  progress: Record<string, { done: number; total: number; unit: string; at: string }>;
  /** Every step of the job graph, in pipeline order, with its state, output and error. */
  steps: StepView[];
  /** The step that exhausted its retries, while the upload is `failed`. */
  failure: StepFailure | null;
  files: { idx: number; name: string; role: string; size: number; sha256: string; status: string }[];
  events: {
    from: UploadState | null;
    to: UploadState;
    step: string;
    actor: string;
    at: string;
    reasons: { code: string; message: string }[];
  }[];
}

/** POST /v1/uploads: the upload, whether it was created now, and where its files go. */
export interface CreatedUpload extends UploadView {
  created: boolean;
  tusEndpoint: string;
}
