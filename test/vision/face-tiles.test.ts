/**
 * The face search skips views with no texture (FLAT_ACTIVITY in vision/privacy/face-detector.ts) and cuts its tiles
 * out of one resize of the frame per scale. This checks that every face the full search (every view, as before)
 * finds on the shared photos is still found, and that flat views (sky, a rendered road) are what gets skipped.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { coveredFraction, decodeRgb, FaceDetector, type RgbImage } from '../../vision/index.ts';
import { sharedFile } from '../support/shared-data.ts';

let full: FaceDetector;
let pruned: FaceDetector;
before(async () => {
  [full, pruned] = await Promise.all([
    FaceDetector.create({ threads: 2, skipFlat: false }),
    FaceDetector.create({ threads: 2 }),
  ]);
});
after(async () => {
  await Promise.all([full.close(), pruned.close()]);
});

/** True when the pruned search has a face covering at least 90 % of `f` (what privacy-real counts as covered). */
const caught = (f: { box: { x1: number; y1: number; x2: number; y2: number } }, faces: { box: typeof f.box }[]) =>
  coveredFraction(
    f.box,
    faces.map((g) => g.box),
  ) >= 0.9 || faces.some((g) => coveredFraction(g.box, [f.box]) >= 0.9);

test('every face the full tile search finds on the shared photos is still found', { timeout: 240_000 }, async () => {
  const images = readdirSync(sharedFile('images', '.')).filter((n) => /\.(jpe?g|png)$/i.test(n));
  let total = 0;
  for (const name of images) {
    const img = await decodeRgb(sharedFile('images', name));
    const [a, b] = [await full.detect(img), await pruned.detect(img)];
    const missed = a.filter((f) => !caught(f, b));
    total += a.length;
    assert.deepEqual(missed, [], `${name}: faces of the full search not found any more`);
  }
  assert.ok(total >= 50, `the photos hold faces to compare (${total})`);
});

test('flat views are skipped and a small face in front of a flat sky is still found', async () => {
  // 1280x720: a smooth sky gradient with the bus photo's right-hand face scaled to 24 px pasted on it.
  const [w, h] = [1280, 720];
  const sky = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) sky.set([120 + (y >> 4), 160 + (y >> 5), 220 - (x >> 6)], (y * w + x) * 3);
  const bus = sharp(sharedFile('images', 'yolov5_bus.jpg')).rotate();
  const face = await bus
    .extract({ left: 257, top: 420, width: 63, height: 63 })
    .resize(36, 36)
    .raw()
    .toBuffer({ resolveWithObject: true });
  const img: RgbImage = { data: sky, width: w, height: h };
  for (let r = 0; r < 36; r++) face.data.copy(sky, ((300 + r) * w + 700) * 3, r * 36 * 3, (r + 1) * 36 * 3);
  const views = pruned.searchViews(img);
  assert.ok(views.length < full.views(w, h).length / 2, `searched ${views.length} of ${full.views(w, h).length}`);
  const [a, b] = [await full.detect(img), await pruned.detect(img)];
  assert.ok(
    a.some((f) => f.box.x1 < 736 && f.box.x2 > 700 && f.box.y1 < 336 && f.box.y2 > 300),
    `full search finds the face: ${JSON.stringify(a)}`,
  );
  assert.deepEqual(
    a.filter((f) => !caught(f, b)),
    [],
  );
});
