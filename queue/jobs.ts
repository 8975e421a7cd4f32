import { createHash } from 'node:crypto';

/**
 * Every processing step is a job. The names and payloads live here so that the server, the stages and the worker
 * agree on them; a stage registers the handler for its own jobs.
 */
export interface JobPayloads {
  /** All files of an upload arrived: verify them against the manifest and hand the upload to ingest. */
  'upload.received': { uploadId: string };
  /** Parse and validate the telemetry (ingest issue). */
  'ingest.validate': { uploadId: string };
  /** Decode the video once and keep posed, quality-checked frames every few metres (ingest issue). */
  'ingest.sample': { uploadId: string };
  /** Detect map features and read sign text on the sampled frames (vision issue). */
  'vision.detect': { uploadId: string };
  /** Turn the upload's detections into geolocated map features, near the drive only (fusion issue). */
  'fusion.update': { uploadId: string };
  /** Snap the validated track onto the road network and record coverage (roads issue). */
  'roads.match': { uploadId: string };
  /** Book the upload's novel road pieces in the reward ledger (roads issue). */
  'rewards.book': { uploadId: string };
  /**
   * Re-render the tiles of the areas marked in tile_dirty_areas and swap in a new archive (tiler issue). Without an
   * upload when a driver's privacy zone changed (sent with a key of its own).
   */
  'tiler.update': { uploadId?: string };
}

/** A job name. */
export type JobName = keyof JobPayloads;

// A record over JobName, so the compiler refuses a job kind declared above but missing here (in pipeline order).
const JOB_ORDER: Record<JobName, number> = {
  'upload.received': 0,
  'ingest.validate': 1,
  'ingest.sample': 2,
  'vision.detect': 3,
  'fusion.update': 4,
  'roads.match': 5,
  'rewards.book': 6,
  'tiler.update': 7,
};
/** The job names the worker knows, in pipeline order. */
export const JOB_NAMES = (Object.keys(JOB_ORDER) as JobName[]).sort((a, b) => JOB_ORDER[a] - JOB_ORDER[b]);

/**
 * A deterministic job id (UUID shaped, from SHA-1 as in RFC 4122 v5) for a step of an upload: enqueueing the same
 * step twice yields the same id, which the queue rejects as a duplicate, so retries never fan out.
 */
export function jobIdFor(name: JobName, key: string): string {
  const h = createHash('sha1').update(`mapmint:${name}:${key}`).digest();
  h[6] = ((h[6] ?? 0) & 0x0f) | 0x50;
  h[8] = ((h[8] ?? 0) & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}
