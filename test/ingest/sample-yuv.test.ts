import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { greyQuality, laplacianVariance, matrixFor, yuv420ToRgb } from '../../ingest/sample/index.ts';
import { FFMPEG_PATH, probeVideo } from '../../ingest/video/index.ts';
import { mulberry32 } from '../support/prng.ts';
import { sharedFile } from '../support/shared-data.ts';

/** Frame `n` of a video as ffmpeg's raw output in `pixFmt`. */
function ffmpegFrame(file: string, n: number, pixFmt: 'yuv420p' | 'rgb24'): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const ff = spawn(FFMPEG_PATH, [
      ...['-v', 'error', '-i', file, '-vf', `select=eq(n\\,${n})`, '-frames:v', '1'],
      ...['-pix_fmt', pixFmt, '-f', 'rawvideo', 'pipe:1'],
    ]);
    const chunks: Buffer[] = [];
    ff.stdout.on('data', (b: Buffer) => chunks.push(b));
    ff.on('error', reject);
    ff.on('close', (code) => (code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`ffmpeg exit ${code}`))));
  });
}

// Tagged streams, where ffmpeg's rgb24 and our matrix choice follow the same tag (SOURCES-media.md).
for (const [name, tag] of [
  ['dashcam_nogps_udacity_test_video.mp4', 'bt709'],
  ['dashcam_nogps_udacity_solidWhiteRight.mp4', 'bt601'],
] as const) {
  test(`yuv420p -> RGB within 2 levels of ffmpeg's rgb24: ${name}`, async () => {
    const file = sharedFile('video', name);
    const probe = await probeVideo(file);
    const matrix = matrixFor(probe.colorSpace, probe.displayHeight);
    assert.equal(matrix, tag);
    const [yuv, ref] = await Promise.all([ffmpegFrame(file, 12, 'yuv420p'), ffmpegFrame(file, 12, 'rgb24')]);
    const rgb = yuv420ToRgb(yuv, probe.width, probe.height, matrix);
    assert.equal(rgb.length, ref.length);
    let max = 0;
    let sum = 0;
    for (let i = 0; i < rgb.length; i++) {
      const d = Math.abs((rgb[i] as number) - (ref[i] as number));
      if (d > max) max = d;
      sum += d;
    }
    assert.ok(max <= 2, `max difference ${max}`);
    assert.ok(sum / rgb.length < 1, `mean difference ${sum / rgb.length}`);
    // A reused output buffer (larger than needed, dirty) gives the same bytes.
    const out = Buffer.alloc(rgb.length + 10, 0xab);
    assert.ok(yuv420ToRgb(yuv, probe.width, probe.height, matrix, out).equals(rgb));
    assert.throws(() => yuv420ToRgb(yuv, probe.width, probe.height, matrix, Buffer.alloc(10)), RangeError);
  });
}

/** The per-pixel definition: each pixel takes the chroma pair of its 2x2 block, 10-bit fixed point, clamped. */
function referenceRgb(src: Uint8Array, width: number, height: number): Uint8ClampedArray {
  const cw = Math.ceil(width / 2);
  const uOff = width * height;
  const vOff = uOff + cw * Math.ceil(height / 2);
  const q = (f: number): number => Math.round(f * 1024);
  const out = new Uint8ClampedArray(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = (y >> 1) * cw + (x >> 1);
      const u = src[uOff + c] as number;
      const v = src[vOff + c] as number;
      const l = q(1.164 * ((src[y * width + x] as number) - 16));
      const o = (y * width + x) * 3;
      out[o] = (l + q(1.793 * (v - 128))) >> 10;
      out[o + 1] = (l + q(-0.213 * (u - 128)) + q(-0.533 * (v - 128))) >> 10;
      out[o + 2] = (l + q(2.112 * (u - 128))) >> 10;
    }
  }
  return out;
}

test('yuv420p -> RGB on odd and tiny sizes matches the per-pixel definition', () => {
  const rand = mulberry32(5);
  for (const [w, h] of [
    [1, 1],
    [2, 2],
    [3, 5],
    [7, 2],
    [33, 17],
    [64, 1],
    [1, 9],
  ] as const) {
    const src = Uint8Array.from({ length: w * h + 2 * Math.ceil(w / 2) * Math.ceil(h / 2) }, () =>
      Math.floor(rand() * 256),
    );
    assert.deepEqual([...yuv420ToRgb(src, w, h, 'bt709')], [...referenceRgb(src, w, h)], `${w}x${h}`);
  }
});

/** The quality figure with the downscale spelled out plainly (box-downscale by k, then mean and Laplacian variance). */
function referenceQuality(plane: Uint8Array, width: number, height: number, stride: number) {
  const k = Math.max(1, Math.round(width / 480));
  const w = Math.floor(width / k);
  const h = Math.floor(height / k);
  const small = new Float32Array(w * h);
  let sum = 0;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let dy = 0; dy < k; dy++)
        for (let dx = 0; dx < k; dx++) s += plane[(y * k + dy) * stride + x * k + dx] as number;
      const v = s * (1 / (k * k));
      small[y * w + x] = v;
      sum += v;
    }
  return { sharpness: laplacianVariance(small, w, h), brightness: sum / (w * h) };
}

test('greyQuality: the word-wise 1080p path and the generic path give exactly the plain figure', () => {
  const rand = mulberry32(11);
  // 1920 and 1924 wide take the 32-bit path (k = 4, rows 4-byte aligned); 1922 and the offset view do not.
  for (const [width, height, stride, offset] of [
    [1920, 1080, 1920, 0],
    [1921, 64, 1924, 0],
    [1922, 64, 1922, 0],
    [1920, 64, 1920, 1],
    [960, 540, 960, 0],
    [1280, 720, 1280, 0],
  ] as const) {
    const backing = Uint8Array.from({ length: stride * height + offset }, () => Math.floor(rand() * 256));
    const plane = backing.subarray(offset);
    const got = greyQuality(plane, { width, height, stride });
    const want = referenceQuality(plane, width, height, stride);
    assert.equal(got.sharpness, want.sharpness, `${width}x${height}/${stride}+${offset} sharpness`);
    assert.equal(got.brightness, want.brightness, `${width}x${height}/${stride}+${offset} brightness`);
  }
});
