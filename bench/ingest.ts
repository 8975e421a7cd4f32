/**
 * Ingest benchmark: a seeded 1080p30 demo drive (cached under .mapmint/bench-cache/ by its options), then
 * (a) `ffmpeg -i drive.mp4 -f null -` (decode only) and (b) our whole ingest of the same file: read the GPX track,
 * probe, align, sample, encode, store (LocalBlobStore in a temp dir) and insert into a scratch PostgreSQL database.
 * Prints a table to stderr and, as the last stdout line, the JSON summary. Run: `npx tsx bench/ingest.ts`.
 * Besides wall time it reports CPU seconds (ours: this process plus its ffmpeg/ffprobe children; Linux `/proc`), which
 * a busy shared machine disturbs far less: on 2 vCPUs the wall ratio cannot beat the CPU ratio by much.
 *
 * Privacy: the pipeline always blurs (worker/handlers.ts passes PrivacyBlur.beforeStore to sampling). `ratio` is
 * sampling WITHOUT the blur (the figure issue 5 tracks, median of 3 rounds); then, unless MAPMINT_BENCH_PRIVACY=0,
 * one more round runs the same ingest with the blur hook (models opened and warmed up before the clock) and reports
 * `ratio_with_privacy` beside it: that is what a worker really spends per drive.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Sql } from '../db/connect.ts';
import { stateDir } from '../db/paths.ts';
import { generateDrive } from '../ingest/demo/index.ts';
import { type BeforeStore, sampleFrames } from '../ingest/sample/index.ts';
import { readTrack } from '../ingest/telemetry/index.ts';
import { alignVideoToTrack, FFMPEG_PATH, probeVideo } from '../ingest/video/index.ts';
import { LocalBlobStore } from '../storage/index.ts';
import { openPrivacyBlur, openVisionModels } from '../vision/index.ts';
import { createScratchDatabase } from './support/scratch-db.ts';

const DRIVE = {
  seed: 7,
  route: { durationS: 64, start: 'stop-sign' as const },
  video: { width: 1920, height: 1080, fps: 30 },
};

async function cachedDrive(): Promise<string> {
  const key = createHash('sha256').update(JSON.stringify(DRIVE)).digest('hex').slice(0, 16);
  const outDir = path.join(stateDir(), 'bench-cache', `drive-${key}`);
  if (!existsSync(path.join(outDir, 'manifest.json'))) {
    process.stderr.write(`generating ${outDir} (about a minute or two at 1080p)...\n`);
    await generateDrive({ ...DRIVE, outDir, pbf: false });
  }
  return outDir;
}

/** Reaped children's CPU seconds (cutime + cstime of /proc/self/stat, in USER_HZ = 100 on Linux); undefined elsewhere. */
function childrenCpu(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return undefined;
  }
}

/** CPU seconds of this process (all threads) and of its exited children so far. */
function cpuNow(): { own: number; children: number | undefined } {
  const u = process.cpuUsage();
  return { own: (u.user + u.system) / 1e6, children: childrenCpu() };
}

/** CPU seconds spent since `before`: own threads plus children when known. */
function cpuSince(before: ReturnType<typeof cpuNow>): { own: number; children: number | undefined } {
  const now = cpuNow();
  const children =
    now.children !== undefined && before.children !== undefined ? now.children - before.children : undefined;
  return { own: now.own - before.own, children };
}

function ffmpegNull(video: string): Promise<number> {
  const t = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(FFMPEG_PATH, ['-v', 'error', '-i', video, '-f', 'null', '-'], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve((performance.now() - t) / 1000) : reject(new Error(`ffmpeg exit ${code}`)),
    );
  });
}

async function ours(dir: string, sql: Sql, uploadId: string, beforeStore?: BeforeStore) {
  const blobDir = mkdtempSync(path.join(tmpdir(), 'mapmint-bench-blobs-'));
  try {
    const t = performance.now();
    const track = await readTrack({ path: path.join(dir, 'track.gpx') });
    const probe = await probeVideo(path.join(dir, 'drive.mp4'));
    const align = alignVideoToTrack({ probe, track });
    const r = await sampleFrames({
      video: probe,
      track,
      align,
      blobs: new LocalBlobStore(blobDir),
      db: { sql, uploadId },
      ...(beforeStore ? { beforeStore } : {}),
    });
    return { seconds: (performance.now() - t) / 1000, ...r };
  } finally {
    rmSync(blobDir, { recursive: true, force: true });
  }
}

/** The 1/5/15-minute load averages: how busy the (shared) machine was while the figures were taken. */
function readLoad(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'unknown';
  }
}

const dir = await cachedDrive();
const db = await createScratchDatabase({ prefix: 'mapmint_bench' });
const { sql } = db;
try {
  const [c] =
    await sql`insert into contributors (address) values ('0x000000000000000000000000000000000000bEEF') returning id`;
  const [d] =
    await sql`insert into devices (contributor_id, device_key, make, model) values (${c!.id}, 'bench', 'mapmint', 'demo-dashcam') returning id`;
  const runs: Array<{ ffmpeg: number; ours: number; kept: number; ffmpegCpu?: number; oursCpu?: number }> = [];
  let last: Awaited<ReturnType<typeof ours>> | undefined;
  for (let i = 0; i < 3; i++) {
    const [u] =
      await sql`insert into uploads (contributor_id, device_id, manifest, content_hash, byte_size) values (${c!.id}, ${d!.id}, '{}', ${`bench-${i}`}, 0) returning id`;
    const c0 = cpuNow();
    const ff = await ffmpegNull(path.join(dir, 'drive.mp4'));
    const ffCpu = cpuSince(c0).children;
    const c1 = cpuNow();
    last = await ours(dir, sql, u!.id as string);
    const oursCpu = cpuSince(c1);
    runs.push({
      ffmpeg: ff,
      ours: last.seconds,
      kept: last.stats.kept,
      ...(ffCpu !== undefined && oursCpu.children !== undefined
        ? { ffmpegCpu: ffCpu, oursCpu: oursCpu.own + oursCpu.children }
        : {}),
    });
  }
  // The same ingest with the privacy hook the worker always runs: one round (it takes minutes), after the others.
  let withPrivacy:
    | { ffmpeg: number; ours: number; ffmpegCpu?: number; oursCpu?: number; blurCalls: number }
    | undefined;
  if (process.env.MAPMINT_BENCH_PRIVACY !== '0') {
    const models = await openVisionModels();
    const privacy = await openPrivacyBlur({ models: { detector: models.detector, ocr: models.ocr } });
    try {
      // Warm-up (arenas, kernels) on a frame of the drive's size, before the clock.
      const grey = Buffer.alloc(DRIVE.video.width * DRIVE.video.height * 3, 128);
      await privacy.beforeStore({ rgb: grey, width: DRIVE.video.width, height: DRIVE.video.height });
      let blurCalls = 0;
      const hook: BeforeStore = (frame) => {
        blurCalls++;
        return privacy.beforeStore(frame);
      };
      const [u] =
        await sql`insert into uploads (contributor_id, device_id, manifest, content_hash, byte_size) values (${c!.id}, ${d!.id}, '{}', 'bench-privacy', 0) returning id`;
      const c0 = cpuNow();
      const ff = await ffmpegNull(path.join(dir, 'drive.mp4'));
      const ffCpu = cpuSince(c0).children;
      const c1 = cpuNow();
      const r = await ours(dir, sql, u!.id as string, hook);
      const oursCpu = cpuSince(c1);
      withPrivacy = {
        ffmpeg: ff,
        ours: r.seconds,
        blurCalls,
        ...(ffCpu !== undefined && oursCpu.children !== undefined
          ? { ffmpegCpu: ffCpu, oursCpu: oursCpu.own + oursCpu.children }
          : {}),
      };
    } finally {
      await privacy.close();
      await models.close();
    }
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;
  const ffS = median(runs.map((r) => r.ffmpeg));
  const oursS = median(runs.map((r) => r.ours));
  const cpuRuns = runs.filter((r) => r.ffmpegCpu !== undefined && r.oursCpu !== undefined);
  const ffCpuS = cpuRuns.length === runs.length ? median(cpuRuns.map((r) => r.ffmpegCpu as number)) : undefined;
  const oursCpuS = cpuRuns.length === runs.length ? median(cpuRuns.map((r) => r.oursCpu as number)) : undefined;
  const s = last!.stats;
  process.stderr.write(
    [
      `video: ${dir}/drive.mp4, ${last!.probe.width}x${last!.probe.height} @ ${last!.probe.fps} fps, ${last!.probe.durationS.toFixed(1)} s, ${s.frames} frames`,
      'run | ffmpeg null s | ours s | ratio | kept | ffmpeg null CPU s | ours CPU s | CPU ratio',
      ...runs.map(
        (r, i) =>
          `${i + 1} | ${r.ffmpeg.toFixed(2)} | ${r.ours.toFixed(2)} | ${(r.ours / r.ffmpeg).toFixed(2)} | ${r.kept} | ` +
          (r.ffmpegCpu !== undefined && r.oursCpu !== undefined
            ? `${r.ffmpegCpu.toFixed(2)} | ${r.oursCpu.toFixed(2)} | ${(r.oursCpu / r.ffmpegCpu).toFixed(2)}`
            : '- | - | -'),
      ),
      ...(withPrivacy
        ? [
            `with privacy blur (${withPrivacy.blurCalls} frames blurred): ffmpeg null ${withPrivacy.ffmpeg.toFixed(2)} s, ours ${withPrivacy.ours.toFixed(2)} s, ratio ${(withPrivacy.ours / withPrivacy.ffmpeg).toFixed(2)}` +
              (withPrivacy.ffmpegCpu !== undefined && withPrivacy.oursCpu !== undefined
                ? `, CPU ${withPrivacy.ffmpegCpu.toFixed(2)} / ${withPrivacy.oursCpu.toFixed(2)} s, CPU ratio ${(withPrivacy.oursCpu / withPrivacy.ffmpegCpu).toFixed(2)}`
                : ''),
          ]
        : ['privacy blur not run (MAPMINT_BENCH_PRIVACY=0)']),
      `load average ${readLoad()}`,
      `picks ${s.picks}, piped ${s.decoded}, kept ${s.kept}, stationary ${s.stationary}, too close ${s.tooClose}, blurred ${s.blurred}, dark ${s.dark}, spare ${s.spare}, inserted ${s.inserted}`,
      '',
    ].join('\n'),
  );
  console.log(
    JSON.stringify({
      bench: 'ingest',
      ratio: Number((oursS / ffS).toFixed(3)),
      ratio_includes_privacy: false,
      ...(withPrivacy
        ? {
            ratio_with_privacy: Number((withPrivacy.ours / withPrivacy.ffmpeg).toFixed(3)),
            ...(withPrivacy.ffmpegCpu !== undefined && withPrivacy.oursCpu !== undefined
              ? { cpu_ratio_with_privacy: Number((withPrivacy.oursCpu / withPrivacy.ffmpegCpu).toFixed(3)) }
              : {}),
          }
        : {}),
      frames_kept_per_s_video: Number((s.kept / last!.probe.durationS).toFixed(3)),
      ffmpeg_s: Number(ffS.toFixed(3)),
      ours_s: Number(oursS.toFixed(3)),
      load: readLoad(),
      ...(ffCpuS !== undefined && oursCpuS !== undefined
        ? {
            cpu_ratio: Number((oursCpuS / ffCpuS).toFixed(3)),
            ffmpeg_cpu_s: Number(ffCpuS.toFixed(3)),
            ours_cpu_s: Number(oursCpuS.toFixed(3)),
          }
        : {}),
    }),
  );
} finally {
  await db.drop();
}
