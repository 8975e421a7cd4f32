/**
 * Vision-stage throughput against bare inference (`npm run bench:vision`), on the same frames in one process:
 * (a) bare: CenterNet `session.run`, one frame at a time, on input tensors made before timing, in a session with
 *     the detector's own options (`sessionOptions(threads)`: same threads, same spinning policy), fetching the
 *     same single output the detector decodes (`tower_0/detections`; fetching all three heads costs ~6-28 ms more
 *     per frame in output copies, for both paths alike).
 * Inputs: six shared street photos, re-encoded first as ingest stores frames (JPEG q85, no metadata).
 * (b) stage: what the `vision.detect` job does per frame (vision/pipeline/detect-upload.ts) minus the database
 *     insert: `analyseFrame` (one decode shared by detector, OCR and crops; detect; OCR on sign candidates; street
 *     names above stop signs) and the review crops (JPEG) written to a blob store, 2 frames in flight as the job
 *     runs it. No blurring: the job does not blur, ingest's BeforeStore hook blurred the frames before storing them.
 * (c) privacy at ingest: what sampling does per kept frame with the hook: `PrivacyBlur.beforeStore` on the decoded
 *     pixels (detect, faces, plates, blur in place), then the one JPEG encode of the blurred pixels; the pixels are
 *     decoded before timing, as sampling has them before encoding. Its own ratio: it is part of ingest's sampling,
 *     not of vision.detect. (Before the hook took pixels it was decode + blur + re-encode of the sampler's JPEG.)
 * (d) bare at the other intra-op thread count (1 or 2): `ratio_to_best_bare` compares the stage with the faster bare
 *     run of each round, so a thread setting cannot flatter the stage.
 * Since the detector runs its session in a worker thread (onnxruntime-node blocks its calling thread for the whole
 * run), the main thread's decode, resize, OCR and crops overlap the inference.
 * The paths alternate for BENCH_ROUNDS rounds so load from other processes hits all alike; each figure is the
 * median over rounds. A serial pass with per-step timers says where the stage's time goes.
 * Last stdout line: {"bench":"vision","fps":...,"ratio_to_bare_run":...} (fps and ratio of (b)).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { encodeRgb } from '../ingest/sample/store-frames.ts';
import { LocalBlobStore } from '../storage/index.ts';
import { headOutputName } from '../vision/detect/onnx-detector.ts';
import { DEFAULT_INTRA_OP_THREADS } from '../vision/detect/session-options.ts';
import {
  analyseFrame,
  decodeRgb,
  encodeJpeg,
  MODEL_PATHS,
  openPrivacyBlur,
  openVisionModels,
  preprocess,
  sessionOptions,
  withOcr,
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
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** The pipeline's own default (session-options.ts) unless MAPMINT_VISION_THREADS says otherwise. */
const threads = Number(process.env.MAPMINT_VISION_THREADS ?? DEFAULT_INTRA_OP_THREADS);
/** Frames in flight in the stage: the job's default (detect-upload.ts, concurrency 2). */
const INFLIGHT = Number(process.env.BENCH_INFLIGHT ?? 2);

/**
 * The stage reads frames as ingest stored them, not the photos' own files (which carry ICC profiles, EXIF, PNG):
 * each photo is decoded and encoded the way the sampler writes a frame (ingest/sample/store-frames.ts). Each image
 * twice per round (12 frames), so a round lasts long enough to average out other processes' bursts.
 */
const frames = (
  await Promise.all(
    NAMES.map(async (n) => {
      const img = await decodeRgb(await readFile(path.join(DATA, 'images', n)));
      return encodeRgb(img.data, img.width, img.height);
    }),
  )
).flatMap((b) => [b, b]);
const dir = await mkdtemp(path.join(tmpdir(), 'mapmint-bench-vision-'));
const blobs = new LocalBlobStore(dir);
const models = await openVisionModels({ model: 'centernet', threads });
const privacy = await openPrivacyBlur({ threads, models: { detector: models.detector, ocr: models.ocr } });

const bare = await ort.InferenceSession.create(MODEL_PATHS.centernetOnnx, sessionOptions(threads));
const spec = { width: 512, height: 512, fit: 'letterbox', layout: 'nhwc', scale: 1, padValue: 0 } as const;
const inputs = await Promise.all(frames.map((f) => preprocess(f, spec)));
/** The output the detector decodes (OnnxDetector.outputName): the bare run fetches exactly what the stage fetches. */
const fetches = [headOutputName('centernet', bare.outputNames)!];
const feed = (i: number) => ({
  [bare.inputNames[0]!]: new ort.Tensor('float32', inputs[i]!.data, [1, 512, 512, 3]),
});

const fps = async (fn: () => Promise<unknown>): Promise<number> => {
  const t = performance.now();
  await fn();
  return frames.length / ((performance.now() - t) / 1000);
};
/**
 * The other thread count's bare run, so the stage is also compared with the best bare throughput this machine
 * gives (1 or 2 intra-op threads), not only with bare at the stage's own setting.
 */
const otherThreads = threads === 1 ? 2 : 1;
const bareOther = await ort.InferenceSession.create(MODEL_PATHS.centernetOnnx, sessionOptions(otherThreads));
/** Every frame through one bare session, one at a time. */
const bareAll = async (session: ort.InferenceSession) => {
  for (let i = 0; i < frames.length; i++) await session.run(feed(i), fetches);
};
const runBareOther = () => fps(() => bareAll(bareOther));
const runBare = () => fps(() => bareAll(bare));
/** The vision.detect job's per-frame work without the database (see detect-upload.ts). */
const runStage = () =>
  fps(() =>
    mapBounded(frames, INFLIGHT, async (jpeg) => {
      const r = await analyseFrame(jpeg, models);
      await Promise.all(r.detections.map((d) => saveCrop(blobs, r.img, d)));
    }),
  );
/** Sampling's per-frame privacy work (store-frames.ts): hook on a copy of the pixels (it blurs in place), encode. */
const pixels = await Promise.all(frames.map((f) => decodeRgb(f)));
const blurAndEncode = async (img: (typeof pixels)[number]) => {
  const frame = await privacy.beforeStore({ rgb: Buffer.from(img.data), width: img.width, height: img.height });
  return encodeJpeg({ data: frame.rgb, width: frame.width, height: frame.height }, 85);
};
const runPrivacy = () => fps(() => mapBounded(pixels, 2, blurAndEncode));

// Warm-up: first runs allocate arenas and pick kernels.
await bare.run(feed(0), fetches);
await bareOther.run(feed(0), fetches);
await runStage();
await blurAndEncode(pixels[0]!);

const rounds: { bare: number; bareOther: number; stage: number; privacy: number }[] = [];
for (let r = 0; r < ROUNDS; r++)
  rounds.push({
    bare: await runBare(),
    bareOther: await runBareOther(),
    stage: await runStage(),
    privacy: await runPrivacy(),
  });

// Where the stage's time goes: one frame at a time, each step timed.
const steps = { decode: 0, detect: 0, ocr: 0, crops: 0 };
for (const jpeg of frames) {
  let t = performance.now();
  const img = await decodeRgb(jpeg);
  steps.decode += performance.now() - t;
  t = performance.now();
  const [dets] = await models.detector.detect([img]);
  steps.detect += performance.now() - t;
  t = performance.now();
  const out = await withOcr(img, dets ?? [], models.ocr);
  steps.ocr += performance.now() - t;
  t = performance.now();
  await Promise.all(out.map((d) => saveCrop(blobs, img, d)));
  steps.crops += performance.now() - t;
}
const bareSerialMs = 1000 / (await runBare());

await privacy.close();
await models.close();
await bare.release();
await bareOther.release();
await rm(dir, { recursive: true, force: true });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ratios = rounds.map((r) => ({ stage: r.stage / r.bare, privacy: r.privacy / r.bare }));
const bareFps = median(rounds.map((r) => r.bare));
const bestRatio = median(rounds.map((r) => r.stage / Math.max(r.bare, r.bareOther)));
const stageFps = median(rounds.map((r) => r.stage));
const privacyFps = median(rounds.map((r) => r.privacy));
const perFrame = Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, Number((v / frames.length).toFixed(1))]));
const r3 = (x: number) => Number(x.toFixed(3));
console.log(
  `frames ${frames.length} x ${ROUNDS} rounds, threads ${threads}, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
for (const [i, r] of rounds.entries())
  console.log(
    `round ${i + 1}: bare ${r.bare.toFixed(2)} fps (${otherThreads} threads: ${r.bareOther.toFixed(2)}), stage ${r.stage.toFixed(2)} fps (${(100 * ratios[i]!.stage).toFixed(0)} %), privacy at ingest ${r.privacy.toFixed(2)} fps (${(100 * ratios[i]!.privacy).toFixed(0)} %)`,
  );
console.log(`serial per frame, ms: bare run ${bareSerialMs.toFixed(1)}, stage steps ${JSON.stringify(perFrame)}`);
console.log(
  JSON.stringify({
    bench: 'vision',
    fps: r3(stageFps),
    ratio_to_bare_run: r3(median(ratios.map((r) => r.stage))),
    bare_fps: r3(bareFps),
    // The stage over the faster bare run of this round (1 or 2 intra-op threads), median over rounds.
    ratio_to_best_bare: r3(bestRatio),
    [`bare_fps_${otherThreads}_threads`]: r3(median(rounds.map((r) => r.bareOther))),
    privacy_at_ingest_fps: r3(privacyFps),
    privacy_at_ingest_ratio: r3(median(ratios.map((r) => r.privacy))),
    step_ms: perFrame,
    frames: frames.length,
    rounds: ROUNDS,
    threads,
    load1: r3(loadavg()[0]!),
  }),
);
