import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { decodeYolo, OnnxDetector, parseUltralyticsNames, readLabelsFile, yoloFormat } from '../../vision/index.ts';
import { buildYoloModel } from './support/yolo-graph.ts';

const SIZE = 64;
const NAMES = "{0: 'person', 1: 'car', 2: 'stop sign'}";
// Anchors in model pixels: [cx, cy, w, h, scores for person, car, stop sign].
const ANCHORS = [
  [20, 30, 10, 20, 0.9, 0.1, 0], // person 0.9: kept
  [21, 30, 10, 20, 0.8, 0, 0], // person 0.8, IoU 0.82 with the first: suppressed by NMS
  [21, 30, 10, 20, 0, 0, 0.7], // stop sign on the same spot: kept (NMS is per class)
  [50, 40, 8, 8, 0, 0.2, 0], // car 0.2: below the 0.3 threshold
];

let dir = '';
let whitePng: Buffer;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mapmint-yolo-'));
  // 128x64 white image: letterboxed to 64x64 it scales by 0.5 with 16 px of padding above and below.
  whitePng = await sharp({ create: { width: 128, height: 64, channels: 3, background: '#ffffff' } })
    .png()
    .toBuffer();
});
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

function v8Head(): Float32Array {
  const n = ANCHORS.length;
  const head = new Float32Array(7 * n);
  ANCHORS.forEach((a, i) => {
    for (let ch = 0; ch < 7; ch++) head[ch * n + i] = a[ch]!;
  });
  return head;
}

function v5Head(): Float32Array {
  // v5 rows: [cx, cy, w, h, objectness, class scores...]; score = objectness * class score.
  const rows = [
    [20, 30, 10, 20, 0.9, 1, 0, 0], // person 0.9
    [40, 30, 10, 10, 0.5, 0, 0, 0.9], // stop sign 0.45
    [50, 40, 8, 8, 0.2, 0, 1, 0], // objectness 0.2: dropped
  ];
  return Float32Array.from(rows.flat());
}

async function detectWith(head: Float32Array, dims: number[], name: string) {
  const file = path.join(dir, `${name}.onnx`);
  await writeFile(file, buildYoloModel({ size: SIZE, head, headDims: dims, names: NAMES }));
  const det = await OnnxDetector.create({ modelPath: file, head: 'yolo', intraOpNumThreads: 1 });
  try {
    return await det.detect([whitePng, whitePng]);
  } finally {
    await det.close();
  }
}

const round = (b: { x1: number; y1: number; x2: number; y2: number }) =>
  [b.x1, b.y1, b.x2, b.y2].map((v) => Math.round(v * 100) / 100);

test('YOLOv8/11 head [1, 4+C, N] through onnxruntime: NMS per class, threshold, un-letterboxed boxes, names', async () => {
  const [first, second] = await detectWith(v8Head(), [1, 7, ANCHORS.length], 'v8');
  assert.deepEqual(first, second, 'same image twice in one batch gives the same detections');
  assert.deepEqual(
    first?.map((d) => [d.label, Math.round(d.score * 100) / 100, round(d.box), d.feature]),
    [
      // person box (15, 20)-(25, 40) in model pixels -> x / 0.5, (y - 16) / 0.5 in the image.
      ['person', 0.9, [30, 8, 50, 48], 'object--person'],
      ['stop sign', 0.7, [32, 8, 52, 48], 'regulatory--stop'],
    ],
  );
});

test('YOLOv5 head [1, N, 5+C]: score is objectness x class score', async () => {
  const [first] = await detectWith(v5Head(), [1, 3, 8], 'v5');
  assert.deepEqual(
    first?.map((d) => [d.label, Math.round(d.score * 100) / 100, round(d.box)]),
    [
      ['person', 0.9, [30, 8, 50, 48]],
      ['stop sign', 0.45, [70, 18, 90, 38]],
    ],
  );
});

test('yoloFormat tells v5 from v8 by shape and refuses ambiguous or foreign shapes', () => {
  assert.equal(yoloFormat([1, 84, 8400], 80), 'v8');
  assert.equal(yoloFormat([1, 25200, 85], 80), 'v5');
  assert.throws(() => yoloFormat([1, 84, 85], 80), /ambiguous/);
  assert.throws(() => yoloFormat([1, 10, 10], 80), /not a YOLO head/);
  assert.throws(() => yoloFormat([84, 8400], 80), /3-D/);
  // An explicit format resolves the ambiguous case.
  const data = new Float32Array(84 * 85);
  assert.deepEqual(decodeYolo({ data, dims: [1, 84, 85] }, 0, { numClasses: 80, minScore: 0.3, format: 'v8' }), []);
});

test('class names: Ultralytics metadata dict, JSON array and one-per-line labels files', async () => {
  assert.deepEqual(parseUltralyticsNames(NAMES), ['person', 'car', 'stop sign']);
  assert.deepEqual(parseUltralyticsNames(`{0: "it's", 1: 'a\\'b'}`), ["it's", "a'b"]);
  assert.equal(parseUltralyticsNames('{0: "a", 2: "c"}'), undefined, 'a gap in the ids is not a names dict');
  assert.equal(parseUltralyticsNames('person'), undefined);
  const lines = path.join(dir, 'labels.txt');
  await writeFile(lines, 'person\ncar\nstop sign\n');
  assert.deepEqual(await readLabelsFile(lines), ['person', 'car', 'stop sign']);
  const json = path.join(dir, 'labels.json');
  await writeFile(json, '["a", "b"]');
  assert.deepEqual(await readLabelsFile(json), ['a', 'b']);
});
