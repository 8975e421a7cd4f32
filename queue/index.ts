export type { StageContext } from './context.ts';
export {
  DEAD_LETTER,
  JOB_NAMES,
  type JobName,
  type JobPayloads,
  jobIdFor,
  NEXT,
  previousSteps,
} from './jobs.ts';
export { openQueue, QUEUE_SCHEMA, type Queue, type QueueOptions } from './queue.ts';
export { readStepJobs, type StepJob } from './step-jobs.ts';
