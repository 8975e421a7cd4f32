import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { convertCenterNet, convertGraphModel, iou, MODEL_PATHS, readGraphModel } from '../../vision/index.ts';
import { sharedFile } from '../support/shared-data.ts';
import { CENTERNET_ABSENT } from './support/models.ts';
import { loadLocalGraphModel, runTfjs } from './support/tfjs-reference.ts';

const IMAGES = ['yolov5_bus.jpg', 'mapillary_DSC00001.jpg', 'udacity_highway_test1.jpg'];
const OUTPUTS = ['tower_0/keypoints', 'tower_0/wh', 'tower_0/detections'];

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

type Row = { box: { x1: number; y1: number; x2: number; y2: number }; score: number; cls: number };
function rows(d: Float32Array, minScore: number): Row[] {
  const out: Row[] = [];
  for (let i = 0; i < d.length; i += 6) {
    if (d[i + 4]! > minScore)
      out.push({ box: { x1: d[i]!, y1: d[i + 1]!, x2: d[i + 2]!, y2: d[i + 3]! }, score: d[i + 4]!, cls: d[i + 5]! });
  }
  return out;
}

test('converted CenterNet matches tfjs-wasm on real photos', { skip: CENTERNET_ABSENT, timeout: 60_000 }, async () => {
  await convertCenterNet();
  const session = await ort.InferenceSession.create(MODEL_PATHS.centernetOnnx);
  const tfModel = await loadLocalGraphModel(MODEL_PATHS.centernetJson);
  const report: Record<string, unknown>[] = [];
  for (const name of IMAGES) {
    // Same input for both runtimes: the photo stretched to 512x512, RGB 0-255 (the model's own convention).
    const raw = await sharp(sharedFile('images', name))
      .removeAlpha()
      .resize(512, 512, { fit: 'fill' })
      .raw()
      .toBuffer();
    const x = Float32Array.from(raw);
    const ref = await runTfjs(tfModel, x, [1, 512, 512, 3], OUTPUTS);
    const got = await session.run({ 'tower_0/images': new ort.Tensor('float32', x, [1, 512, 512, 3]) });
    const diffs = OUTPUTS.map((o, i) => maxAbsDiff(ref[i]!, got[o]!.data as Float32Array));
    const [kp, wh, det] = diffs as [number, number, number];
    // Heatmap is a sigmoid in [0, 1]; wh/detections are pixel distances up to 512: float32 reordering noise only.
    assert.ok(kp < 1e-4, `${name}: keypoints max |diff| ${kp}`);
    assert.ok(wh < 0.05, `${name}: wh max |diff| ${wh}`);
    assert.ok(det < 0.05, `${name}: detections max |diff| ${det}`);
    const a = rows(ref[2]!, 0.3);
    const b = rows(got['tower_0/detections']!.data as Float32Array, 0.3);
    assert.ok(a.length > 0, `${name}: tfjs found nothing above 0.3`);
    assert.equal(b.length, a.length, `${name}: detection count`);
    a.forEach((r, i) => {
      const s = b[i]!;
      assert.equal(s.cls, r.cls, `${name} #${i} class`);
      assert.ok(Math.abs(s.score - r.score) < 1e-3, `${name} #${i} score`);
      assert.ok(iou(s.box, r.box) > 0.9, `${name} #${i} IoU ${iou(s.box, r.box)}`);
    });
    report.push({ image: name, keypoints: kp, wh, detections: det, agreeing: a.length });
  }
  await session.release();
  console.log(JSON.stringify({ parity: report }));
});

test('conversion is deterministic: two conversions give identical bytes', { skip: CENTERNET_ABSENT }, async () => {
  const model = await readGraphModel(MODEL_PATHS.centernetJson);
  const a = convertGraphModel(model);
  const b = convertGraphModel(await readGraphModel(MODEL_PATHS.centernetJson));
  assert.ok(Buffer.from(a).equals(Buffer.from(b)));
  // The cached file is the same conversion plus metadata: re-running the cache step does not rewrite it.
  const before = await readFile(MODEL_PATHS.centernetOnnx);
  assert.equal((await convertCenterNet()).status, 'cached');
  assert.ok(before.equals(await readFile(MODEL_PATHS.centernetOnnx)));
});
