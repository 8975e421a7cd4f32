import type { StepFailure, UploadState } from '../core/index.ts';
import { MapmintError } from '../core/index.ts';
import type { Sql } from '../db/index.ts';
import { JOB_NAMES, type JobName, type Queue } from '../queue/index.ts';
import { canTransition, transition } from './upload-lifecycle.ts';

/** What a dead-lettered job says about the step that gave up. */
export interface DeadStep {
  uploadId: string;
  /** The job name the failed job ran under (pg-boss's source queue). */
  step: string;
  /** The job's last error, as pg-boss stored it (`{ message, stack }`) or any other JSON. */
  output: unknown;
  jobId: string | null;
}

/** The message of a failed job's stored error. */
function errorText(output: unknown): string {
  if (output && typeof output === 'object' && 'message' in output) return String(output.message);
  return output === null || output === undefined ? 'unknown error' : JSON.stringify(output);
}

/**
 * Marks an upload `failed` when one of its steps exhausted its retries (the `upload.failed` dead-letter job): the
 * step and its error are kept on the upload and in its audit trail. An upload that already left the pipeline
 * (quarantined, done, or failed before) is left as it is; returns whether it moved.
 */
export async function failUpload(sql: Sql, dead: DeadStep): Promise<boolean> {
  const failure: StepFailure = {
    step: dead.step,
    error: errorText(dead.output),
    jobId: dead.jobId,
    at: new Date().toISOString(),
  };
  return (await sql.begin(async (tx) => {
    const [u] = await tx<{ status: UploadState }[]>`
      select status from uploads where id = ${dead.uploadId} for no key update`;
    if (!u || !canTransition(u.status, 'failed')) return false;
    await transition(tx as unknown as Sql, dead.uploadId, 'failed', {
      step: dead.step,
      actor: 'worker',
      reasons: [{ code: 'step_failed', message: `${dead.step} failed after its retries: ${failure.error}` }],
    });
    await tx`update uploads set failure = ${tx.json(failure as never)} where id = ${dead.uploadId}`;
    return true;
  })) as boolean;
}

/**
 * Runs a failed upload again from the step that failed (`mapmint retry`): the upload goes back to the state it
 * failed in, the failure and its reason are cleared, and the step's job runs once more with its own id, all in one
 * transaction. Throws `conflict` unless the upload is `failed`.
 */
export async function retryUpload(
  sql: Sql,
  queue: Queue,
  uploadId: string,
  actor: string,
): Promise<{ step: JobName; jobId: string; status: UploadState }> {
  return (await sql.begin(async (tx) => {
    const t = tx as unknown as Sql;
    const [u] = await tx<{ status: UploadState; failure: StepFailure | null }[]>`
      select status, failure from uploads where id = ${uploadId} for no key update`;
    if (!u) throw new MapmintError('not_found', 'upload_not_found', `no upload ${uploadId}`);
    const step = JOB_NAMES.find((n) => n === u.failure?.step);
    if (u.status !== 'failed' || !step) {
      throw new MapmintError(
        'conflict',
        'not_failed',
        `upload ${uploadId} is ${u.status}, not failed: nothing to retry`,
      );
    }
    const [ev] = await tx<{ from_status: UploadState }[]>`
      select from_status from upload_events where upload_id = ${uploadId} and to_status = 'failed' order by id desc limit 1`;
    const back = ev?.from_status ?? 'processing';
    await transition(t, uploadId, back, { step: 'upload.retry', actor });
    await tx`update uploads set failure = null,
               reasons = (select coalesce(jsonb_agg(r), '[]'::jsonb) from jsonb_array_elements(reasons) r
                          where r->>'code' <> 'step_failed')
             where id = ${uploadId}`;
    const jobId = await queue.retry(step, uploadId, t);
    return { step, jobId, status: back };
  })) as { step: JobName; jobId: string; status: UploadState };
}
