import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  createDetector,
  type Detector,
  decodeRgb,
  iou,
  normalisePlate,
  OcrEngine,
  readSign,
  readStreetNames,
} from '../../vision/index.ts';
import { sharedFile } from '../support/shared-data.ts';
import { ALPR_IMAGES, labelledObjects } from './support/labels.ts';

let ocr: OcrEngine;
let detector: Detector;
before(async () => {
  [ocr, detector] = await Promise.all([
    OcrEngine.create({ threads: 2 }),
    createDetector({ model: 'centernet', threads: 2 }),
  ]);
});
after(async () => {
  await Promise.all([ocr.close(), detector.close()]);
});

test('OCR reads the annotated plate texts (openalpr frames + paddle_car_plate.jpg)', { timeout: 60_000 }, async () => {
  const cases = ALPR_IMAGES.map((f) => ({ f, truth: labelledObjects(f).find((o) => o.class === 'license_plate')! }));
  let read = 0;
  const got: string[] = [];
  for (const { f, truth } of cases) {
    const img = await decodeRgb(sharedFile('images', f));
    // The text line the detector finds best overlapping the annotated plate, read by the recogniser.
    const lines = await ocr.read(img, undefined, {});
    const best = lines.sort((a, b) => iou(b.box, truth.box) - iou(a.box, truth.box))[0];
    assert.ok(best && iou(best.box, truth.box) > 0.5, `${f}: a text line on the plate`);
    got.push(`${f}: ${best.text} vs ${truth.text}`);
    if (normalisePlate(best.text) === normalisePlate(truth.text!)) read++;
  }
  const img = await decodeRgb(sharedFile('images', 'paddle_car_plate.jpg'));
  const texts = (await ocr.read(img)).map((l) => normalisePlate(l.text));
  got.push(`paddle_car_plate.jpg: ${texts.join(',')}`);
  if (texts.includes('DR68651')) read++;
  console.log(`plate OCR exact (ignoring spaces/case/punctuation): ${read}/5\n${got.join('\n')}`);
  // Measured 3/5: 0SG719 is read OG719 and CCLVN3 CLVW-3 (low-resolution 31 px plates).
  assert.ok(read >= 3, `plates read: ${read}/5`);
});

test('the speed-limit sign in roadsign_road554.png reads 40', { timeout: 30_000 }, async () => {
  const truth = labelledObjects('roadsign_road554.png').find((o) => o.class === 'speedlimit')!.box;
  const file = sharedFile('images', 'roadsign_road554.png');
  const [dets] = await detector.detect([file]);
  const sign = (dets ?? []).find((d) => iou(d.box, truth) >= 0.8);
  assert.ok(sign, 'the sign is detected at IoU >= 0.8');
  const r = await readSign(await decodeRgb(file), sign, ocr);
  assert.equal(r.feature, 'speed-limit');
  assert.equal(r.value, '40');
});

test('the stop sign in mapillary_DSC00001.jpg reads STOP and stays a stop sign', { timeout: 30_000 }, async () => {
  const file = sharedFile('images', 'mapillary_DSC00001.jpg');
  const [dets] = await detector.detect([file]);
  const stop = (dets ?? []).find((d) => d.feature === 'regulatory--stop');
  assert.ok(stop);
  const img = await decodeRgb(file);
  const r = await readSign(img, stop, ocr);
  assert.equal(r.feature, 'regulatory--stop');
  assert.match(r.text ?? '', /STOP/);
  const names = await readStreetNames(img, stop.box, ocr);
  console.log(
    'street names read above the stop sign:',
    names.map((n) => n.value),
  );
  // The plates say "SE 88th" and "SE MORRISON ST": the long one is read (partly: "SE HORISON") on top of the sign
  // (its centre above the top quarter of the stop sign; the plate overlaps the detector's loose sign box).
  const top = stop.box.y1 + 0.25 * (stop.box.y2 - stop.box.y1);
  assert.ok(
    names.some((n) => /SE.*R.*SON/i.test(n.value) && (n.box.y1 + n.box.y2) / 2 < top),
    'street name above',
  );
});
