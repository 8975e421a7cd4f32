import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { BeforeStore } from '../../ingest/sample/store-frames.ts';
import {
  blurBoxes,
  coveredFraction,
  decodeRgb,
  encodeJpeg,
  findPrivacyRegions,
  normalisePlate,
  openPrivacyBlur,
  type PrivacyBlur,
  ssdAnchors,
} from '../../vision/index.ts';
import { sharedFile } from '../support/shared-data.ts';
import { ALPR_IMAGES, annotatedFaces, labelledObjects } from './support/labels.ts';

let privacy: PrivacyBlur;
before(async () => {
  privacy = await openPrivacyBlur({ threads: 2 });
});
after(async () => {
  await privacy.close();
});

/** A region counts as covered when 90 % of its area lies inside the (padded) blur boxes. */
const COVERED = 0.9;

async function blurCover(image: string) {
  const file = sharedFile('images', image);
  const img = await decodeRgb(file);
  const [dets] = await privacy.models.detector.detect([file]);
  const regions = await findPrivacyRegions(img, dets ?? [], privacy.models);
  return {
    img,
    regions,
    boxes: blurBoxes(
      regions.map((r) => r.box),
      img.width,
      img.height,
    ),
  };
}

test('BlazeFace anchors follow from the output shapes (16x16x2 + 8x8x6 = 896)', () => {
  const a = ssdAnchors([512, 384]);
  assert.equal(a.length, 896);
  assert.deepEqual(a[0], { cx: 0.5 / 16, cy: 0.5 / 16 });
  assert.deepEqual(a[1], a[0]);
  assert.deepEqual(a[512], { cx: 0.5 / 8, cy: 0.5 / 8 });
  assert.throws(() => ssdAnchors([500, 384]));
});

test('every annotated plate of the openalpr frames is covered by a blur region', { timeout: 60_000 }, async () => {
  for (const f of ALPR_IMAGES) {
    const plate = labelledObjects(f).find((o) => o.class === 'license_plate')!;
    const { boxes } = await blurCover(f);
    const c = coveredFraction(plate.box, boxes);
    assert.ok(c >= COVERED, `${f}: plate covered ${c}`);
  }
});

test('the visible faces of yolov5_bus.jpg and opensfm_berlin_01.jpg are covered', { timeout: 60_000 }, async () => {
  // Berlin: 11 of 12 measured; the miss is the man in the checked shirt, whose head the person box of him and the
  // child in front of him (one box for both) starts below; so at most one miss there and none on the bus.
  for (const [f, allowedMisses] of [
    ['yolov5_bus.jpg', 0],
    ['opensfm_berlin_01.jpg', 1],
  ] as const) {
    const faces = annotatedFaces(f);
    const { boxes } = await blurCover(f);
    const missed = faces.filter((b) => coveredFraction(b, boxes) < COVERED);
    console.log(
      `${f}: faces covered ${faces.length - missed.length}/${faces.length}, missed ${JSON.stringify(missed)}`,
    );
    assert.ok(missed.length <= allowedMisses, `${f}: uncovered faces ${JSON.stringify(missed)}`);
  }
});

test('after the BeforeStore hook a plate can no longer be read', { timeout: 60_000 }, async () => {
  const hook: BeforeStore = privacy.beforeStore; // type-checks against ingest's hook type
  const f = 'alpr_us_21d8c31d.jpg';
  const plate = labelledObjects(f).find((o) => o.class === 'license_plate')!;
  // The pixels as sampling has them: decoded, not yet encoded (the writer encodes what the hook returns).
  const img = await decodeRgb(await encodeJpeg(await decodeRgb(sharedFile('images', f)), 92));
  const read = async (bytes: Buffer) =>
    (await privacy.models.ocr.read(await decodeRgb(bytes))).map((l) => normalisePlate(l.text));
  assert.ok((await read(await encodeJpeg(img, 85))).includes(normalisePlate(plate.text!)), 'readable before');
  const before = Buffer.from(img.data);
  const frame = { idx: 3, rgb: img.data, width: img.width, height: img.height, source: f };
  const out = await hook(frame as unknown as Parameters<BeforeStore>[0]);
  assert.equal(out.idx, 3, 'metadata kept');
  assert.notDeepEqual(out.rgb, before);
  const after = await read(await encodeJpeg({ data: out.rgb, width: out.width, height: out.height }, 85));
  assert.ok(!after.some((t) => t.includes('DA04')), `still readable: ${after}`);
});
