/**
 * Every real file in ../shared/data/video and video/sidecars, read through readTrack (format sniffed from the bytes)
 * with its facts: format, fix count, first and last fix time and bounding box, or the typed refusal of a clip without
 * GPS. The folder is listed, so a file added to it without facts here fails this test. Facts: SOURCES-media.md
 * (exiftool 12.57) and, where exiftool rounds, the values this reader gives, which lie inside exiftool's.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { MapmintError } from '../../core/index.ts';
import { readTrack } from '../../ingest/telemetry/index.ts';
import { sharedFile } from '../support/shared-data.ts';

interface Facts {
  format: string;
  count: number;
  first: string;
  last: string;
  /** [min lat, max lat, min lon, max lon], 7 decimals. */
  bbox: [number, number, number, number];
}

const EXPECTED: Record<string, Facts | { code: string }> = {
  'gopro_max_heromode.mp4': {
    format: 'gpmf',
    count: 191,
    first: '2019-11-18T23:45:14.000Z',
    last: '2019-11-18T23:45:25.915Z',
    bbox: [33.1266674, 33.12677, -117.3273436, -117.3272734],
  },
  'gopro_hero5_karma.mp4': {
    format: 'gpmf',
    count: 47,
    first: '2017-04-17T19:27:57.526Z',
    last: '2017-04-17T19:28:09.119Z',
    bbox: [33.1253688, 33.1260123, -117.3314792, -117.3310668],
  },
  'dashcam_nogps_udacity_solidWhiteRight.mp4': { code: 'mp4_no_telemetry' },
  'dashcam_nogps_udacity_test_video.mp4': { code: 'mp4_no_telemetry' },
  'sidecars/dji_mavic_pro.SRT': {
    format: 'dji-srt',
    count: 468,
    first: '2017-08-05T14:11:51.000Z',
    last: '2017-08-05T14:19:38.000Z',
    bbox: [-20.2547, -20.2516, 149.0225, 149.0271],
  },
};

const videoDir = sharedFile('video');
const files = readdirSync(videoDir, { recursive: true, withFileTypes: true })
  .filter((d) => d.isFile())
  .map((d) => path.relative(videoDir, path.join(d.parentPath, d.name)))
  .sort();

test('every file in shared/data/video has facts below', () => {
  assert.deepEqual(files, Object.keys(EXPECTED).sort());
});

for (const name of files) {
  test(`${name}: read with its facts`, async () => {
    const want = EXPECTED[name];
    assert.ok(want, `no facts for ${name}`);
    const read = readTrack({ path: path.join(videoDir, name) });
    if ('code' in want) {
      await assert.rejects(read, (e) => e instanceof MapmintError && e.code === want.code);
      return;
    }
    const track = await read;
    // Readers count fixes as they go: one under the count as the cap refuses the file.
    await assert.rejects(
      readTrack({ path: path.join(videoDir, name), limits: { maxPoints: track.points.length - 1 } }),
      (e) => e instanceof MapmintError && e.code === 'telemetry_too_large',
    );
    const r7 = (v: number) => Math.round(v * 1e7) / 1e7;
    const lats = track.points.map((p) => p.lat);
    const lons = track.points.map((p) => p.lon);
    assert.deepEqual(
      {
        format: track.format,
        count: track.points.length,
        first: new Date(track.points[0]!.t).toISOString(),
        last: new Date(track.points.at(-1)!.t).toISOString(),
        bbox: [r7(Math.min(...lats)), r7(Math.max(...lats)), r7(Math.min(...lons)), r7(Math.max(...lons))],
      },
      want,
    );
  });
}
