import { type StageContext, verifyUpload } from '../ingest/index.ts';
import type { JobName, JobPayloads } from '../queue/index.ts';

/** A job handler: does one step for one upload, idempotently. */
export type Handler<N extends JobName> = (ctx: StageContext, data: JobPayloads[N], jobId: string) => Promise<unknown>;

/** Which stage handles which job. A job without a handler here waits in the queue for a worker that has one. */
export const HANDLERS: { [N in JobName]?: Handler<N> } = {
  'upload.received': (ctx, data, jobId) => verifyUpload(ctx, data.uploadId, jobId),
};
