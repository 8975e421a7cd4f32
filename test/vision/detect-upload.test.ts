import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { StageContext } from '../../queue/index.ts';
import { LocalBlobStore } from '../../storage/index.ts';
import {
  blurStoredFrames,
  detectUpload,
  openPrivacyBlur,
  openVisionModels,
  type PrivacyBlur,
  type VisionModels,
} from '../../vision/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { seedUpload } from '../support/seed.ts';
import { sharedFile } from '../support/shared-data.ts';

let db: TestDatabase;
let dir: string;
let ctx: StageContext;
let models: VisionModels;
let privacy: PrivacyBlur;
before(async () => {
  db = await createTestDatabase();
  dir = await mkdtemp(path.join(tmpdir(), 'mapmint-vision-'));
  const sent: unknown[] = [];
  const queue = { send: async (...a: unknown[]) => sent.push(a) } as unknown as StageContext['queue'];
  ctx = { sql: db.sql, blobs: new LocalBlobStore(dir), queue };
  models = await openVisionModels({ model: 'centernet', threads: 2 });
  privacy = await openPrivacyBlur({ threads: 2, models: { detector: models.detector, ocr: models.ocr } });
});
after(async () => {
  await privacy.close();
  await models.close();
  await db.drop();
  await rm(dir, { recursive: true, force: true });
});

/** An upload with the given shared images stored (unblurred) as its frames. */
async function uploadWithFrames(images: string[]): Promise<{ id: string; keys: string[] }> {
  const sql = db.sql;
  const { uploadId } = await seedUpload(sql, { status: 'done' });
  const keys: string[] = [];
  for (const [idx, name] of images.entries()) {
    const { key } = await ctx.blobs.putBuffer(await readFile(sharedFile('images', name)));
    keys.push(key);
    await sql`insert into frames (upload_id, idx, geom, captured_at, blob_key, width, height, quality)
      values (${uploadId}, ${idx}, ST_SetSRID(ST_MakePoint(13.4, 52.5), 4326), now(), ${key}, 1, 1, '{"sharpness":1,"brightness":1}')`;
  }
  return { id: uploadId, keys };
}

test('blurStoredFrames re-points frames at blurred blobs; detectUpload stores a set per model version', {
  timeout: 90_000,
}, async () => {
  const { id, keys } = await uploadWithFrames(['roadsign_road554.png', 'alpr_us_22e54a62.jpg']);
  const b = await blurStoredFrames(ctx, id, { privacy });
  assert.equal(b.output?.frames, 2);
  const frames = await db.sql<
    { id: number; blob_key: string }[]
  >`select id, blob_key from frames where upload_id = ${id} order by idx`;
  for (const f of frames) assert.ok(!keys.includes(f.blob_key), 'old unblurred key no longer referenced');
  const refs = await db.sql`select 1 from frames where blob_key in ${db.sql(keys)}`;
  assert.equal(refs.length, 0);

  const progress: number[] = [];
  const r = await detectUpload(ctx, id, 'job-1', { models, onProgress: (p) => progress.push(p.done) });
  assert.equal(r.skipped, false);
  assert.deepEqual(progress.sort(), [1, 2]);
  const rows = await db.sql<
    { frame_id: number; class: string; value: string | null; crop_blob_key: string | null; model_version: string }[]
  >`
    select frame_id, class, value, crop_blob_key, model_version from detections order by frame_id, idx`;
  const limit = rows.find((x) => x.class === 'speed-limit');
  assert.equal(limit?.value, '40', `rows: ${JSON.stringify(rows.map((x) => x.class))}`);
  assert.ok(rows.some((x) => x.class === 'object--vehicle--car'));
  for (const x of rows) assert.ok(x.crop_blob_key && (await ctx.blobs.stat(x.crop_blob_key))! > 0, 'crop stored');

  const again = await detectUpload(ctx, id, 'job-2', { models });
  assert.equal(again.skipped, true, 'exactly once per model version');
  const newer = { ...models, run: { ...models.run, modelVersion: `${models.run.modelVersion}-next` } };
  const second = await detectUpload(ctx, id, 'job-3', { models: newer });
  assert.equal(second.skipped, false);
  const sets = await db.sql`select model_version, count(*)::int as n from detections group by model_version`;
  assert.equal(sets.length, 2, 'a newer version adds a new set beside the old one');
  assert.equal(sets[0]!.n, sets[1]!.n);
});
