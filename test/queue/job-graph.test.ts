/**
 * The job graph (queue/jobs.ts NEXT) and the one helper that follows it (uploads/ finishStep): every step is
 * reachable from upload.received, tiler.update is the only last step, a join (tiler.update after both fusion.update
 * and rewards.book) is enqueued once whichever branch finishes last, and nothing is enqueued outside a step's commit.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { JOB_NAMES, type JobName, jobIdFor, NEXT, openQueue, previousSteps, type Queue } from '../../queue/index.ts';
import { finishStep, runStep } from '../../uploads/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

let db: TestDatabase;
let queue: Queue;
before(async () => {
  db = await createTestDatabase();
  queue = await openQueue(db.url, { supervise: false });
});
after(async () => {
  await queue.stop();
  await db.drop();
});

test('the graph reaches every step from upload.received and ends in tiler.update alone', () => {
  const steps = JOB_NAMES.filter((n) => n !== 'upload.failed');
  const seen = new Set<JobName>(['upload.received']);
  const todo: JobName[] = ['upload.received'];
  while (todo.length > 0) {
    for (const n of NEXT[todo.pop()!]) {
      if (!seen.has(n)) todo.push(n);
      seen.add(n);
    }
  }
  assert.deepEqual([...seen].sort(), [...steps].sort());
  assert.deepEqual(
    steps.filter((n) => NEXT[n].length === 0),
    ['tiler.update'],
  );
  assert.deepEqual(previousSteps('tiler.update').sort(), ['fusion.update', 'rewards.book']);
  assert.deepEqual(previousSteps('rewards.book'), ['roads.match']);
  assert.deepEqual(NEXT['ingest.sample'], ['vision.detect', 'roads.match']);
  assert.equal(jobIdFor('tiler.update', 'u1'), jobIdFor('tiler.update', 'u1'));
  assert.notEqual(jobIdFor('tiler.update', 'u1'), jobIdFor('fusion.update', 'u1'));
});

/** An upload in `processing`, as after ingest.validate. */
async function processingUpload(): Promise<string> {
  const [c] =
    await db.sql`insert into contributors (address) values (${`0x${randomBytes(20).toString('hex')}`}) returning id`;
  const [d] =
    await db.sql`insert into devices (contributor_id, device_key, make, model) values (${c!.id}, 'k', 'Acme', 'Cam') returning id`;
  const [u] = await db.sql`insert into uploads (contributor_id, device_id, manifest, content_hash, byte_size, status)
    values (${c!.id}, ${d!.id}, '{}', ${randomBytes(32).toString('hex')}, 1, 'processing') returning id`;
  return u!.id as string;
}

/** Runs a step that does nothing but hand on, as the stages do at the end of their transaction. */
const step = (uploadId: string, name: JobName) =>
  runStep(db.sql, { uploadId, step: name }, async (tx) => {
    await finishStep(tx, queue, name, uploadId);
    return {};
  });

const tilerJob = (uploadId: string) => queue.boss.getJobById('tiler.update', jobIdFor('tiler.update', uploadId));

for (const order of [
  ['fusion.update', 'rewards.book'],
  ['rewards.book', 'fusion.update'],
] as const) {
  test(`tiler.update waits for both branches and is enqueued once (${order.join(' then ')})`, async () => {
    const id = await processingUpload();
    await step(id, order[0]);
    assert.equal(await tilerJob(id), null, 'one branch is not enough');
    await step(id, order[1]);
    assert.ok(await tilerJob(id), 'the last branch enqueues it');
    await step(id, order[1]);
    const [n] = await db.sql`select count(*)::int as n from pgboss.job where name = 'tiler.update'
      and data->>'uploadId' = ${id}`;
    assert.equal(n!.n, 1);
  });
}

test('both branches finishing at once still enqueue the join exactly once', async () => {
  const id = await processingUpload();
  await Promise.all([step(id, 'fusion.update'), step(id, 'rewards.book')]);
  const [n] = await db.sql`select count(*)::int as n from pgboss.job where name = 'tiler.update'
    and data->>'uploadId' = ${id}`;
  assert.equal(n!.n, 1);
});

test('the last step marks the upload done; a rolled-back step enqueues nothing', async () => {
  const id = await processingUpload();
  await assert.rejects(
    runStep(db.sql, { uploadId: id, step: 'ingest.sample' }, async (tx) => {
      await finishStep(tx, queue, 'ingest.sample', id);
      throw new Error('crash after handing on');
    }),
    /crash/,
  );
  assert.equal(await queue.boss.getJobById('vision.detect', jobIdFor('vision.detect', id)), null);
  const [before] = await db.sql`select status from uploads where id = ${id}`;
  assert.equal(before!.status, 'processing');
  await step(id, 'tiler.update');
  const [u] = await db.sql`select status from uploads where id = ${id}`;
  assert.equal(u!.status, 'done');
});
