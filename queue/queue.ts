import { PgBoss } from 'pg-boss';
import type { Sql } from '../db/index.ts';
import { DEAD_LETTER, JOB_NAMES, type JobName, type JobPayloads, jobIdFor } from './jobs.ts';

/** pg-boss keeps its tables in this schema, beside ours. */
export const QUEUE_SCHEMA = 'pgboss';

/** Tuning for the queue; the defaults suit production, tests shorten the intervals. */
export interface QueueOptions {
  /** How often a worker's supervisor looks for jobs whose worker stopped sending heartbeats. */
  superviseSeconds?: number;
  /** A job whose worker sends no heartbeat for this long is retried (pg-boss minimum: 10). */
  heartbeatSeconds?: number;
  /** Retries before a job is marked failed and dead-lettered (`MAPMINT_QUEUE_RETRY_LIMIT`, default 5). */
  retryLimit?: number;
  /** First delay before a retry, doubled each time (`MAPMINT_QUEUE_RETRY_DELAY_S`, default 2). */
  retryDelaySeconds?: number;
  /** Whether this instance runs the supervisor (workers do; the HTTP server only sends). */
  supervise?: boolean;
}

/** An open connection to the job queue. */
export interface Queue {
  boss: PgBoss;
  /**
   * Enqueues a step for an upload. With `tx`, the job is written in the caller's transaction: it exists if and only
   * if the caller's writes commit. The id is deterministic (job name and upload id), so enqueueing twice is a no-op;
   * a job without an upload (tiler.update after a privacy zone change) names what it is about in `key`, and a step
   * run once more for the same upload (a re-clocked validation, uploads/reclock-upload.ts) takes a `key` of its own.
   */
  send<N extends JobName>(name: N, data: JobPayloads[N], opts?: { tx?: Sql; key?: string }): Promise<string>;
  /**
   * Runs a step's failed job again (one more attempt, same id), in the caller's transaction; when the queue no
   * longer holds it (deleted after its retention), enqueues it anew. Returns the job id.
   */
  retry(name: JobName, uploadId: string, tx: Sql): Promise<string>;
  stop(): Promise<void>;
}

function envNumber(name: string): number | undefined {
  const v = process.env[name];
  return v === undefined || v === '' ? undefined : Number(v);
}

/** Adapts a postgres.js connection (or transaction) to the tiny executor pg-boss accepts. */
function executor(sql: Sql) {
  return {
    async executeSql(text: string, values?: unknown[]) {
      // biome-ignore lint/suspicious/noExplicitAny: pg-boss passes untyped positional parameters
      const rows = await sql.unsafe(text, (values ?? []) as any[]);
      return { rows: [...rows] };
    },
  };
}

/** Opens the queue on a database and makes sure every mapmint queue exists. */
export async function openQueue(url: string, opts: QueueOptions = {}): Promise<Queue> {
  const supervise = opts.supervise ?? true;
  const superviseSeconds = opts.superviseSeconds ?? envNumber('MAPMINT_QUEUE_SUPERVISE_S') ?? 10;
  const make = () => {
    const b = new PgBoss({
      connectionString: url,
      schema: QUEUE_SCHEMA,
      supervise,
      schedule: false,
      superviseIntervalSeconds: superviseSeconds,
      monitorIntervalSeconds: superviseSeconds,
      max: 4,
      application_name: 'mapmint-queue',
    });
    b.on('error', (err: Error) => {
      process.stderr.write(`queue: ${err.message}\n`);
    });
    return b;
  };
  let boss = make();
  await boss.start();
  const heartbeatSeconds = opts.heartbeatSeconds ?? envNumber('MAPMINT_QUEUE_HEARTBEAT_S') ?? 30;
  const retryLimit = opts.retryLimit ?? envNumber('MAPMINT_QUEUE_RETRY_LIMIT') ?? 5;
  const retryDelay = opts.retryDelaySeconds ?? envNumber('MAPMINT_QUEUE_RETRY_DELAY_S') ?? 2;
  let created = 0;
  // The dead-letter queue first: the others refer to it.
  for (const name of [DEAD_LETTER, ...JOB_NAMES.filter((n) => n !== DEAD_LETTER)]) {
    const deadLetter = name === DEAD_LETTER ? undefined : DEAD_LETTER;
    const existing = await boss.getQueue(name);
    if (!existing) {
      await boss.createQueue(name, {
        retryLimit,
        retryDelay,
        retryBackoff: true,
        retryDelayMax: 300,
        heartbeatSeconds,
        expireInSeconds: 4 * 3600,
        ...(deadLetter ? { deadLetter } : {}),
      });
      created++;
    } else if (
      (deadLetter && existing.deadLetter !== deadLetter) ||
      existing.retryLimit !== retryLimit ||
      existing.retryDelay !== retryDelay
    ) {
      // Queues made earlier (before steps had a dead-letter queue, or under other retry settings) follow this config.
      await boss.updateQueue(name, { retryLimit, retryDelay, ...(deadLetter ? { deadLetter } : {}) });
    }
  }
  if (created > 0) {
    // pg-boss caches the queue list at start; a fresh instance sees the queues just created (else workers of a new
    // job kind fail with "queue does not exist" until the cache refreshes a minute later).
    await boss.stop({ graceful: false, close: true });
    boss = make();
    await boss.start();
  }
  return {
    boss,
    async send(name, data, sendOpts = {}) {
      const key = sendOpts.key ?? data.uploadId;
      if (key === undefined) throw new Error(`job ${name} needs an upload id or a key`);
      const id = jobIdFor(name, key);
      await boss.send(name, data as object, { id, ...(sendOpts.tx ? { db: executor(sendOpts.tx) } : {}) });
      return id;
    },
    async retry(name, uploadId, tx) {
      const id = jobIdFor(name, uploadId);
      const r = (await boss.retry(name, id, { db: executor(tx) })) as { affected?: number };
      if (!r.affected) await boss.send(name, { uploadId }, { id, db: executor(tx) });
      return id;
    },
    async stop() {
      await boss.stop({ graceful: true, timeout: 10_000, close: true });
    },
  };
}
