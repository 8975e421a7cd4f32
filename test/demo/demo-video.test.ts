import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { MapmintError } from '../../core/errors.ts';
import { EARTH_RADIUS_M } from '../../core/geo.ts';
import { type DemoDrive, type DemoObject, type FramePose, generateDrive, planDrive } from '../../demo/index.ts';

const run = promisify(execFile);
const W = 640;
const H = 360;
const FPS = 10;
const DURATION_S = 14;
const HFOV = 115;

let dir = '';
let drive: DemoDrive;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mapmint-demo-video-'));
  // Starts 60 m before a stop sign: the car reaches the line after about 11 s and waits there.
  drive = await generateDrive({
    seed: 21,
    outDir: dir,
    route: { durationS: DURATION_S, start: 'stop-sign' },
    video: { width: W, height: H, fps: FPS, hfovDeg: HFOV, mountYawDeg: 3 },
    gps: { rateHz: 10 },
  });
});
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Decodes frame `n` of the MP4 as packed RGB. */
function decodeFrame(file: string, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const ff = spawn('ffmpeg', [
      '-v',
      'error',
      '-i',
      file,
      '-vf',
      `select=eq(n\\,${n})`,
      '-vframes',
      '1',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      'pipe:1',
    ]);
    const chunks: Buffer[] = [];
    ff.stdout.on('data', (b: Buffer) => chunks.push(b));
    ff.on('error', reject);
    ff.on('close', (code) =>
      code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`ffmpeg exited ${code}`)),
    );
  });
}

/**
 * Pixel position and pixel radius of an object's face centre in a frame, computed here from truth.json alone
 * (pinhole, yaw/pitch of the frame pose), independently of the renderer's own code.
 */
function project(pose: FramePose, o: DemoObject): { u: number; v: number; r: number; z: number } {
  const k = (Math.PI / 180) * EARTH_RADIUS_M;
  const east = (o.lon - pose.lon) * k * Math.cos((pose.lat * Math.PI) / 180);
  const north = (o.lat - pose.lat) * k;
  const up = o.height - pose.heightAboveGround;
  const yaw = (pose.yaw * Math.PI) / 180;
  const pitch = (pose.pitch * Math.PI) / 180;
  const x = east * Math.cos(yaw) - north * Math.sin(yaw);
  const fwdH = east * Math.sin(yaw) + north * Math.cos(yaw);
  const z = fwdH * Math.cos(pitch) + up * Math.sin(pitch);
  const y = -fwdH * Math.sin(pitch) + up * Math.cos(pitch);
  const f = W / 2 / Math.tan(((HFOV / 2) * Math.PI) / 180);
  return { u: W / 2 + (f * x) / z, v: H / 2 - (f * y) / z, r: (f * (o.size[0] / 2)) / z, z };
}

test('the MP4 decodes cleanly with the expected duration, frames, size and creation_time', async () => {
  assert.ok(drive.paths.video);
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-count_frames',
    '-show_streams',
    '-show_format',
    '-of',
    'json',
    drive.paths.video,
  ]);
  const info = JSON.parse(stdout) as {
    streams: Array<Record<string, string | number>>;
    format: { duration: string; tags?: Record<string, string> };
  };
  const video = info.streams.find((s) => s.codec_type === 'video');
  assert.ok(video);
  assert.equal(video.codec_name, 'h264');
  assert.equal(video.pix_fmt, 'yuv420p');
  assert.equal(video.width, W);
  assert.equal(video.height, H);
  assert.equal(Number(video.nb_read_frames), DURATION_S * FPS);
  assert.equal(drive.truth.frames.length, DURATION_S * FPS);
  assert.equal(video.r_frame_rate, `${FPS}/1`);
  assert.ok(Math.abs(Number(info.format.duration) - DURATION_S) < 0.15, `duration ${info.format.duration}`);
  // ffmpeg writes creation_time with microseconds: 2024-06-01T08:00:00.000000Z.
  assert.equal(Date.parse(info.format.tags?.creation_time ?? ''), Date.parse(drive.manifest.startTime));
  assert.equal(drive.manifest.startTime, drive.truth.startTime);

  const decode = await run('ffmpeg', ['-v', 'error', '-i', drive.paths.video, '-f', 'null', '-']);
  assert.equal(decode.stderr.trim(), '', 'ffmpeg reported decode errors');

  const m = drive.manifest;
  assert.deepEqual(
    [m.device?.horizontalFovDeg, m.device?.mountYawDeg, m.device?.width, m.device?.fps],
    [HFOV, 3, W, FPS],
  );
  assert.equal(m.files.find((f) => f.role === 'video')?.path, 'drive.mp4');
});

test('a stop sign is red where truth projects it, large and centre-right', async () => {
  const first = drive.truth.stops.find((s) => s.kind === 'stop');
  assert.ok(first && first.t < DURATION_S, 'the drive should stop at a stop sign within the clip');
  const sign = drive.truth.objects.find((o) => o.id === first.objectId);
  assert.ok(sign && sign.class === 'regulatory--stop');
  // The frame where the sign is largest while fully inside the right half of the image.
  const candidates = drive.truth.frames
    .map((pose) => ({ pose, p: project(pose, sign) }))
    .filter(({ p }) => p.z > 1 && p.u > W / 2 && p.u + p.r < W - 2 && p.v - p.r > 2 && p.v + p.r < H - 2);
  const best = candidates.sort((a, b) => b.p.r - a.p.r)[0];
  assert.ok(best && best.p.r >= 10, `the stop sign never gets large (max radius ${best?.p.r.toFixed(1)} px)`);
  assert.ok(best.p.u < W * 0.92, 'the sign should be centre-right, not at the edge');

  const rgb = await decodeFrame(drive.paths.video as string, best.pose.index);
  assert.equal(rgb.length, W * H * 3);
  const isRed = (u: number, v: number): boolean => {
    const o = (Math.round(v) * W + Math.round(u)) * 3;
    const [r, g, b] = [rgb[o] ?? 0, rgb[o + 1] ?? 0, rgb[o + 2] ?? 0];
    return r > 140 && g < 90 && b < 100 && r > 2 * g;
  };
  // Sample the red field above and below the white STOP text (text spans about +-0.3 of the radius vertically).
  const { u, v, r } = best.p;
  const samples: Array<[number, number]> = [];
  for (const dy of [-0.7, -0.6, 0.6, 0.7])
    for (const dx of [-0.3, -0.15, 0, 0.15, 0.3]) samples.push([u + dx * r, v + dy * r]);
  const red = samples.filter(([x, y]) => isRed(x, y)).length;
  assert.ok(
    red >= samples.length * 0.8,
    `only ${red}/${samples.length} samples red at (${u.toFixed(0)}, ${v.toFixed(0)}) r=${r.toFixed(1)}`,
  );
  // Control: the sky above the sign and the road below the horizon at the image centre are not red.
  assert.ok(!isRed(u, Math.max(1, v - 3 * r)), 'sky above the sign is red');
  assert.ok(!isRed(W / 2, H - 5), 'the road is red');
  // The white text is there too: some bright, low-saturation pixels in the sign's middle band.
  let white = 0;
  for (let dx = -0.4; dx <= 0.4; dx += 0.05) {
    const o = (Math.round(v) * W + Math.round(u + dx * r)) * 3;
    if ((rgb[o] ?? 0) > 170 && (rgb[o + 1] ?? 0) > 140 && (rgb[o + 2] ?? 0) > 140) white++;
  }
  assert.ok(white >= 2, 'no white STOP lettering across the sign');
});

/** Standard deviation of the green-channel difference between frames 0 and 1 over the top rows (sky). */
async function skyFlicker(file: string): Promise<number> {
  const [a, b] = await Promise.all([decodeFrame(file, 0), decodeFrame(file, 1)]);
  let n = 0;
  let sum = 0;
  let sq = 0;
  for (let o = 1; o < W * 30 * 3; o += 3) {
    const d = (a[o] ?? 0) - (b[o] ?? 0);
    n++;
    sum += d;
    sq += d * d;
  }
  return Math.sqrt(sq / n - (sum / n) ** 2);
}

test('grain, bitrate and keyframe options: a noisy sky, about the asked bitrate, a keyframe every second', async () => {
  const grainy = await generateDrive({
    seed: 21,
    outDir: path.join(dir, 'grain'),
    pbf: false,
    route: { durationS: 6, start: 'stop-sign' },
    video: { width: W, height: H, fps: FPS, hfovDeg: HFOV, grain: 6, bitrateMbps: 2, keyframeIntervalS: 1 },
  });
  const file = grainy.paths.video as string;
  // The flat drive's sky is the same from frame to frame; the grainy one changes (temporal sensor noise).
  assert.ok((await skyFlicker(drive.paths.video as string)) < 0.5, 'flat sky is still');
  const flicker = await skyFlicker(file);
  assert.ok(flicker > 1.5, `grainy sky flickers by ${flicker.toFixed(2)} levels`);
  const { stdout } = await run('ffprobe', [
    ...['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time,flags', '-of', 'csv=p=0', file],
  ]);
  const packets = stdout.trim().split('\n');
  const mbps = (grainy.manifest.files.find((f) => f.role === 'video')!.bytes * 8) / 6 / 1e6;
  assert.ok(mbps > 1.4 && mbps < 2.8, `${mbps.toFixed(2)} Mbit/s for 2 asked`);
  const keys = packets.filter((l) => l.includes('K')).map((l) => Number(l.split(',')[0]));
  assert.equal(packets.length, 6 * FPS);
  assert.ok(keys.length >= 6, `${keys.length} keyframes in 6 s`);
  for (let i = 1; i < keys.length; i++)
    assert.ok((keys[i] as number) - (keys[i - 1] as number) <= 1 + 1e-6, `keyframe gap before ${keys[i]}`);
  assert.match(grainy.manifest.files[0]?.description ?? '', /sensor noise 6, 2 Mbit\/s, a keyframe every 1 s/);
  assert.doesNotMatch(drive.manifest.files.find((f) => f.role === 'video')?.description ?? '', /noise|Mbit/);
  for (const video of [{ grain: 101 }, { grain: -1 }, { bitrateMbps: 0 }, { keyframeIntervalS: 0 }])
    assert.throws(
      () => planDrive({ seed: 1, video }),
      (e: unknown) => e instanceof MapmintError && /^demo_video_/.test(e.code),
      JSON.stringify(video),
    );
});
