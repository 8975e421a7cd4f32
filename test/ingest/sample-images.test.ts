import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { sampleImages } from '../../ingest/sample/index.ts';
import { LocalBlobStore } from '../../storage/index.ts';
import { sharedFile } from '../support/shared-data.ts';

let dir = '';
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mapmint-sample-images-'));
});
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const EXIF = [
  'mapillary_DSC00497.jpg',
  'exifr_IMG_20180725_163423-tiny.jpg',
  'exifr_IMG_5910.jpg',
  'exifr_png_with_exif_and_gps.png',
  'exifsamples_DSCN0010.jpg',
  'mapillary_adobe_coords.jpg',
];

test('only the pixels the beforeStore hook returns are stored (the hook sees upright RGB24)', async () => {
  const blobs = new LocalBlobStore(path.join(dir, 'blobs-hook'));
  const seen: string[] = [];
  const { frames } = await sampleImages({
    images: [sharedFile('exif', 'mapillary_DSC00497.jpg')],
    blobs,
    beforeStore: async (f) => {
      seen.push(`${f.width}x${f.height}:${f.rgb.length / (f.width * f.height)}`);
      f.rgb.fill(0); // a stand-in for blurring: the stored frame must be this one
      return f;
    },
  });
  assert.deepEqual(seen, ['3840x2160:3']);
  assert.equal(frames.length, 1);
  const stats = await sharp(await blobs.getBuffer(frames[0]!.blobKey)).stats();
  assert.ok(
    stats.channels.every((c) => c.max <= 8),
    `stored frame is not the hook's: ${stats.channels.map((c) => c.max)}`,
  );
});

test('EXIF photos: posed from their GPS, re-encoded without metadata, tiny ones dropped', async () => {
  const blobs = new LocalBlobStore(path.join(dir, 'blobs'));
  const images = EXIF.map((f) => sharedFile('exif', f));
  const { frames, skipped } = await sampleImages({ images, blobs });
  assert.equal(frames.length + skipped.length, images.length);
  const byName = new Map(frames.map((f) => [path.basename(f.source as string), f]));
  const dsc = byName.get('mapillary_DSC00497.jpg');
  assert.ok(dsc, 'the Sony street photo is kept');
  assert.ok(Math.abs(dsc.lat - 45.510723) < 1e-5 && Math.abs(dsc.lon + 122.576051) < 1e-5);
  assert.deepEqual([dsc.width, dsc.height], [3840, 2160]);
  const nikon = byName.get('exifsamples_DSCN0010.jpg');
  assert.ok(nikon && Math.abs(nikon.lat - 43.467448) < 1e-5);
  // The 1x1 PNG has nothing to measure: it is dropped as blurred, with the figures in the detail.
  const png = skipped.find((s) => s.image.endsWith('.png'));
  assert.equal(png?.reason, 'blurred');
  for (const f of frames) {
    const bytes = await blobs.getBuffer(f.blobKey);
    const m = await sharp(bytes).metadata();
    assert.equal(m.format, 'jpeg');
    assert.equal(m.exif, undefined, 'metadata stripped (no GPS leaves in the stored frame)');
    assert.equal(m.width, f.width);
  }
  // idx follows time order.
  const times = frames.map((f) => f.t);
  assert.deepEqual(
    times,
    [...times].sort((a, b) => a - b),
  );
});

test('images too close together are deduplicated; a sidecar track overrides EXIF', async () => {
  const blobs = new LocalBlobStore(path.join(dir, 'b2'));
  const a = sharedFile('exif', 'exifr_IMG_20180725_163423-tiny.jpg');
  const same = await sampleImages({ images: [a, a], blobs });
  assert.equal(same.frames.length, 1);
  assert.equal(same.skipped[0]?.reason, 'too_close');
  const t = Date.UTC(2018, 6, 25, 14, 34, 23);
  const track = {
    format: 'csv' as const,
    points: [
      { t: t - 5000, lat: 10, lon: 20, speed: 5 },
      { t: t + 5000, lat: 10.001, lon: 20, speed: 5 },
    ],
  };
  const side = await sampleImages({ images: [a], blobs, track });
  const f = side.frames[0];
  assert.ok(f && Math.abs(f.lat - 10.0005) < 1e-4, `sidecar pose ${f?.lat}`);
});
