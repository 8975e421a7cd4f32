export type { StageContext } from './context.ts';
export { JOB_NAMES, type JobName, type JobPayloads, jobIdFor } from './jobs.ts';
export { openQueue, QUEUE_SCHEMA, type Queue, type QueueOptions } from './queue.ts';
