/**
 * Vision-stage throughput against bare inference (`npm run bench:vision`): the same frames through (a) bare
 * CenterNet `session.run` on pre-made input tensors and (b) the stage: decode + preprocess, detect, OCR on sign
 * candidates, privacy regions + blur + JPEG encode, review crops written to a blob store (2 frames in flight).
 * Also (c) the detection stage alone (no face/plate search: ingest's BeforeStore already blurred the frames).
 * Last stdout line: {"bench":"vision","fps":...,"ratio_to_bare_run":...}.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { LocalBlobStore } from '../storage/index.ts';
import {
  analyseFrame,
  blurRegions,
  encodeJpeg,
  findPrivacyRegions,
  MODEL_PATHS,
  openPrivacyBlur,
  openVisionModels,
  preprocess,
} from '../vision/index.ts';
import { mapBounded } from '../vision/pipeline/run-bounded.ts';
import { saveCrop } from '../vision/pipeline/store-detections.ts';

const DATA = process.env.MAPMINT_SHARED_DATA ?? path.resolve(import.meta.dirname, '..', '..', 'shared', 'data');
const NAMES = [
  'udacity_highway_test1.jpg',
  'udacity_highway_test4.jpg',
  'alpr_us_22e54a62.jpg',
  'roadsign_road554.png',
  'udacity_lanes_solidWhiteRight.jpg',
  'alpr_us_1e241dc8.jpg',
];
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const threads = Number(process.env.MAPMINT_VISION_THREADS ?? 2);

const frames = (await Promise.all(NAMES.map((n) => readFile(path.join(DATA, 'images', n))))).flatMap((b) =>
  Array.from({ length: ROUNDS }, () => b),
);
const dir = await mkdtemp(path.join(tmpdir(), 'mapmint-bench-vision-'));
const blobs = new LocalBlobStore(dir);
const models = await openVisionModels({ model: 'centernet', threads });
const privacy = await openPrivacyBlur({ threads, models: { detector: models.detector, ocr: models.ocr } });

// (a) bare session.run on the same model, same threads, inputs prepared outside the timed loop.
const bare = await ort.InferenceSession.create(MODEL_PATHS.centernetOnnx, {
  intraOpNumThreads: threads,
  graphOptimizationLevel: 'all',
});
const spec = { width: 512, height: 512, fit: 'letterbox', layout: 'nhwc', scale: 1, padValue: 0 } as const;
const inputs = await Promise.all(frames.map((f) => preprocess(f, spec)));
const feed = (i: number) => ({
  [bare.inputNames[0]!]: new ort.Tensor('float32', inputs[i]!.data, [1, 512, 512, 3]),
});
await bare.run(feed(0));
let t0 = performance.now();
for (let i = 0; i < frames.length; i++) await bare.run(feed(i));
const bareFps = frames.length / ((performance.now() - t0) / 1000);

/** The full stage on one frame. */
async function fullStage(jpeg: Buffer, withPrivacy: boolean): Promise<void> {
  const r = await analyseFrame(jpeg, models);
  if (withPrivacy) {
    const [dets] = await models.detector.detect([jpeg]);
    const regions = await findPrivacyRegions(r.img, dets ?? [], privacy.models);
    await blurRegions(
      r.img,
      regions.map((x) => x.box),
    );
    await blobs.putBuffer(await encodeJpeg(r.img));
  }
  await Promise.all(r.detections.map((d) => saveCrop(blobs, r.img, d)));
}

await fullStage(frames[0]!, true);
const timed = async (withPrivacy: boolean) => {
  const t = performance.now();
  await mapBounded(frames, 2, (f) => fullStage(f, withPrivacy));
  return frames.length / ((performance.now() - t) / 1000);
};
const detectFps = await timed(false);
t0 = performance.now();
const fullFps = await timed(true);

await privacy.close();
await models.close();
await bare.release();
await rm(dir, { recursive: true, force: true });
console.log(
  `frames ${frames.length}, threads ${threads}: bare run ${bareFps.toFixed(2)} fps, detect stage ${detectFps.toFixed(2)} fps (${((100 * detectFps) / bareFps).toFixed(0)} %), with privacy blur ${fullFps.toFixed(2)} fps`,
);
console.log(
  JSON.stringify({
    bench: 'vision',
    fps: Number(fullFps.toFixed(3)),
    ratio_to_bare_run: Number((fullFps / bareFps).toFixed(3)),
    bare_fps: Number(bareFps.toFixed(3)),
    detect_stage_fps: Number(detectFps.toFixed(3)),
    detect_stage_ratio: Number((detectFps / bareFps).toFixed(3)),
    frames: frames.length,
  }),
);
