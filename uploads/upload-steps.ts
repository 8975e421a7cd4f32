import type { StepView } from '../api/index.ts';
import type { Sql } from '../db/index.ts';
import { JOB_NAMES, NEXT, readStepJobs, type StepJob } from '../queue/index.ts';

const STATE_OF: Record<StepJob['state'], StepView['state']> = {
  created: 'queued',
  retry: 'retrying',
  active: 'running',
  completed: 'done',
  cancelled: 'failed',
  failed: 'failed',
};

/** The message of a job's stored error, if it has one. */
function errorOf(output: unknown): string | null {
  return output && typeof output === 'object' && 'message' in output ? String(output.message) : null;
}

/**
 * Every step of an upload's job graph in pipeline order: what finished (with its output, from step_runs), and for
 * the rest what the queue says (queued, running, retrying with the last error, failed), or `waiting`.
 */
export async function uploadSteps(sql: Sql, uploadId: string): Promise<StepView[]> {
  const runs = await sql<{ step: string; output: Record<string, unknown>; finished_at: Date }[]>`
    select split_part(step, ':', 1) as step, output, finished_at from step_runs where upload_id = ${uploadId}
    order by finished_at`;
  const jobs = new Map((await readStepJobs(sql, uploadId)).map((j) => [j.name as string, j]));
  const graph = JOB_NAMES.filter((n) => NEXT[n].length > 0 || JOB_NAMES.some((m) => NEXT[m].includes(n)));
  return graph.map((step): StepView => {
    const run = runs.findLast((r) => r.step === step);
    const job = jobs.get(step);
    const retries = job?.retries ?? 0;
    if (run) {
      return {
        step,
        state: 'done',
        retries,
        output: run.output,
        error: null,
        finishedAt: run.finished_at.toISOString(),
      };
    }
    if (!job) return { step, state: 'waiting', retries, output: null, error: null, finishedAt: null };
    const state = STATE_OF[job.state];
    const error = state === 'retrying' || state === 'failed' ? errorOf(job.output) : null;
    return { step, state, retries, output: null, error, finishedAt: null };
  });
}
