/**
 * "Upload again with --timezone / --time-offset" must do something: the same files declared again with other clock
 * fields validate a clock-quarantined upload again (uploads/reclock-upload.ts), through the real server and worker.
 * Without it the identical content maps to the quarantined upload and the driver's second try changes nothing.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { MapmintClient, UploadView } from '../../sdk/index.ts';
import { uploadFiles } from '../../sdk/node.ts';
import { MAX_RECLOCKS } from '../../uploads/index.ts';
import { startWorker } from '../../worker/index.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { SMALL_DRIVE_DEVICE, smallDrive } from '../support/small-drive.ts';

let s: TestServer;
let worker: { stop(): Promise<void> };
let client: MapmintClient;
let files: string[];

before(async () => {
  s = await startTestServer();
  worker = await startWorker({ sql: s.db.sql, blobs: s.blobs, queue: s.queue });
  const d = await smallDrive(s.dir, 7);
  files = [d.paths.video!, d.paths.gpx];
  ({ client } = await s.client());
});
after(async () => {
  await worker.stop();
  await s.close();
});

const settled = (u: UploadView) => ['quarantined', 'done', 'failed'].includes(u.status);
const codes = (u: UploadView) => u.reasons.map((r) => r.code).sort();
const THREE_HOURS_MS = 3 * 3_600_000;

test('a drive quarantined for its clock is validated again when declared with other clock fields, at most 3 times', async () => {
  const device = SMALL_DRIVE_DEVICE;
  const first = await uploadFiles(client, files, { device, timeOffsetMs: THREE_HOURS_MS });
  let u = await client.waitFor(first.id, settled, { timeoutMs: 120_000, intervalMs: 250 });
  assert.equal(u.status, 'quarantined');
  assert.deepEqual(codes(u), ['video_duration_mismatch'], JSON.stringify(u.reasons));

  // The same clock again: nothing to re-check, the answer is the quarantined upload.
  const same = await uploadFiles(client, files, { device, timeOffsetMs: THREE_HOURS_MS });
  assert.equal(same.id, first.id);
  assert.equal(same.status, 'quarantined');

  // Still wrong twice, then right: each declaration with another clock runs validation again.
  for (const [i, offset] of [2 * THREE_HOURS_MS, 3 * THREE_HOURS_MS].entries()) {
    const again = await uploadFiles(client, files, { device, timeOffsetMs: offset });
    assert.equal(again.id, first.id);
    u = await client.waitFor(
      first.id,
      (x) => x.events.filter((e) => e.step === 'upload.reclock').length === i + 1 && settled(x),
      { timeoutMs: 120_000, intervalMs: 250 },
    );
    assert.equal(u.status, 'quarantined', `re-clock ${i + 1}`);
  }
  const fixed = await uploadFiles(client, files, { device, timeOffsetMs: 0 });
  assert.equal(fixed.id, first.id);
  u = await client.waitFor(first.id, (x) => x.status === 'done' || x.status === 'failed', {
    timeoutMs: 240_000,
    intervalMs: 250,
  });
  assert.equal(u.status, 'done', JSON.stringify(u.reasons));
  assert.deepEqual(codes(u), [], 'the old clock reasons are gone once the clock is right');
  const reclocks = u.events.filter((e) => e.step === 'upload.reclock');
  assert.equal(reclocks.length, MAX_RECLOCKS);
  assert.ok(reclocks.every((e) => e.from === 'quarantined' && e.to === 'validating'));
  const [row] = await s.db.sql<{ offset: number }[]>`
    select (manifest->>'timeOffsetMs')::int as offset from uploads where id = ${first.id}`;
  assert.equal(row?.offset, 0, 'the manifest carries the clock that was validated');
});

test('a fourth clock change is refused with what to do, and a quarantine for anything else is never re-run', async () => {
  const d = await smallDrive(s.dir, 8);
  const other = [d.paths.video!, d.paths.gpx];
  const device = SMALL_DRIVE_DEVICE;
  const up = await uploadFiles(client, other, { device, timeOffsetMs: THREE_HOURS_MS });
  await client.waitFor(up.id, settled, { timeoutMs: 120_000, intervalMs: 250 });
  for (let i = 1; i <= MAX_RECLOCKS; i++) {
    await uploadFiles(client, other, { device, timeOffsetMs: THREE_HOURS_MS * (i + 1) });
    await client.waitFor(up.id, (x) => x.events.filter((e) => e.step === 'upload.reclock').length === i && settled(x), {
      timeoutMs: 120_000,
      intervalMs: 250,
    });
  }
  await assert.rejects(
    uploadFiles(client, other, { device, timeOffsetMs: 0 }),
    (e: Error & { code?: string; status?: number }) =>
      e.code === 'too_many_reclocks' && e.status === 429 && /at most 3/.test(e.message),
  );

  // Quarantined for a reason that is not about time: declaring other clock fields changes nothing.
  await s.db.sql`update uploads set reasons = '[{"code":"replay","message":"a copy"}]'::jsonb where id = ${up.id}`;
  const replay = await uploadFiles(client, other, { device, timeOffsetMs: 1234 });
  assert.equal(replay.status, 'quarantined');
  const [n] = await s.db.sql<{ n: number }[]>`
    select count(*)::int as n from upload_events where upload_id = ${up.id} and step = 'upload.reclock'`;
  assert.equal(n?.n, MAX_RECLOCKS);
});
