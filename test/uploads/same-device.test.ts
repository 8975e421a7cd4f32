/**
 * `sameDeviceUploads`, the input of `device_conflict` (issue 18 part 4): a signed upload's device is its key, whatever
 * camera the manifest declares; only unsigned uploads fall back to the self-declared make and model.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sameDeviceUploads } from '../../uploads/index.ts';
import { useDatabaseAndDir } from '../support/db.ts';
import { seedDevice, seedUpload } from '../support/seed.ts';

const box = useDatabaseAndDir('mapmint-same-device-');

test('a signed upload is compared with the uploads of its key, an unsigned one with its declared camera', async () => {
  const sql = box.db.sql;
  const dashcam = await seedDevice(sql, { make: 'Acme', model: 'DashCam' });
  // The same contributor declares a second camera: a signed upload of it is still the key's.
  const other = await seedDevice(sql, { address: dashcam.address, make: 'Other', model: 'Cam' });
  const [key] = await sql<{ id: string }[]>`
    insert into device_keys (contributor_id, public_key) values (${dashcam.contributorId}, ${'k'.repeat(43)}) returning id`;
  const unsigned1 = await seedUpload(sql, { device: dashcam, status: 'done' });
  const unsigned2 = await seedUpload(sql, { device: dashcam, status: 'done' });
  const signed1 = await seedUpload(sql, { device: dashcam, status: 'done' });
  const signed2 = await seedUpload(sql, { device: other, status: 'done' });
  const signedQuarantined = await seedUpload(sql, { device: other, status: 'quarantined' });
  for (const u of [signed1, signed2, signedQuarantined]) {
    await sql`update uploads set device_key_id = ${key!.id} where id = ${u.uploadId}`;
  }
  // The key's other upload, declared as another camera, is the same device; the unsigned ones of the same declared
  // camera are not (a contributor may have two cameras of one model, and only one of them signs).
  assert.deepEqual(await sameDeviceUploads(sql, signed1.uploadId), [signed2.uploadId]);
  assert.deepEqual(await sameDeviceUploads(sql, signed2.uploadId), [signed1.uploadId]);
  assert.deepEqual(await sameDeviceUploads(sql, unsigned1.uploadId), [unsigned2.uploadId]);
  assert.deepEqual(await sameDeviceUploads(sql, unsigned2.uploadId), [unsigned1.uploadId]);
});
