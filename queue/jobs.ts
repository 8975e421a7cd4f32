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
   * Re-render the tiles of the areas marked in tile_dirty_areas and swap in a new archive (tiler issue): the last
   * step of an upload, or, without an upload, after a driver's privacy zone changed (sent with a key of its own).
   */
  'tiler.update': { uploadId?: string };
  /** Dead letters: a step of the upload exhausted its retries (the failed job's name and error come with it). */
  'upload.failed': { uploadId: string };
}

/** A job name. */
export type JobName = keyof JobPayloads;

/**
 * The job graph: which steps follow each step of an upload. A step enqueues its successors inside its own
 * transaction (uploads/ `finishStep`); a step with several predecessors (tiler.update) is enqueued once, by whichever
 * predecessor finishes last; the step with no successor is the last, and finishing it makes the upload `done`.
 *
 *   upload.received → ingest.validate → ingest.sample ┬→ vision.detect → fusion.update ┬→ tiler.update
 *                                                     └→ roads.match  → rewards.book  ┘
 *
 * `upload.failed` is outside the graph: pg-boss moves a job there when it has no retries left.
 */
export const NEXT: { readonly [N in JobName]: readonly JobName[] } = {
  'upload.received': ['ingest.validate'],
  'ingest.validate': ['ingest.sample'],
  'ingest.sample': ['vision.detect', 'roads.match'],
  'vision.detect': ['fusion.update'],
  'fusion.update': ['tiler.update'],
  'roads.match': ['rewards.book'],
  'rewards.book': ['tiler.update'],
  'tiler.update': [],
  'upload.failed': [],
};

/** The dead-letter queue every step's queue sends its exhausted jobs to. */
export const DEAD_LETTER: JobName = 'upload.failed';

/** The steps that must all have finished before `name` runs (its predecessors in the graph). */
export function previousSteps(name: JobName): JobName[] {
  return JOB_NAMES.filter((n) => NEXT[n].includes(name));
}

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
  'upload.failed': 8,
};
/** The job names the worker knows, in pipeline order. */
export const JOB_NAMES = (Object.keys(JOB_ORDER) as JobName[]).sort((a, b) => JOB_ORDER[a] - JOB_ORDER[b]);

/**
 * A deterministic job id (UUID shaped, from SHA-1 as in RFC 4122 v5) for a step of an upload: enqueueing the same
 * step twice yields the same id, which the queue rejects as a duplicate, so retries never fan out. Every step of an
 * upload is keyed by the upload id alone, so `mapmint retry` finds a failed step's job again from its name; the one
 * job about something else (tiler.update after a privacy zone change) is keyed by what it is about.
 */
export function jobIdFor(name: JobName, key: string): string {
  const h = createHash('sha1').update(`mapmint:${name}:${key}`).digest();
  h[6] = ((h[6] ?? 0) & 0x0f) | 0x50;
  h[8] = ((h[8] ?? 0) & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}
