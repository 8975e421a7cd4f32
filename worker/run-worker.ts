import type { JobWithMetadata } from 'pg-boss';
import type { JobName } from '../queue/index.ts';
import { HANDLERS, type Handler } from './handlers.ts';
import type { Runtime } from './runtime.ts';

/** Options for a worker process. */
export interface WorkerOptions {
  /** Jobs of each kind processed at once in this process. */
  concurrency?: number;
  /** Restrict to these job kinds (default: every kind with a handler). */
  only?: JobName[];
  /** Called after each job, for progress output. */
  onJob?: (e: { name: JobName; id: string; ok: boolean; error?: string }) => void;
}

/**
 * Starts processing jobs. Any number of workers on any number of machines can share one database: jobs are
 * claimed with SKIP LOCKED, kept alive by heartbeats, and retried when a worker dies.
 */
export async function startWorker(
  rt: Pick<Runtime, 'sql' | 'blobs' | 'queue'>,
  opts: WorkerOptions = {},
): Promise<{ stop(): Promise<void> }> {
  const names = (Object.keys(HANDLERS) as JobName[]).filter((n) => !opts.only || opts.only.includes(n));
  const ctx = { sql: rt.sql, blobs: rt.blobs, queue: rt.queue };
  for (const name of names) {
    const handler = HANDLERS[name] as Handler<typeof name>;
    await rt.queue.boss.work(
      name,
      { localConcurrency: opts.concurrency ?? 1, pollingIntervalSeconds: 0.5, batchSize: 1, includeMetadata: true },
      async ([job]: JobWithMetadata<{ uploadId: string }>[]) => {
        if (!job) return;
        try {
          await handler(ctx, job.data, job.id, job);
          opts.onJob?.({ name, id: job.id, ok: true });
        } catch (err) {
          opts.onJob?.({ name, id: job.id, ok: false, error: (err as Error).message });
          throw err;
        }
      },
    );
  }
  return {
    async stop() {
      for (const name of names) await rt.queue.boss.offWork(name);
    },
  };
}
