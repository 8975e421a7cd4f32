import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { JOB_NAMES, openQueue, type Queue } from '../../queue/index.ts';
import { LocalBlobStore } from '../../storage/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { seedUpload } from '../support/seed.ts';
import { REPO_ROOT } from '../support/shared-data.ts';

let db: TestDatabase;
let dir: string;
let blobs: LocalBlobStore;
let queue: Queue;

before(async () => {
  db = await createTestDatabase();
  dir = await mkdtemp(path.join(tmpdir(), 'mapmint-worker-'));
  blobs = new LocalBlobStore(path.join(dir, 'blobs'));
  queue = await openQueue(db.url, { supervise: false });
  // The shortest heartbeat pg-boss allows, so a killed worker's job is retried within seconds.
  for (const name of JOB_NAMES) await queue.boss.updateQueue(name, { heartbeatSeconds: 10 });
});
after(async () => {
  await queue.stop();
  await db.drop();
  await rm(dir, { recursive: true, force: true });
});

/** Makes an upload whose files are stored, in state `received`, with its job enqueued. */
async function receivedUpload(bytes = 4096): Promise<string> {
  const blob = await blobs.putBuffer(randomBytes(bytes));
  const { uploadId } = await seedUpload(db.sql, { status: 'received', byteSize: bytes });
  await db.sql`insert into upload_files (upload_id, idx, name, role, content_type, declared_size, declared_sha256, status, blob_key)
               values (${uploadId}, 0, 'drive.mp4', 'video', 'video/mp4', ${bytes}, ${blob.sha256}, 'received', ${blob.key})`;
  await queue.send('upload.received', { uploadId });
  return uploadId;
}

function startWorker(): ChildProcess & { log: string[] } {
  // Node itself (not the tsx wrapper, which would leave its child running when killed) so SIGKILL hits the worker.
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(REPO_ROOT, 'cli', 'main.ts'), 'worker', '--only', 'upload.received'],
    {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        MAPMINT_BLOB_DIR: blobs.root,
        MAPMINT_QUEUE_SUPERVISE_S: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  ) as ChildProcess & { log: string[] };
  child.log = [];
  child.stderr?.setEncoding('utf8').on('data', (s: string) => child.log.push(...s.split('\n').filter(Boolean)));
  child.stdout?.resume();
  return child;
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 90_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function stopChild(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const done = new Promise((r) => c.once('exit', r));
  c.kill('SIGTERM');
  await done;
}

test('a worker killed with SIGKILL mid-job leaves nothing half-written, and the retry finishes exactly once', async () => {
  const id = await receivedUpload(2_000_000);
  // Hold a lock the job needs halfway through (after it has changed the upload's status, before the audit row).
  const blocker = await db.sql.reserve();
  await blocker`begin`;
  await blocker`lock table upload_events in exclusive mode`;
  const first = startWorker();
  try {
    await until('the worker to block inside its transaction', async () => {
      const rows = await db.sql`select 1 from pg_stat_activity
                                where datname = current_database() and application_name = 'mapmint' and wait_event_type = 'Lock'`;
      return rows.length > 0;
    });
    const died = new Promise((r) => first.once('exit', r));
    first.kill('SIGKILL');
    await died;
  } finally {
    await blocker`rollback`;
    blocker.release();
  }
  // The killed worker's backend notices the closed connection and rolls back: none of its writes survive.
  await until('the killed backend to go away', async () => {
    const rows =
      await db.sql`select 1 from pg_stat_activity where datname = current_database() and application_name = 'mapmint'
                              and state like 'idle in transaction%'`;
    return rows.length === 0;
  });
  const [u1] = await db.sql`select status from uploads where id = ${id}`;
  assert.equal(u1!.status, 'received');
  assert.equal((await db.sql`select 1 from step_runs where upload_id = ${id}`).length, 0);
  assert.equal((await db.sql`select 1 from upload_events where upload_id = ${id}`).length, 0);
  assert.equal((await db.sql`select 1 from pgboss.job where name = 'ingest.validate'`).length, 0);

  const second = startWorker();
  try {
    await until('the retried job to finish', async () => {
      const [u] = await db.sql`select status from uploads where id = ${id}`;
      return u?.status === 'validating';
    });
  } finally {
    await stopChild(second);
  }
  const events = await db.sql`select to_status from upload_events where upload_id = ${id}`;
  assert.deepEqual(
    events.map((e) => e.to_status),
    ['validating'],
  );
  assert.equal((await db.sql`select 1 from step_runs where upload_id = ${id}`).length, 1);
  const next = await db.sql`select data from pgboss.job where name = 'ingest.validate'`;
  assert.equal(next.length, 1);
  assert.equal(next[0]!.data.uploadId, id);
});

test('two worker processes share one queue and every job is done exactly once', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 16; i++) ids.push(await receivedUpload());
  // Hold a table every job writes, so no job can finish: each worker takes one job at a time (concurrency 1), so two
  // jobs blocked at once are one per worker, and neither can have drained the queue before the other started.
  const blocker = await db.sql.reserve();
  await blocker`begin`;
  await blocker`lock table upload_events in exclusive mode`;
  const workers = [startWorker(), startWorker()];
  /** Job ids a worker reported done on stderr (read while it runs, so no line is lost at exit). */
  const doneBy = (w: { log: string[] }) => w.log.flatMap((l) => /upload\.received (\S+) done/.exec(l)?.[1] ?? []);
  try {
    try {
      await until('each worker to hold a job', async () => {
        const rows = await db.sql`select 1 from pg_stat_activity
                                  where datname = current_database() and application_name = 'mapmint' and wait_event_type = 'Lock'`;
        return rows.length === 2;
      });
    } finally {
      await blocker`rollback`;
      blocker.release();
    }
    await until('all uploads to be verified and reported', async () => {
      const [r] = await db.sql`select count(*)::int as n from uploads where id = any(${ids}) and status = 'validating'`;
      return r!.n === ids.length && workers.flatMap(doneBy).length === ids.length;
    });
  } finally {
    await Promise.all(workers.map(stopChild));
  }
  const perUpload =
    await db.sql`select upload_id, count(*)::int as n from upload_events where upload_id = any(${ids}) group by 1`;
  assert.equal(perUpload.length, ids.length);
  assert.ok(perUpload.every((r) => r.n === 1));
  const steps = await db.sql<{ job_id: string }[]>`select job_id from step_runs where upload_id = any(${ids})`;
  assert.equal(steps.length, ids.length);
  const [jobs] =
    await db.sql`select count(*)::int as n from pgboss.job where name = 'ingest.validate' and data->>'uploadId' = any(${ids})`;
  assert.equal(jobs!.n, ids.length);
  // Both workers completed jobs, and between them exactly the jobs whose steps are recorded, none twice.
  const [a, b] = workers.map(doneBy) as [string[], string[]];
  assert.ok(a.length > 0 && b.length > 0, `jobs per worker: ${a.length}, ${b.length}`);
  assert.deepEqual([...a, ...b].sort(), steps.map((r) => r.job_id).sort());
});
