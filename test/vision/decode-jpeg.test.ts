/**
 * decodeRgb's fast path: plain JPEGs (what ingest stores) are decoded by libjpeg-turbo directly; JPEGs that need
 * colour management or rotation, CMYK, and broken files go through sharp, as before.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import sharp from 'sharp';
import { decodeRgbWithSharp } from '../../vision/image/raw-image.ts';
import { decodeRgb, isPlainJpeg } from '../../vision/index.ts';
import { sharedFile } from '../support/shared-data.ts';

/** A frame as ingest stores it: sharp-encoded q85 JPEG of a real photo's pixels, no metadata. */
async function storedFrame(): Promise<{ jpeg: Buffer; raw: { data: Buffer; width: number; height: number } }> {
  const { data, info } = await sharp(sharedFile('images', 'alpr_us_22e54a62.jpg'))
    .raw()
    .toBuffer({ resolveWithObject: true });
  const jpeg = await sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } })
    .jpeg({ quality: 85 })
    .toBuffer();
  return { jpeg, raw: { data, width: info.width, height: info.height } };
}

function meanAbsDiff(a: Buffer, b: Buffer): number {
  assert.equal(a.length, b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

test('a stored frame takes the fast path and decodes to the pixels sharp gives, within JPEG rounding', async () => {
  const { jpeg } = await storedFrame();
  assert.equal(isPlainJpeg(jpeg), true);
  const [fast, slow] = [await decodeRgb(jpeg), await decodeRgbWithSharp(jpeg)];
  assert.deepEqual([fast.width, fast.height], [slow.width, slow.height]);
  const d = meanAbsDiff(fast.data, slow.data);
  assert.ok(d < 1.5, `mean |difference| ${d.toFixed(3)} per channel`);
  assert.ok(d > 0 || fast.data.equals(slow.data));
});

test('an ICC profile, an EXIF rotation or CMYK sends the JPEG through sharp', async () => {
  const icc = readFileSync(sharedFile('images', 'udacity_highway_test1.jpg'));
  assert.equal(isPlainJpeg(icc), false, 'embedded ICC profile');
  // The profile changes the colours (about 10 levels on this photo): the result must be sharp's, exactly.
  assert.ok((await decodeRgb(icc)).data.equals((await decodeRgbWithSharp(icc)).data));

  const { raw } = await storedFrame();
  const input = () => sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: 3 } });
  const rotated = await input().jpeg().withMetadata({ orientation: 6 }).toBuffer();
  assert.equal(isPlainJpeg(rotated), false, 'EXIF orientation 6');
  const r = await decodeRgb(rotated);
  assert.deepEqual([r.width, r.height], [raw.height, raw.width], 'rotated upright');

  const cmyk = await input().toColourspace('cmyk').jpeg().toBuffer();
  assert.equal(isPlainJpeg(cmyk), false, 'CMYK (Adobe APP14, 4 components)');
  assert.equal((await decodeRgb(cmyk)).data.length, raw.width * raw.height * 3);

  // An EXIF block saying orientation 1 (written by hand: sharp's withMetadata also embeds an sRGB profile).
  const plain = await input().jpeg().toBuffer();
  for (const [order, value] of [
    ['II', 1],
    ['MM', 1],
    ['MM', 8],
  ] as const) {
    const tiff = Buffer.alloc(26);
    const le = order === 'II';
    tiff.write(order, 0, 'latin1');
    const w16 = (v: number, at: number) => (le ? tiff.writeUInt16LE(v, at) : tiff.writeUInt16BE(v, at));
    const w32 = (v: number, at: number) => (le ? tiff.writeUInt32LE(v, at) : tiff.writeUInt32BE(v, at));
    w16(42, 2);
    w32(8, 4);
    w16(1, 8); // one IFD0 entry: Orientation (0x0112), SHORT, count 1
    w16(0x0112, 10);
    w16(3, 12);
    w32(1, 14);
    w16(value, 18);
    const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
    const app1 = Buffer.concat([Buffer.from([0xff, 0xe1, 0, 0]), body]);
    app1.writeUInt16BE(body.length + 2, 2);
    const withExif = Buffer.concat([plain.subarray(0, 2), app1, plain.subarray(2)]);
    assert.equal(isPlainJpeg(withExif), value === 1, `${order} orientation ${value}`);
    const d = await decodeRgb(withExif);
    assert.deepEqual([d.width, d.height], value === 8 ? [raw.height, raw.width] : [raw.width, raw.height]);
  }
});

test('a grey JPEG decodes to RGB; a truncated one is an error, not a half image', async () => {
  const { raw } = await storedFrame();
  const grey = await sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: 3 } })
    .greyscale()
    .jpeg()
    .toBuffer();
  assert.equal(isPlainJpeg(grey), true);
  const g = await decodeRgb(grey);
  assert.equal(g.data.length, g.width * g.height * 3);
  for (let i = 0; i < g.data.length; i += 3 * 997)
    assert.ok(g.data[i] === g.data[i + 1] && g.data[i] === g.data[i + 2]);

  const { jpeg } = await storedFrame();
  await assert.rejects(decodeRgb(jpeg.subarray(0, Math.floor(jpeg.length * 0.9))), /premature end|truncated|corrupt/i);
  for (const junk of [Buffer.from([0xff, 0xd8, 0xff]), Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff, 0])])
    assert.equal(isPlainJpeg(junk), false);
});
