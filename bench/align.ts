/**
 * Alignment benchmark: video<->GPS time offsets recovered from the video's own motion (ingest/motion), on drives
 * whose true offset is known, with the clock's claim shifted by -20 to +20 s:
 * - real: the KITTI car drive (../shared/data/drives/kitti_2011_09_26_drive_0001: video and GPS/IMU on one clock,
 *   true offset 0; 11 s of steady deceleration, no stop, no turn) and the two GoPro clips in ../shared/data/video
 *   (GPMF on the media clock: the true t0 is the embedded telemetry's; one walk, one Karma drone flight);
 * - generated: seeded demo drives (demo/, 45 s from a stop sign: stops, turns; ground texture on) cached under
 *   .mapmint/bench-cache/.
 * Each case asks the aligner for the offset around the shifted claim (+-30 s). A confident answer's error is
 * |claim + offset - truth|; an unknown counts as `failed`; a confident answer more than 0.5 s off counts as
 * `confident_wrong` (the figure that must stay 0).
 * cost_ratio: the ingest of every input (probe, read track, place, sample frames into a scratch database) with the
 * motion pass and the offset search, over the same ingest without them, same inputs, same run, alternating order;
 * `cost_ratio_with_privacy` the same with the privacy blur the worker runs on every kept frame (skip:
 * MAPMINT_BENCH_PRIVACY=0).
 * Prints details to stderr and the JSON line last on stdout. Run: `npm run bench:align`.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Track } from '../core/index.ts';
import type { Sql } from '../db/connect.ts';
import { stateDir } from '../db/paths.ts';
import { generateDrive } from '../demo/index.ts';
import { checkVideoMotion, type MotionProfile, measureMotion } from '../ingest/motion/index.ts';
import { type BeforeStore, sampleFrames } from '../ingest/sample/index.ts';
import { readTrack } from '../ingest/telemetry/index.ts';
import { alignVideoToTrack, probeVideo, type VideoProbe } from '../ingest/video/index.ts';
import { LocalBlobStore } from '../storage/index.ts';
import { seedDevice, seedUpload } from '../test/support/seed.ts';
import { openPrivacyBlur, openVisionModels } from '../vision/index.ts';
import { createScratchDatabase } from './support/scratch-db.ts';

const SHARED = path.resolve(import.meta.dirname, '..', '..', 'shared', 'data');
const SHIFTS_S = [-20, -7, -2, -0.5, 0.5, 2, 7, 20];
const GENERATED_SEEDS = [11, 12, 13];
/** A confident answer farther than this from the truth is wrong, ms. */
const WRONG_MS = 500;

/** One input: where its video and track are, and the true t0 of the video on the track's clock. */
interface Input {
  name: string;
  kind: 'real' | 'generated';
  video: string;
  track: string;
  trueT0(probe: VideoProbe, track: Track): number;
}

/** The generated drive for `seed` under .mapmint/bench-cache/, rendered when missing. */
async function generated(seed: number): Promise<Input> {
  const options = {
    seed,
    route: { durationS: 45, start: 'stop-sign' as const },
    gps: { rateHz: 5 },
    video: { width: 320, height: 180, fps: 15, groundTexture: true },
  };
  const key = createHash('sha256').update(JSON.stringify(options)).digest('hex').slice(0, 16);
  const outDir = path.join(stateDir(), 'bench-cache', `align-${key}`);
  if (!existsSync(path.join(outDir, 'manifest.json'))) {
    process.stderr.write(`generating ${outDir}...\n`);
    await generateDrive({ ...options, outDir, pbf: false });
  }
  const start = Date.parse(JSON.parse(readFileSync(path.join(outDir, 'manifest.json'), 'utf8')).startTime);
  return {
    name: `generated-${seed}`,
    kind: 'generated',
    video: path.join(outDir, 'drive.mp4'),
    track: path.join(outDir, 'track.gpx'),
    trueT0: () => start,
  };
}

/** The real inputs in ../shared/data. */
function realInputs(): Input[] {
  const kitti = path.join(SHARED, 'drives', 'kitti_2011_09_26_drive_0001');
  const gopro = (file: string): Input => ({
    name: file.replace(/\.mp4$/, ''),
    kind: 'real',
    video: path.join(SHARED, 'video', file),
    track: path.join(SHARED, 'video', file),
    // GPMF is timed on the media clock: the embedded-telemetry placement is the truth.
    trueT0: (probe, track) => alignVideoToTrack({ probe, track, embedded: true }).t0Ms,
  });
  return [
    {
      name: 'kitti_2011_09_26_drive_0001',
      kind: 'real',
      video: path.join(kitti, 'video.mp4'),
      track: path.join(kitti, 'gps.gpx'),
      // Frame k's time is fix k's (README.md): the video's t = 0 is the first fix.
      trueT0: (_probe, track) => track.points[0]!.t,
    },
    gopro('gopro_max_heromode.mp4'),
    gopro('gopro_hero5_karma.mp4'),
  ];
}

/** One alignment case's outcome. */
interface Case {
  input: string;
  kind: Input['kind'];
  shiftS: number;
  errorMs: number | undefined;
  bestErrorMs: number;
  confidence: number;
}

/** All shifted cases of one input (the motion is measured once: it does not depend on the claim). */
async function alignCases(input: Input): Promise<Case[]> {
  const probe = await probeVideo(input.video);
  const track = await readTrack({ path: input.track });
  const truth = input.trueT0(probe, track);
  const profile: MotionProfile = await measureMotion(probe);
  const out: Case[] = [];
  for (const shiftS of SHIFTS_S) {
    const claimed = truth + shiftS * 1000;
    const r = await checkVideoMotion({ probe, track, claimedT0Ms: claimed, claimedBy: 'creation_time', profile });
    const err = (off: number): number => Math.abs(claimed + off - truth);
    out.push({
      input: input.name,
      kind: input.kind,
      shiftS,
      errorMs: r.motion.offsetMs !== undefined ? err(r.motion.offsetMs) : undefined,
      bestErrorMs: err(r.motion.bestMs),
      confidence: r.motion.confidence,
    });
  }
  return out;
}

/** Ingest of one input, as the pipeline does it, with or without the motion alignment; wall seconds. */
async function ingestOnce(
  input: Input,
  withMotion: boolean,
  db: { sql: Sql; uploadId: string },
  beforeStore?: BeforeStore,
): Promise<number> {
  const blobDir = mkdtempSync(path.join(tmpdir(), 'mapmint-bench-align-'));
  try {
    const t = performance.now();
    const probe = await probeVideo(input.video);
    const track = await readTrack({ path: input.track });
    // KITTI's video has no creation_time: its clock is the manifest start a client would send (the truth here).
    const startTime = input.trueT0(probe, track);
    let align = alignVideoToTrack({ probe, track, embedded: input.video === input.track, startTime });
    if (withMotion) {
      const r = await checkVideoMotion({ probe, track, claimedT0Ms: align.t0Ms, claimedBy: align.source });
      if (r.motion.offsetMs !== undefined) align = { ...align, t0Ms: align.t0Ms + r.motion.offsetMs };
    }
    const blobs = new LocalBlobStore(blobDir);
    await sampleFrames({ video: probe, track, align, blobs, db, ...(beforeStore ? { beforeStore } : {}) });
    return (performance.now() - t) / 1000;
  } finally {
    rmSync(blobDir, { recursive: true, force: true });
  }
}

/** Sum of ingest wall times over the inputs, with and without motion, alternating which goes first. */
async function costRatio(
  inputs: Input[],
  rounds: number,
  beforeStore?: BeforeStore,
): Promise<{ with: number; without: number }> {
  const db = await createScratchDatabase({ prefix: 'mapmint_bench_align' });
  const { sql } = db;
  try {
    const device = await seedDevice(sql, { model: 'bench-align' });
    const upload = async (): Promise<string> => (await seedUpload(sql, { device })).uploadId;
    const total = { with: 0, without: 0 };
    for (let r = 0; r < rounds; r++) {
      for (const [i, input] of inputs.entries()) {
        const order = (r + i) % 2 === 0 ? [false, true] : [true, false];
        for (const withMotion of order) {
          const s = await ingestOnce(input, withMotion, { sql, uploadId: await upload() }, beforeStore);
          total[withMotion ? 'with' : 'without'] += s;
        }
      }
    }
    return total;
  } finally {
    await db.drop();
  }
}

/**
 * The same cost with the privacy blur the worker always runs on kept frames (models opened and warmed up before the
 * clock): what a deployment really pays for the motion pass. One round.
 */
async function privacyCost(inputs: Input[]): Promise<{ with: number; without: number }> {
  const models = await openVisionModels();
  const privacy = await openPrivacyBlur({ models: { detector: models.detector, ocr: models.ocr } });
  try {
    await privacy.beforeStore({ rgb: Buffer.alloc(320 * 180 * 3, 128), width: 320, height: 180 });
    const cost = await costRatio(inputs, 1, (frame) => privacy.beforeStore(frame));
    process.stderr.write(
      `with the privacy blur: ${cost.without.toFixed(2)} s without alignment, ${cost.with.toFixed(2)} s with\n`,
    );
    return cost;
  } finally {
    await privacy.close();
    await models.close();
  }
}

/** The q-quantile of sorted values (nearest rank). */
function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

const inputs = [...realInputs()];
for (const seed of GENERATED_SEEDS) inputs.push(await generated(seed));
const cases: Case[] = [];
for (const input of inputs) {
  const got = await alignCases(input);
  cases.push(...got);
  for (const c of got)
    process.stderr.write(
      `${c.input.padEnd(30)} shift ${String(c.shiftS).padStart(5)} s  ${c.errorMs !== undefined ? `error ${Math.round(c.errorMs)} ms` : 'unknown'.padEnd(14)}  (best ${Math.round(c.bestErrorMs)} ms, confidence ${c.confidence})\n`,
    );
}
const confident = cases.filter((c) => c.errorMs !== undefined);
const errors = confident.map((c) => c.errorMs as number).sort((a, b) => a - b);
const wrong = confident.filter((c) => (c.errorMs as number) > WRONG_MS).length;
const cost = await costRatio(inputs, 2);
process.stderr.write(
  `ingest wall time: ${cost.without.toFixed(2)} s without alignment, ${cost.with.toFixed(2)} s with\n`,
);
const withPrivacy = process.env.MAPMINT_BENCH_PRIVACY === '0' ? undefined : await privacyCost(inputs);
const byKind = (k: Input['kind']) => {
  const e = confident
    .filter((c) => c.kind === k)
    .map((c) => c.errorMs as number)
    .sort((a, b) => a - b);
  return {
    cases: cases.filter((c) => c.kind === k).length,
    aligned: e.length,
    median_error_ms: Math.round(quantile(e, 0.5)),
  };
};
console.log(
  JSON.stringify({
    bench: 'align',
    median_error_ms: Math.round(quantile(errors, 0.5)),
    p90_error_ms: Math.round(quantile(errors, 0.9)),
    failed: cases.length - confident.length,
    confident_wrong: wrong,
    cases: cases.length,
    real: byKind('real'),
    generated: byKind('generated'),
    cost_ratio: Math.round((cost.with / cost.without) * 1000) / 1000,
    ...(withPrivacy
      ? { cost_ratio_with_privacy: Math.round((withPrivacy.with / withPrivacy.without) * 1000) / 1000 }
      : {}),
  }),
);
