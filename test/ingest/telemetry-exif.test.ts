/**
 * EXIF GPS of the images in shared/data/exif and shared/data/images. Positions are the exiftool values listed in
 * SOURCES-media.md; times are the EXIF GPS stamps (UTC) or DateTimeOriginal as noted per file.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MapmintError } from '../../core/index.ts';
import { readExifPoint, readExifSequence, readTrack } from '../../ingest/telemetry/index.ts';
import { SHARED_DATA, sharedFile } from '../support/shared-data.ts';

const iso = (t: number) => new Date(t).toISOString();

// [file, lat, lon, alt, time]; positions to 6 decimals as SOURCES-media.md gives them.
const IMAGES: [string[], number, number, number | undefined, string][] = [
  // GPSDateStamp 2018:06:08 + GPSTimeStamp 20:24:11 (DateTimeOriginal 13:24:10 -07:00 is one second earlier).
  [['images', 'mapillary_DSC00001.jpg'], 45.516903, -122.572765, 70.3, '2018-06-08T20:24:11.000Z'],
  [['exif', 'mapillary_DSC00497.jpg'], 45.510723, -122.576051, 77.5, '2018-06-08T20:32:28.000Z'],
  [['exif', 'exifr_IMG_20180725_163423-tiny.jpg'], 50.299603, 14.820294, 252, '2018-07-25T14:34:23.000Z'],
  // No GPS time: DateTimeOriginal without a zone, read as UTC.
  [['exif', 'exifr_IMG_5910.jpg'], 37.871093, -122.25678, 90, '2015-06-11T10:29:26.000Z'],
  // GPS only in a PNG eXIf chunk after IDAT (exifr alone misses it); XMP GPSDateTime 2018:07:25 14:34:23Z.
  [['exif', 'exifr_png_with_exif_and_gps.png'], 50.299603, 14.820294, 252, '2018-07-25T14:34:23.000Z'],
  // The GPS date stamp (2008:10:23 14:27:07.24 UTC) is what the receiver wrote; DateTimeOriginal says 10-22.
  [['exif', 'exifsamples_DSCN0010.jpg'], 43.467448, 11.885127, undefined, '2008-10-23T14:27:07.240Z'],
  // GPS only in XMP ("0,4.21601S", "34,22.91611E"); time from DateTimeOriginal.
  [['exif', 'mapillary_adobe_coords.jpg'], -0.070267, 34.381935, 1361.69, '2019-07-16T10:26:11.000Z'],
  [['images', 'yolov5_bus.jpg'], 40.411389, -3.707364, undefined, '2019-03-01T12:06:33.000Z'],
];

describe('EXIF GPS of real photos', () => {
  for (const [file, lat, lon, alt, time] of IMAGES) {
    it(`${file.join('/')}: ${lat}, ${lon}`, async () => {
      const { point, reason } = await readExifPoint(sharedFile(...file));
      assert.ok(point, reason);
      assert.ok(Math.abs(point.lat - lat) < 1e-6 && Math.abs(point.lon - lon) < 1e-6, `${point.lat}, ${point.lon}`);
      if (alt !== undefined) assert.ok(Math.abs(point.alt! - alt) < 0.01, `alt ${point.alt}`);
      assert.equal(iso(point.t), time);
    });
  }

  it('the exif/ folder is one sequence sorted by time; images without GPS are skipped with a reason', async () => {
    const track = await readTrack({ path: `${SHARED_DATA}/exif` });
    assert.equal(track.format, 'exif');
    assert.equal(track.points.length, 6);
    const times = track.points.map((p) => p.t);
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b),
    );
    assert.equal(iso(times[0]!), '2008-10-23T14:27:07.240Z');
    const images = await readTrack({ path: `${SHARED_DATA}/images` });
    assert.equal(images.points.length, 2); // DSC00001 and bus; berlin_01 has GPS but no time at all
    assert.match(images.meta?.['skipped'] ?? '', /opensfm_berlin_01\.jpg: no GPS time stamp or DateTimeOriginal/);
    assert.match(images.meta?.['skipped'] ?? '', /udacity_highway_test1\.jpg: no GPS position/);
  });

  it('no usable image is exif_no_gps naming the files', async () => {
    await assert.rejects(
      readExifSequence([
        sharedFile('images', 'udacity_highway_test1.jpg'),
        sharedFile('images', 'alpr_us_12c6cb72.jpg'),
      ]),
      (e) => e instanceof MapmintError && e.code === 'exif_no_gps' && /alpr_us_12c6cb72\.jpg: no EXIF/.test(e.message),
    );
  });
});
