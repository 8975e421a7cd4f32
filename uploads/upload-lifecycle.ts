import type { Reason, UploadState } from '../core/index.ts';
import { MapmintError } from '../core/index.ts';
import type { Sql } from '../db/index.ts';
import { type JobName, NEXT as NEXT_STEPS, previousSteps, type Queue } from '../queue/index.ts';

/** An upload's lifecycle state (the list is core/vocabulary.ts UPLOAD_STATES). */
export type UploadStatus = UploadState;

/** Which states may follow which: anything else is a bug and throws. A failed upload goes back where it failed. */
const NEXT: Record<UploadStatus, UploadStatus[]> = {
  receiving: ['received', 'quarantined', 'expired'],
  received: ['validating', 'quarantined', 'failed'],
  validating: ['processing', 'quarantined', 'failed'],
  processing: ['done', 'quarantined', 'failed'],
  done: [],
  // Quarantined for time alone and declared again with other clock fields (uploads/reclock-upload.ts).
  quarantined: ['validating'],
  // Abandoned while receiving (uploads/expire-uploads.ts); declaring the same content again resumes it.
  expired: ['receiving'],
  failed: ['received', 'validating', 'processing'],
};

/** Whether an upload may move from one state to another. */
export function canTransition(from: UploadStatus, to: UploadStatus): boolean {
  return NEXT[from].includes(to);
}

/** Who or what changed an upload's state, and why. */
export interface TransitionOptions {
  step: string;
  actor: string;
  reasons?: Reason[];
}

/**
 * Moves an upload to a new state inside the caller's transaction and appends the audit event; reasons accumulate
 * on the upload. Throws `conflict` if the move is not allowed from the current state.
 */
export async function transition(tx: Sql, uploadId: string, to: UploadStatus, opts: TransitionOptions): Promise<void> {
  const [row] = await tx<
    { status: UploadStatus }[]
  >`select status from uploads where id = ${uploadId} for no key update`;
  if (!row) throw new MapmintError('not_found', 'upload_not_found', `no upload ${uploadId}`);
  if (!canTransition(row.status, to)) {
    throw new MapmintError('conflict', 'bad_transition', `upload ${uploadId} cannot go from ${row.status} to ${to}`);
  }
  const reasons = opts.reasons ?? [];
  await tx`update uploads set status = ${to}, updated_at = now(),
             reasons = reasons || ${tx.json(reasons as never)}::jsonb
           where id = ${uploadId}`;
  await tx`insert into upload_events (upload_id, from_status, to_status, step, actor, reasons)
           values (${uploadId}, ${row.status}, ${to}, ${opts.step}, ${opts.actor}, ${tx.json(reasons as never)})`;
  // Reputation (a reward multiplier): each quarantined upload costs 20 %, down to 0.1; each finished one earns back
  // 0.02, up to 1. A contributor flagged again and again ends up earning a tenth of the rate.
  if (to === 'quarantined') {
    await tx`update contributors set reputation = greatest(0.1, reputation * 0.8)
             where id = (select contributor_id from uploads where id = ${uploadId})`;
  } else if (to === 'done') {
    await tx`update contributors set reputation = least(1, reputation + 0.02)
             where id = (select contributor_id from uploads where id = ${uploadId})`;
  }
}

/** Identifies one run of a step for an upload. */
export interface StepRef {
  uploadId: string;
  step: string;
  jobId?: string;
}

/**
 * Runs a step exactly once per upload, however often its job is delivered: in one transaction it locks the upload,
 * skips if the step already finished, runs `fn`, and records the step as finished. A worker killed mid-step leaves
 * nothing behind, because nothing commits before the end.
 */
export async function runStep<T extends Record<string, unknown>>(
  sql: Sql,
  ref: StepRef,
  fn: (tx: Sql) => Promise<T>,
): Promise<{ skipped: boolean; output: T | undefined }> {
  return (await sql.begin(async (tx) => {
    const [u] = await tx`select id from uploads where id = ${ref.uploadId} for no key update`;
    if (!u) throw new MapmintError('not_found', 'upload_not_found', `no upload ${ref.uploadId}`);
    const done = await tx`select 1 from step_runs where upload_id = ${ref.uploadId} and step = ${ref.step}`;
    if (done.length > 0) return { skipped: true, output: undefined };
    const output = await fn(tx as unknown as Sql);
    await tx`insert into step_runs (upload_id, step, job_id, output)
             values (${ref.uploadId}, ${ref.step}, ${ref.jobId ?? null}, ${tx.json(output as never)})`;
    return { skipped: false, output };
  })) as { skipped: boolean; output: T | undefined };
}

/**
 * Records a step's live progress (outside the step's transaction, so status pages see it while the step runs).
 * Progress is advisory: a rolled-back step leaves a stale row that the step's retry overwrites.
 */
export async function setProgress(
  sql: Sql,
  uploadId: string,
  step: string,
  p: { done: number; total: number; unit: string },
): Promise<void> {
  await sql`insert into upload_progress (upload_id, step, done, total, unit) values (${uploadId}, ${step}, ${p.done}, ${p.total}, ${p.unit})
            on conflict (upload_id, step) do update set done = excluded.done, total = excluded.total, unit = excluded.unit,
            updated_at = now()`;
}

/**
 * Hands an upload on from a finished step, inside that step's transaction (call it from the step's `runStep`
 * function): enqueues the steps that follow it in the job graph (queue/jobs.ts NEXT). A step with several
 * predecessors is enqueued by the last of them to finish (the steps lock the upload row, so they finish one at a
 * time and exactly one sees the others done). The last step of the graph marks the upload `done`. Without a queue
 * (a stage run alone, in a benchmark or a test of that stage) nothing is enqueued.
 */
export async function finishStep(tx: Sql, queue: Queue | undefined, step: JobName, uploadId: string): Promise<void> {
  const next = NEXT_STEPS[step];
  if (next.length === 0) {
    const [u] = await tx<{ status: UploadStatus }[]>`select status from uploads where id = ${uploadId}`;
    if (u?.status === 'processing') await transition(tx, uploadId, 'done', { step, actor: 'worker' });
    return;
  }
  if (!queue) return;
  for (const n of next) {
    const others = previousSteps(n).filter((p) => p !== step);
    if (others.length > 0) {
      // Step names may carry a version after a colon (vision.detect:<model>@<version>).
      const [f] = await tx<{ n: number }[]>`
        select count(distinct split_part(step, ':', 1))::int as n from step_runs
        where upload_id = ${uploadId} and split_part(step, ':', 1) = any(${others}::text[])`;
      if ((f?.n ?? 0) < others.length) continue;
    }
    await queue.send(n, { uploadId }, { tx });
  }
}
