/**
 * Drives made of several clips: each video brings its own telemetry and clock (GoPro chapters, dashcam clips), the
 * clips are ordered on one timeline and the pauses between them are reported. Real files: the two GoPro clips in
 * ../shared/data/video (GoPro MAX 2019-11-18 and HERO5 on a Karma drone 2017-04-17, both near Carlsbad, CA).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { generateDrive } from '../../demo/index.ts';
import { loadDrive, mergeClipTracks } from '../../ingest/index.ts';

const video = (name: string) => path.resolve('../shared/data/video', name);

test('two GoPro clips without a track file: each placed by its own GPMF, in time order, with the gap between', async () => {
  const drive = await loadDrive([
    { path: video('gopro_max_heromode.mp4'), name: 'GH010001.MP4', role: 'video' },
    { path: video('gopro_hero5_karma.mp4'), name: 'GH020001.MP4', role: 'video' },
  ]);
  assert.deepEqual(
    drive.videos.map((v) => v.name),
    ['GH020001.MP4', 'GH010001.MP4'], // the HERO5 clip was recorded in 2017, before the MAX clip
  );
  for (const v of drive.videos) assert.equal(v.align.source, 'embedded_telemetry', v.name);
  // Each clip starts at its own first GPS fix (exiftool: MAX 2019-11-18 23:45:14 UTC, HERO5 2017-04-17 19:27:57 UTC).
  const [hero5, max] = drive.videos;
  assert.ok(
    Math.abs(max!.align.t0Ms - Date.UTC(2019, 10, 18, 23, 45, 14)) < 2000,
    new Date(max!.align.t0Ms).toISOString(),
  );
  assert.ok(
    Math.abs(hero5!.align.t0Ms - Date.UTC(2017, 3, 17, 19, 27, 57)) < 2000,
    new Date(hero5!.align.t0Ms).toISOString(),
  );
  assert.equal(drive.gaps.length, 1);
  assert.ok(drive.gaps[0]!.seconds > 365 * 86_400, `gap ${drive.gaps[0]!.seconds}`);
  // The merged track holds both clips' fixes in time order.
  const ts = drive.track.points.map((p) => p.t);
  assert.deepEqual(
    ts,
    [...ts].sort((a, b) => a - b),
  );
  assert.equal(drive.track.meta?.clips, '2');
  assert.equal(drive.trackFrom, 'GH010001.MP4, GH020001.MP4');
});

test('a fix repeated at a chapter boundary is kept once', () => {
  const a = { format: 'gpmf' as const, points: [1, 2, 3].map((t) => ({ t, lat: 1, lon: 1 })) };
  const b = { format: 'gpmf' as const, points: [3, 4].map((t) => ({ t, lat: 1, lon: 1 })) };
  assert.deepEqual(
    mergeClipTracks([b, a]).points.map((p) => p.t),
    [1, 2, 3, 4],
  );
});

test('dashcam clips each with a GPX of its own name: the track is every clip track merged, not the first alone', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'mapmint-clip-gpx-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const files = [];
  for (const [name, startTime, seed] of [
    ['FILE0001', '2024-05-04T10:00:00Z', 1],
    ['FILE0002', '2024-05-04T10:01:20Z', 2],
  ] as const) {
    const d = await generateDrive({
      outDir: path.join(dir, name),
      seed,
      pbf: false,
      startTime,
      route: { durationS: 20, start: 'stop-sign' },
      video: { width: 160, height: 90, fps: 10 },
    });
    files.push({ path: d.paths.video!, name: `${name}.MP4`, role: 'video' as const });
    files.push({ path: d.paths.gpx, name: `${name}.gpx`, role: 'track' as const });
  }
  const drive = await loadDrive(files);
  assert.equal(drive.trackFrom, 'FILE0001.gpx, FILE0002.gpx');
  const ts = drive.track.points.map((p) => p.t);
  assert.equal(ts[0], Date.parse('2024-05-04T10:00:00Z'));
  assert.ok(ts[ts.length - 1]! >= Date.parse('2024-05-04T10:01:39Z'), 'the second clip’s fixes are in the track');
  assert.deepEqual(
    drive.videos.map((v) => v.align.source),
    ['creation_time', 'creation_time'],
  );
  assert.equal(drive.gaps[0]!.seconds, 60);
  // Two tracks of one drive from two loggers (not named after clips) still use the first alone.
  const one = await loadDrive([files[0]!, { ...files[1]!, name: 'phone.gpx' }, { ...files[3]!, name: 'logger.gpx' }]);
  assert.equal(one.trackFrom, 'phone.gpx');
});
