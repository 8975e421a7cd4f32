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
  /** Snap the validated track onto the road network and record coverage (roads issue). */
  'roads.match': { uploadId: string };
  /** Book the upload's novel road pieces in the reward ledger (roads issue). */
  'rewards.book': { uploadId: string };
}

/** A job name. */
export type JobName = keyof JobPayloads;

/** The job names the worker knows, in pipeline order. */
export const JOB_NAMES: JobName[] = [
  'upload.received',
  'ingest.validate',
  'ingest.sample',
  'roads.match',
  'rewards.book',
];

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
