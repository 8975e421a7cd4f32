import assert from 'node:assert/strict';
import { copyFile, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { MapmintError } from '../../core/errors.ts';
import { generateDrive } from '../../demo/index.ts';
import { readTrack } from '../../ingest/telemetry/index.ts';
import { alignVideoToTrack, probeVideo, type VideoProbe } from '../../ingest/video/index.ts';
import { mulberry32 } from '../support/prng.ts';
import { sharedFile } from '../support/shared-data.ts';

let dir = '';
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mapmint-video-probe-'));
});
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

// Facts from /work/shared/data/SOURCES-media.md (ffprobe 5.1).
const REAL: Array<[string, Partial<VideoProbe>, number]> = [
  [
    'gopro_max_heromode.mp4',
    { width: 848, height: 480, codec: 'h264', frameCount: 315, rFrameRate: '30000/1001' },
    10.51,
  ],
  [
    'gopro_hero5_karma.mp4',
    { width: 854, height: 480, codec: 'h264', frameCount: 362, rFrameRate: '30000/1001' },
    12.079,
  ],
  [
    'dashcam_nogps_udacity_solidWhiteRight.mp4',
    { width: 960, height: 540, codec: 'h264', frameCount: 221, fps: 25 },
    8.84,
  ],
  ['dashcam_nogps_udacity_test_video.mp4', { width: 1280, height: 720, codec: 'h264', frameCount: 38, fps: 25 }, 1.52],
];

for (const [name, facts, duration] of REAL) {
  test(`probe ${name}`, async () => {
    const p = await probeVideo(sharedFile('video', name));
    for (const [k, v] of Object.entries(facts)) assert.equal(p[k as keyof VideoProbe], v, k);
    assert.ok(Math.abs(p.durationS - duration) < 0.01, `duration ${p.durationS}`);
    assert.equal(p.rotation, 0);
    assert.equal(p.vfr, false);
    assert.ok(p.creationTime && p.creationTime > Date.UTC(2016, 0, 1));
    assert.equal(
      p.dataStreams.some((s) => s.codecTag === 'gpmd'),
      name.startsWith('gopro'),
    );
  });
}

test('GoPro alignment comes from the embedded GPMF clock', async () => {
  const file = sharedFile('video', 'gopro_max_heromode.mp4');
  const [probe, track] = await Promise.all([probeVideo(file), readTrack({ path: file })]);
  const a = alignVideoToTrack({ probe, track });
  assert.equal(a.source, 'embedded_telemetry');
  assert.equal(a.t0Ms, track.points[0]?.t);
  // An explicit manifest offset wins over everything.
  assert.equal(alignVideoToTrack({ probe, track, manifestOffsetMs: 1500 }).source, 'manifest_offset');
  assert.equal(alignVideoToTrack({ probe, track, manifestOffsetMs: 1500 }).t0Ms, (track.points[0]?.t ?? 0) + 1500);
});

test('generated demo video: creation_time is the drive start, rotation tag read', async () => {
  const drive = await generateDrive({
    outDir: dir,
    seed: 3,
    pbf: false,
    route: { durationS: 3 },
    video: { width: 320, height: 180, fps: 10 },
  });
  const video = drive.paths.video as string;
  const p = await probeVideo(video);
  assert.equal(p.creationTime, Date.parse(drive.manifest.startTime));
  assert.equal(p.frameCount, 30);
  assert.equal(p.fps, 10);
  assert.deepEqual([p.width, p.height], [320, 180]);
  const track = await readTrack({ path: drive.paths.gpx });
  const a = alignVideoToTrack({ probe: p, track });
  assert.equal(a.source, 'creation_time');
  assert.equal(a.t0Ms, Date.parse(drive.manifest.startTime));
  assert.ok(a.coverage > 0.9);
  // Without creation_time the manifest start is the last resort.
  const noTime = { ...p, creationTime: undefined };
  assert.equal(alignVideoToTrack({ probe: noTime, track, embedded: false, startTime: 5000 }).source, 'manifest_start');
  assert.throws(() => alignVideoToTrack({ probe: noTime, track, embedded: false }), { code: 'video_unaligned' });
});

async function expectCorrupt(file: string, code = 'video_corrupt'): Promise<void> {
  await assert.rejects(probeVideo(file), (e: unknown) => {
    assert.ok(e instanceof MapmintError);
    assert.equal(e.kind, 'invalid_input');
    assert.equal(e.code, code);
    assert.ok(e.message.includes(file));
    return true;
  });
}

test('corrupt inputs are typed errors', async () => {
  const src = sharedFile('video', 'dashcam_nogps_udacity_solidWhiteRight.mp4');
  const bytes = await readFile(src);
  const truncated = path.join(dir, 'truncated.mp4');
  await writeFile(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
  await expectCorrupt(truncated);
  const random = path.join(dir, 'random.mp4');
  // Seeded noise: unseeded bytes now and then look like an audio stream to ffprobe, which made this test flaky.
  const rnd = mulberry32(20261125);
  await writeFile(
    random,
    Uint8Array.from({ length: 200_000 }, () => Math.floor(rnd() * 256)),
  );
  await expectCorrupt(random);
  const text = path.join(dir, 'notes.mp4');
  await writeFile(text, 'this is not a video\n'.repeat(100));
  await expectCorrupt(text);
  const still = path.join(dir, 'photo.mp4');
  await copyFile(sharedFile('exif', 'exifsamples_DSCN0010.jpg'), still);
  await expectCorrupt(still, 'video_no_stream');
  // A faststart file (moov first) cut short: ffprobe reads the header happily, the box walk notices.
  const demo = path.join(dir, 'drive.mp4');
  const cut = path.join(dir, 'cut.mp4');
  const fh = await open(demo, 'r');
  const { size } = await fh.stat();
  const head = Buffer.alloc(Math.floor(size * 0.7));
  await fh.read(head, 0, head.length, 0);
  await fh.close();
  await writeFile(cut, head);
  await expectCorrupt(cut);
});
