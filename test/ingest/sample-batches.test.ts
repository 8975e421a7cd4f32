/**
 * Sampling commits frames batch by batch, outside the step's transaction (issue 17.2): the upload row is not locked
 * while frames are decoded and stored, a crash keeps the batches already committed, and the retried step resumes
 * from them without storing or inserting any frame twice. The privacy hook still sees every stored frame first.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sampleUpload, validateUpload, verifyUpload } from '../../ingest/index.ts';
import type { RawFrame } from '../../ingest/sample/index.ts';
import { uploadFiles } from '../../sdk/node.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { SMALL_DRIVE_DEVICE, smallDrive } from '../support/small-drive.ts';

let s: TestServer;
let uploadId = '';
before(async () => {
  s = await startTestServer();
  const d = await smallDrive(s.dir, 11);
  const { client } = await s.client();
  const device = SMALL_DRIVE_DEVICE;
  uploadId = (await uploadFiles(client, [d.paths.video!, d.paths.gpx], { device })).id;
});
after(async () => {
  await s.close();
});

const ctx = () => ({ sql: s.db.sql, blobs: s.blobs, queue: s.queue });
const frameRows = async () =>
  (await s.db.sql<{ idx: number }[]>`select idx from frames where upload_id = ${uploadId} order by idx`).map(
    (r) => r.idx,
  );

/** Whether another connection can take the upload row's lock right now (NOWAIT fails while a step holds it). */
async function rowLockFree(): Promise<boolean> {
  try {
    await s.db.sql.begin(async (tx) => {
      await tx`set local lock_timeout = '50ms'`;
      await tx`select id from uploads where id = ${uploadId} for no key update nowait`;
    });
    return true;
  } catch {
    return false;
  }
}

test('a crash mid-sampling keeps the committed batches; the retry resumes and duplicates nothing', async () => {
  await verifyUpload(ctx(), uploadId);
  await validateUpload(ctx(), uploadId);
  const seen: number[] = [];
  let lockFree: boolean | undefined;
  const crashing = async (f: RawFrame): Promise<RawFrame> => {
    seen.push(f.idx);
    if (seen.length === 3) lockFree = await rowLockFree();
    if (seen.length === 10) throw new Error('worker killed');
    return f;
  };
  await assert.rejects(sampleUpload(ctx(), uploadId, undefined, { beforeStore: crashing, batchFrames: 4 }), /killed/);
  assert.equal(lockFree, true, 'the upload row is not locked while frames are sampled');
  const committed = await frameRows();
  assert.ok(committed.length >= 4, `${committed.length} frames committed before the crash`);

  const again: number[] = [];
  const r = await sampleUpload(ctx(), uploadId, undefined, {
    beforeStore: async (f) => {
      again.push(f.idx);
      return f;
    },
    batchFrames: 4,
  });
  const rows = await frameRows();
  assert.equal(new Set(rows).size, rows.length);
  assert.equal(r.output?.frames, rows.length);
  for (const idx of committed) assert.ok(!again.includes(idx), `frame ${idx} was stored again on retry`);
  assert.deepEqual(
    [...again, ...committed].sort((a, b) => a - b),
    rows,
    'every row went through the privacy hook',
  );
  // Sampling hands the upload on (detection, matching); `done` waits for the last step of the job graph.
  const [u] = await s.db.sql<{ status: string }[]>`select status from uploads where id = ${uploadId}`;
  assert.equal(u!.status, 'processing');
  const [run] = await s.db.sql`select 1 from step_runs where upload_id = ${uploadId} and step = 'ingest.sample'`;
  assert.ok(run, 'the sampling step is recorded as finished');
  assert.equal((await sampleUpload(ctx(), uploadId)).skipped, true, 'a done step is not run again');
});
