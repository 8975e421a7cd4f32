import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import sharp, { type Sharp } from 'sharp';
import { destination, haversine, headingDelta } from '../../core/geo.ts';
import type { Track } from '../../core/track.ts';
import { type DemoDrive, generateDrive } from '../../demo/index.ts';
import {
  DEFAULT_QUALITY,
  encodeRgb,
  fallbackRuns,
  greyQuality,
  insertFrames,
  matrixFor,
  qualityVerdict,
  sampleFrames,
  yuv420ToRgb,
} from '../../ingest/sample/index.ts';
import { readTrack } from '../../ingest/telemetry/index.ts';
import { alignVideoToTrack, FFMPEG_PATH, probeVideo } from '../../ingest/video/index.ts';
import { LocalBlobStore } from '../../storage/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { seedUpload } from '../support/seed.ts';
import { sharedFile } from '../support/shared-data.ts';

const INTERVAL = 4;
let dir = '';
let drive: DemoDrive;
let db: TestDatabase;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mapmint-sample-video-'));
  // Starts 60 m before a stop sign, waits there, then drives on through the junction.
  drive = await generateDrive({
    outDir: dir,
    seed: 21,
    pbf: false,
    route: { durationS: 24, start: 'stop-sign' },
    video: { width: 320, height: 180, fps: 10 },
  });
  db = await createTestDatabase();
});
after(async () => {
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** True route distance at a time, interpolated from truth.json's antenna track. */
function trueS(t: number): number {
  const tr = drive.truth.track;
  let i = 0;
  while (i < tr.length - 2 && (tr[i + 1]?.t ?? 0) < t) i++;
  const a = tr[i]!;
  const b = tr[i + 1]!;
  return a.s + ((t - a.t) / (b.t - a.t)) * (b.s - a.s);
}

async function uploadRow(): Promise<string> {
  return (await seedUpload(db.sql, { byteSize: 0 })).uploadId;
}

test('demo drive: spacing along the true route, no frames while stopped, poses near truth, rows idempotent', async () => {
  const track = await readTrack({ path: drive.paths.csv });
  const probe = await probeVideo(drive.paths.video as string);
  const align = alignVideoToTrack({ probe, track });
  const blobs = new LocalBlobStore(path.join(dir, 'blobs'));
  const uploadId = await uploadRow();
  const seen: string[] = [];
  const { frames, stats } = await sampleFrames({
    video: probe,
    track,
    align,
    blobs,
    db: { sql: db.sql, uploadId },
    beforeStore: async (f) => {
      seen.push(f.rgb.length === f.width * f.height * 3 ? 'rgb' : `${f.rgb.length} bytes`);
      return f;
    },
  });
  assert.ok(frames.length >= 10, `kept ${frames.length}`);
  assert.equal(stats.inserted, frames.length);
  assert.ok(stats.stationary > 0, 'the drive stops at the stop sign');
  assert.deepEqual(
    seen,
    frames.map(() => 'rgb'),
    "beforeStore sees each frame's RGB24 pixels before storage",
  );
  // None kept while stopped: the true speed at every kept frame is above walking pace.
  const truthFrames = drive.truth.frames;
  const errs: number[] = [];
  const herrs: number[] = [];
  for (const f of frames) {
    const truth = truthFrames[f.source as number]!;
    assert.ok(Math.abs(truth.t - f.t) < 1, 'frame time = start + index / fps');
    errs.push(haversine(f.lat, f.lon, truth.lat, truth.lon));
    if (f.headingDeg !== null) herrs.push(Math.abs(headingDelta(f.headingDeg, truth.heading)));
    const s0 = trueS(truth.t - 250);
    const s1 = trueS(truth.t + 250);
    assert.ok((s1 - s0) / 0.5 > 0.3, `frame ${f.source} kept while stationary`);
  }
  const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);
  const med = sorted(errs)[errs.length >> 1]!;
  assert.ok(med < 6, `median position error ${med.toFixed(1)} m`);
  assert.ok(sorted(errs)[Math.floor(errs.length * 0.95)]! < 12, 'p95 position error');
  assert.ok(sorted(herrs)[herrs.length >> 1]! < 4, `median heading error ${sorted(herrs)[herrs.length >> 1]}`);
  // Spacing along the TRUE route: distance picks are INTERVAL apart within GPS-speed error and one frame step.
  let prev: (typeof frames)[number] | undefined;
  for (const f of frames) {
    if (prev && f.reason === 'distance') {
      const gap = trueS(f.t) - trueS(prev.t);
      assert.ok(gap > INTERVAL - 1.5 && gap < INTERVAL + 3, `gap ${gap.toFixed(2)} m before frame ${f.source}`);
    }
    prev = f;
  }
  for (const f of frames.slice(0, 3)) {
    const m = await sharp(await blobs.getBuffer(f.blobKey)).metadata();
    assert.deepEqual([m.format, m.width, m.height], ['jpeg', 320, 180]);
  }
  const rows =
    await db.sql`select idx, ST_X(geom) as lon, ST_Y(geom) as lat, ST_SRID(geom) as srid, blob_key, quality from frames where upload_id = ${uploadId} order by idx`;
  assert.equal(rows.length, frames.length);
  assert.equal(rows[0]!.srid, 4326);
  assert.ok(Math.abs(rows[0]!.lon - frames[0]!.lon) < 1e-9 && rows[0]!.blob_key === frames[0]!.blobKey);
  assert.equal(await insertFrames(db.sql, uploadId, frames), 0, 'a rerun inserts nothing');
  const again = await sampleFrames({ video: probe, track, align, blobs, db: { sql: db.sql, uploadId } });
  assert.equal(again.stats.inserted, 0);
  assert.deepEqual(
    again.frames.map((f) => f.blobKey),
    frames.map((f) => f.blobKey),
    'deterministic',
  );
  const [{ n }] = (await db.sql`select count(*)::int as n from frames where upload_id = ${uploadId}`) as unknown as [
    { n: number },
  ];
  assert.equal(n, frames.length);
});

test('heading-change frames at a turn', async () => {
  const track = await readTrack({ path: drive.paths.csv });
  const probe = await probeVideo(drive.paths.video as string);
  const align = alignVideoToTrack({ probe, track });
  // A long interval leaves only the heading rule to fire in the corner.
  const { frames } = await sampleFrames({
    video: probe,
    track,
    align,
    blobs: new LocalBlobStore(path.join(dir, 'b2')),
    opts: { intervalM: 500 },
  });
  const hs = drive.truth.frames.map((f) => f.heading);
  const turn = Math.abs(headingDelta(hs[hs.length - 1]!, hs[0]!));
  const byHeading = frames.filter((f) => f.reason === 'heading').length;
  if (turn > 45) assert.ok(byHeading >= 2, `a ${turn.toFixed(0)} deg turn gave ${byHeading} heading frames`);
  else assert.equal(byHeading, 0, 'straight drive, no heading frames');
});

test('udacity clip on a synthetic straight track: all sharp, one frame per 4 m', async () => {
  const file = sharedFile('video', 'dashcam_nogps_udacity_solidWhiteRight.mp4');
  const probe = await probeVideo(file);
  const t0 = Date.UTC(2024, 0, 1);
  const points = Array.from({ length: 11 }, (_, i) => {
    const [lat, lon] = destination(37.4, -122.1, 0, 20 * i);
    return { t: t0 + i * 1000, lat, lon, speed: 20, heading: 0 };
  });
  const track: Track = { format: 'csv', points };
  const { frames, stats } = await sampleFrames({
    video: probe,
    track,
    align: t0,
    blobs: new LocalBlobStore(path.join(dir, 'b3')),
  });
  const expected = Math.floor((probe.durationS * 20) / INTERVAL);
  assert.ok(Math.abs(frames.length - expected) <= 2, `${frames.length} vs ${expected}`);
  assert.equal(stats.blurred + stats.dark, 0);
  for (let i = 1; i < frames.length; i++)
    assert.equal((frames[i]!.source as number) - (frames[i - 1]!.source as number), 5);
});

test('blur and dark: the original is kept, sigma-5 blur and a darkened copy are dropped', async () => {
  // The calibration clip's own still (960x540). At 1280 px a sigma-5 blur of a busy frame still scores ~22 (README).
  const stills = [sharedFile('images', 'udacity_lanes_solidWhiteRight.jpg')];
  for (const file of stills) {
    const grey = async (img: Sharp) => {
      const { data, info } = await img.greyscale().raw().toBuffer({ resolveWithObject: true });
      return greyQuality(data, { width: info.width, height: info.height });
    };
    assert.equal(qualityVerdict(await grey(sharp(file)), DEFAULT_QUALITY), undefined, file);
    assert.equal(qualityVerdict(await grey(sharp(file).blur(5)), DEFAULT_QUALITY), 'blurred', file);
    assert.equal(qualityVerdict(await grey(sharp(file).linear(0.25, 0)), DEFAULT_QUALITY), 'dark', file);
  }
});

/** Runs ffmpeg with an argument array; resolves with its stdout. */
function ffmpeg(args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const ff = spawn(FFMPEG_PATH, ['-v', 'error', ...args]);
    const out: Buffer[] = [];
    ff.stdout.on('data', (b: Buffer) => out.push(b));
    ff.on('error', reject);
    ff.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`ffmpeg exited ${code}`))));
  });
}

test('fallback pass: dark and blurred picks are replaced by their next frames, fetched by seeking', async () => {
  const track = await readTrack({ path: drive.paths.csv });
  const probe = await probeVideo(drive.paths.video as string);
  const align = alignVideoToTrack({ probe, track });
  const clean = await sampleFrames({ video: probe, track, align, blobs: new LocalBlobStore(path.join(dir, 'b5')) });
  assert.equal(clean.stats.kept, clean.stats.picks, 'every pick of the clean drive passes');
  assert.deepEqual(
    [clean.stats.pipedPicks, clean.stats.pipedFallbacks, clean.stats.fallbackRuns, clean.stats.spare],
    [clean.stats.picks, 0, 0, 0],
    'the first pass pipes one frame per pick, nothing else',
  );
  // The picks are the kept frames; a pick may fall back to the next 2 frames before the following pick.
  const picks = clean.frames.map((f) => f.source as number);
  const room = (k: number): number => Math.min(2, (picks[k + 1] ?? probe.frameCount) - 1 - (picks[k] as number));
  const roomy = picks.map((_, k) => k).filter((k) => room(k) === 2);
  assert.ok(roomy.length >= 8, `${roomy.length} picks with two fallback frames`);
  // Two neighbouring picks under a second apart (one seek), the others seconds apart (a seek each).
  const pair = roomy.find((k) => roomy.includes(k + 1) && (picks[k + 1] as number) - (picks[k] as number) < 10);
  assert.ok(pair !== undefined, 'two neighbouring picks less than a second apart');
  const spread = roomy.filter((k) => k > pair + 1 && (picks[k] as number) - (picks[pair + 1] as number) > 15);
  const [twice, blurred, lost] = [spread[0], spread.find((k) => k > (spread[0] as number) + 3), spread.at(-1)] as [
    number,
    number,
    number,
  ];
  assert.ok(blurred !== undefined && lost !== undefined && new Set([twice, blurred, lost]).size === 3);
  const p = (k: number): number => picks[k] as number;
  // Dark: both picks of the pair, the pick `twice` and its first fallback, the pick `lost` and both fallbacks.
  const dark = [p(pair), p(pair + 1), p(twice), p(twice) + 1, p(lost), p(lost) + 1, p(lost) + 2];
  const blur = [p(blurred)];
  const damaged = path.join(dir, 'damaged.mp4');
  const at = (ns: number[]): string => ns.map((n) => `eq(n,${n})`).join('+');
  // A keyframe every 25 frames (2.5 s), so the seeks start between keyframes.
  await ffmpeg([
    ...['-y', '-i', drive.paths.video as string, '-vf'],
    `lutyuv=y=val/4:enable='${at(dark)}',gblur=sigma=8:enable='${at(blur)}'`,
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '16', '-g', '25', '-an', damaged],
  ]);
  const damagedProbe = await probeVideo(damaged);
  assert.equal(damagedProbe.frameCount, probe.frameCount);
  const blobs = new LocalBlobStore(path.join(dir, 'b6'));
  const { frames, stats } = await sampleFrames({ video: damagedProbe, track, align, blobs });

  const sources = frames.map((f) => f.source as number);
  const want = picks.map((n, k) =>
    k === pair || k === pair + 1 || k === blurred ? n + 1 : k === twice ? n + 2 : k === lost ? undefined : n,
  );
  assert.deepEqual(
    sources,
    want.filter((n) => n !== undefined),
    'each failed pick replaced by its next good frame',
  );
  assert.deepEqual(
    frames.map((f) => f.reason),
    clean.frames.filter((_, k) => k !== lost).map((f) => f.reason),
    'a fallback frame keeps the reason of its pick',
  );
  assert.deepEqual(
    [stats.dark, stats.blurred, stats.kept],
    [dark.length, blur.length, picks.length - 1],
    'every damaged frame piped was seen as damaged',
  );
  // Pass 1 pipes one frame per pick; pass 2 the two fallbacks of each of the 5 failed picks, in 4 seeks.
  assert.deepEqual([stats.pipedPicks, stats.pipedFallbacks, stats.decoded], [picks.length, 10, picks.length + 10]);
  assert.equal(stats.fallbackRuns, 4, 'the pair shares one seek');
  assert.equal(stats.spare, 3, 'second fallbacks of the pair and the blurred pick, not needed');

  // A stand-in is exactly its frame: the JPEG of ffmpeg's own decode of that frame, converted the same way.
  const matrix = matrixFor(damagedProbe.colorSpace, damagedProbe.displayHeight);
  for (const k of [pair, twice, blurred]) {
    const f = frames.find((x) => x.source === want[k]);
    assert.ok(f, `frame ${want[k]}`);
    const yuv = await ffmpeg([
      ...['-i', damaged, '-vf', `select=eq(n\\,${want[k]})`, '-frames:v', '1'],
      ...['-pix_fmt', 'yuv420p', '-f', 'rawvideo', 'pipe:1'],
    ]);
    const jpeg = await encodeRgb(yuv420ToRgb(yuv, f.width, f.height, matrix), f.width, f.height);
    assert.equal(f.sha256, createHash('sha256').update(jpeg).digest('hex'), `frame ${want[k]} is the right frame`);
  }
});

test('fallbackRuns: spans under a second apart share a run, which seeks to its first span', () => {
  const span = (pick: number, start: number) => ({ pick, start, end: start + 0.1 });
  assert.deepEqual(fallbackRuns([]), []);
  const runs = fallbackRuns([span(0, 1), span(1, 1.9), span(2, 3.1), span(3, 10), span(4, 10.4)]);
  assert.deepEqual(
    runs.map((r) => [r.seekS, r.spans.map((s) => s.pick)]),
    [
      [1, [0, 1]],
      [3.1, [2]],
      [10, [3, 4]],
    ],
  );
  assert.deepEqual(
    fallbackRuns([span(0, 1), span(1, 1.9)], 0.5).map((r) => r.spans.length),
    [1, 1],
    'a smaller gap splits',
  );
});
