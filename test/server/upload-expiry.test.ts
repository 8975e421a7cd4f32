/**
 * Issue 17.3: abandoned partial transfers expire (the partial is deleted and the upload says why), and the files of
 * quarantined uploads are deleted after a retention period (the reason stays readable; shared blobs stay).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { declareFiles, uploadFiles } from '../../sdk/node.ts';
import { sweepUploads } from '../../server/upload-sweep.ts';
import { transition } from '../../uploads/index.ts';
import { makeFile, sha256 } from '../support/files.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { headTransfer, openTransfer, patchTransfer } from '../support/tus-transfer.ts';

let s: TestServer;
const device = { make: 'Acme', model: 'DashCam', hfovDeg: 120, mount: 'windshield' as const };
const DAY_S = 86_400;
const sweep = () =>
  sweepUploads(
    { sql: s.db.sql, blobs: s.blobs },
    { tusDir: path.join(s.dir, 'tus'), transferExpiryS: DAY_S, quarantineRetentionS: 30 * DAY_S },
  );
const keyOf = (hex: string) => `sha256/${hex.slice(0, 2)}/${hex}`;

before(async () => {
  s = await startTestServer();
});
after(async () => s.close());

test('an abandoned partial expires: partial deleted, upload expired with a reason, re-declaring revives it', async () => {
  const { client } = await s.client();
  const a = await makeFile(s.dir, 'abandoned.mp4', 'mp4', 30_000);
  const b = await makeFile(s.dir, 'done.gpx', 'gpx', 2_000);
  const files = await declareFiles([a, b]);
  const up = await client.createUpload({ device, files });
  const token = client.token!;
  await client.sendFile(up.id, 1, await readFile(b), files[1]!.size);
  const t = await openTransfer(s.baseUrl, token, up.id, 0, 30_000);
  assert.equal(
    (await patchTransfer(s.baseUrl, token, t.location!, 0, (await readFile(a)).subarray(0, 10_000))).status,
    204,
  );
  // A fresh transfer of someone else is left alone.
  const other = await s.client();
  const fresh = await other.client.createUpload({
    device,
    files: await declareFiles([await makeFile(s.dir, 'fresh.mp4', 'mp4', 5_000)]),
  });
  const ft = await openTransfer(s.baseUrl, other.client.token!, fresh.id, 0, 5_000);

  assert.equal((await sweep()).transfersExpired, 0);
  await s.db.sql`update upload_transfers set touched_at = touched_at - interval '25 hours' where upload_id = ${up.id}`;
  await s.db.sql`update uploads set updated_at = updated_at - interval '25 hours' where id = ${up.id}`;
  await s.db.sql`update upload_files set received_at = received_at - interval '25 hours' where upload_id = ${up.id}`;
  const r = await sweep();
  assert.equal(r.transfersExpired, 1);
  assert.equal(r.uploadsExpired, 1);
  assert.equal(await headTransfer(token, t.location!), 404);
  assert.equal(await headTransfer(other.client.token!, ft.location!), 200);
  const after = await client.getUpload(up.id);
  assert.equal(after.status, 'expired');
  const reason = (after.reasons as { code: string; message: string }[]).find((x) => x.code === 'upload_abandoned');
  assert.ok(reason, JSON.stringify(after.reasons));
  assert.match(reason.message, /send/);
  // Its stored file was deleted too (it counted against nobody's disk for nothing), and must be sent again.
  assert.equal(await s.blobs.stat(keyOf(sha256(await readFile(b)))), undefined);
  assert.deepEqual(
    after.files.map((f) => f.status),
    ['pending', 'pending'],
  );
  const again = await uploadFiles(client, [a, b], { device });
  assert.equal(again.id, up.id);
  assert.equal(again.status, 'received');
});

test("a quarantined upload's files are deleted after the retention period; shared blobs and the reason stay", async () => {
  const { client } = await s.client();
  const own = await makeFile(s.dir, 'own.mp4', 'mp4', 8_000);
  const shared = await makeFile(s.dir, 'shared.jpg', 'jpg', 3_000);
  const bad = await uploadFiles(client, [own, shared], { device });
  const other = await s.client();
  await uploadFiles(other.client, [shared], { device });
  const recent = await uploadFiles(client, [await makeFile(s.dir, 'recent.mp4', 'mp4', 4_000)], { device });
  for (const id of [bad.id, recent.id]) {
    await s.db.sql.begin(async (tx) => {
      await transition(tx as never, id, 'quarantined', {
        step: 'test',
        actor: 'test',
        reasons: [{ code: 'replayed_track', message: 'the track was seen before' }],
      });
    });
  }
  await s.db.sql`update uploads set updated_at = updated_at - interval '31 days' where id = ${bad.id}`;
  const r = await sweep();
  assert.equal(r.quarantinedPurged, 1);
  assert.equal(await s.blobs.stat(keyOf(sha256(await readFile(own)))), undefined);
  assert.equal(await s.blobs.stat(keyOf(sha256(await readFile(shared)))), 3_000);
  assert.equal(await s.blobs.stat(keyOf(recent.files[0]!.sha256)), 4_000);
  const after = await client.getUpload(bad.id);
  assert.equal(after.status, 'quarantined');
  const codes = (after.reasons as { code: string }[]).map((x) => x.code);
  assert.deepEqual(codes, ['replayed_track', 'files_deleted']);
  assert.equal((await sweep()).quarantinedPurged, 0);
});
