import type { Sql } from '../db/index.ts';
import { JOB_NAMES, type JobName, jobIdFor } from './jobs.ts';
import { QUEUE_SCHEMA } from './queue.ts';

/** A step's job as the queue holds it. */
export interface StepJob {
  name: JobName;
  state: 'created' | 'retry' | 'active' | 'completed' | 'cancelled' | 'failed';
  retries: number;
  /** The last attempt's error (pg-boss keeps `{ message, stack }` of a failed attempt). */
  output: unknown;
}

/**
 * The queue's jobs of one upload's steps (their ids are deterministic, so no scan): what is queued, running,
 * retrying after an error, or failed for good. Steps not enqueued yet are absent.
 */
export async function readStepJobs(sql: Sql, uploadId: string): Promise<StepJob[]> {
  const ids = JOB_NAMES.map((n) => jobIdFor(n, uploadId));
  return sql<StepJob[]>`
    select name, state::text as state, retry_count as retries, output
    from ${sql(QUEUE_SCHEMA)}.job where id = any(${ids}::uuid[])`;
}
