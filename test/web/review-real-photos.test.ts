/**
 * The reviewer app on what the models really produce: three real street photos (shared/data/images, see
 * SOURCES-media.md) stored as one drive's frames, blurred by the real privacy step, run through the real detector +
 * sign OCR (vision.detect), then reviewed in the browser by keyboard. The server queues every map-feature
 * detection (reviewDetectionBelow 1) and is in open-review mode (any signed-in wallet reviews), signed in with
 * the page's local development key.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import type { StageContext } from '../../queue/index.ts';
import { REVIEW_CLASSES } from '../../review/index.ts';
import { buildTiles } from '../../tiler/index.ts';
import { blurStoredFrames, detectUpload, openPrivacyBlur, openVisionModels } from '../../vision/index.ts';
import { buildWeb } from '../../web/build.ts';
import { launchBrowser, screenshotDir, CHROMIUM_MISSING as skip, watch } from '../support/browser.ts';
import { seedUpload } from '../support/seed.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { sharedFile } from '../support/shared-data.ts';

// Where each photo was taken (EXIF GPS where it has one; road554 has none and is placed beside the first).
const PHOTOS = [
  { name: 'mapillary_DSC00001.jpg', lat: 45.516903, lon: -122.572765 },
  { name: 'roadsign_road554.png', lat: 45.51695, lon: -122.5727 },
  { name: 'yolov5_bus.jpg', lat: 40.411389, lon: -3.707364 },
];
const OUTPUT = screenshotDir('web');
let s: TestServer;
let browser: Browser;
let webDir = '';
let uploadId = '';
const originals = new Map<string, string>();

before(async () => {
  webDir = await mkdtemp(path.join(tmpdir(), 'mapmint-web-'));
  await buildWeb({ outDir: webDir });
  process.env.MAPMINT_WEB_DIR = webDir;
  s = await startTestServer({ openReview: true, reviewDetectionBelow: 1 });
  const sql = s.db.sql;
  ({ uploadId } = await seedUpload(sql, { status: 'done', validation: { verdict: 'accepted' } }));
  for (const [idx, p] of PHOTOS.entries()) {
    const bytes = await readFile(sharedFile('images', p.name));
    const { key } = await s.blobs.putBuffer(bytes);
    const [f] = await sql`insert into frames (upload_id, idx, geom, heading_deg, captured_at, blob_key, width, height,
        quality) values (${uploadId}, ${idx}, ST_SetSRID(ST_MakePoint(${p.lon}, ${p.lat}), 4326), 90,
        now() - make_interval(mins => ${10 - idx}), ${key}, 1, 1, '{"sharpness":1,"brightness":1}') returning public_id`;
    originals.set(String(f!.public_id), createHash('sha256').update(bytes).digest('hex'));
  }
  const ctx: StageContext = {
    sql,
    blobs: s.blobs,
    queue: { send: async () => null } as unknown as StageContext['queue'],
  } as StageContext;
  const models = await openVisionModels({ model: 'centernet', threads: 2 });
  const privacy = await openPrivacyBlur({ threads: 2, models: { detector: models.detector, ocr: models.ocr } });
  try {
    await blurStoredFrames(ctx, uploadId, { privacy });
    await detectUpload(ctx, uploadId, 'web-test', { models });
  } finally {
    await privacy.close();
    await models.close();
  }
  await buildTiles(sql, { out: path.join(s.dir, 'tiles'), minZoom: 10, maxZoom: 16, workers: 2 });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await s?.close();
  delete process.env.MAPMINT_WEB_DIR;
  await rm(webDir, { recursive: true, force: true });
});

test('a reviewer works through the real detections of real photos by keyboard', {
  skip,
  timeout: 120_000,
}, async () => {
  const sql = s.db.sql;
  const detections = await sql<{ id: number; class: string; value: string | null; score: number }[]>`
    select d.id::float8 as id, d.class, d.value, d.score from detections d join frames f on f.id = d.frame_id
    where f.upload_id = ${uploadId} and d.class = any(${REVIEW_CLASSES as string[]}::text[]) order by d.score desc`;
  process.stdout.write(
    `# real photos: ${detections.length} map-feature detections: ${detections.map((d) => `${d.class}${d.value ? `=${d.value}` : ''} ${d.score.toFixed(2)}`).join(', ')}\n`,
  );
  assert.ok(
    detections.some((d) => d.class === 'regulatory--stop'),
    'the Portland stop sign is detected',
  );

  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems = watch(page);
  await page.goto(`${s.baseUrl}/review`);
  await page.getByRole('button', { name: 'Create a local development key' }).click();
  const seen: string[] = [];
  for (let i = 0; i < detections.length; i++) {
    await page.waitForFunction(
      (prev) => {
        const k = document.getElementById('item')?.dataset['item'];
        return k !== undefined && k !== '' && k !== prev;
      },
      seen.at(-1) ?? null,
      { timeout: 15_000 },
    );
    const key = (await page.locator('#item').getAttribute('data-item'))!;
    seen.push(key);
    await page.waitForFunction(() =>
      Array.from(document.querySelectorAll<HTMLImageElement>('#crops img')).every(
        (im) => im.complete && im.naturalWidth > 0,
      ),
    );
    const title = (await page.locator('#item-title').textContent()) ?? '';
    await page.screenshot({ path: path.join(OUTPUT, `review-real-${i + 1}.png`) });
    const det = detections.find((d) => `detection:${d.id}` === key);
    assert.ok(det, `${key} is one of this drive's detections`);
    // A stop sign is confirmed; a speed limit confirmed when read, else its value typed in; the rest rejected.
    if (det.class === 'regulatory--stop') await page.keyboard.press('c');
    else if (det.class === 'speed-limit' && det.value) {
      assert.match(title, new RegExp(det.value));
      await page.keyboard.press('c');
    } else if (det.class === 'speed-limit') {
      await page.keyboard.press('v');
      await page.keyboard.type('40');
      await page.keyboard.press('Enter');
    } else await page.keyboard.press('x');
  }
  await page.getByText('Nothing to review right now').waitFor();
  await page.waitForFunction(() => window.mapmintReview?.pending() === 0);
  const votes = await sql<{ item: string; decision: string }[]>`
    select item_kind || ':' || item_id as item, decision from reviews order by id`;
  assert.deepEqual(
    votes.map((v) => v.item),
    seen,
  );
  assert.ok(votes.some((v) => v.decision === 'confirm'));
  // The frames the reviewer can open are the blurred copies, never the original photos.
  for (const [frameId, original] of originals) {
    const r = await fetch(`${s.baseUrl}/v1/frames/${frameId}/image`);
    assert.equal(r.status, 200);
    const served = createHash('sha256')
      .update(Buffer.from(await r.arrayBuffer()))
      .digest('hex');
    assert.notEqual(served, original, `frame ${frameId} is served blurred`);
  }
  assert.deepEqual(problems, [], problems.join('\n'));
  await page.close();
});
