import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { MapmintError } from '../../core/errors.ts';
import {
  type DecodeStats,
  decodeFrames,
  FFMPEG_PATH,
  probeVideo,
  selectExpression,
  type VideoProbe,
} from '../../ingest/video/index.ts';
import { sharedFile } from '../support/shared-data.ts';

// 960x540 at 25 fps, 221 frames, tagged smpte170m (SOURCES-media.md).
const FILE = sharedFile('video', 'dashcam_nogps_udacity_solidWhiteRight.mp4');
const WINDOWS: Array<[number, number]> = [
  [0.98, 1.1],
  [3.0, 3.02],
  [5.5, 5.62],
  [8.7, 9],
];
let dir = '';
let probe: VideoProbe;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mapmint-video-decode-'));
  probe = await probeVideo(FILE);
});
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** ffmpeg's own yuv420p output of the same select filter, one sha256 per frame, read through a plain pipe. */
function referenceFrames(windows: Array<[number, number]>, frameBytes: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const ff = spawn(FFMPEG_PATH, [
      ...['-v', 'error', '-i', FILE, '-map', '0:v:0', '-vf', `select='${selectExpression(windows)}'`],
      ...['-fps_mode', 'passthrough', '-pix_fmt', 'yuv420p', '-f', 'rawvideo', 'pipe:1'],
    ]);
    const chunks: Buffer[] = [];
    ff.stdout.on('data', (b: Buffer) => chunks.push(b));
    ff.on('error', reject);
    ff.on('close', (code) => {
      if (code !== 0) return reject(new Error(`ffmpeg exited ${code}`));
      const all = Buffer.concat(chunks);
      const out: string[] = [];
      for (let at = 0; at + frameBytes <= all.length; at += frameBytes)
        out.push(
          createHash('sha256')
            .update(all.subarray(at, at + frameBytes))
            .digest('hex'),
        );
      resolve(out);
    });
  });
}

test('windows: the same bytes as ffmpeg writes, in order, with each frame pts', async () => {
  const stats: DecodeStats = { yielded: 0, warnings: [] };
  const got: Array<{ n: number; ptsS: number; sha: string }> = [];
  let frameBytes = 0;
  for await (const f of decodeFrames({ probe, windows: WINDOWS, stats })) {
    assert.deepEqual([f.width, f.height], [960, 540]);
    frameBytes = f.data.length;
    // Hashed now: the buffer is reused for a later frame once the loop asks for the next one.
    got.push({ n: f.n, ptsS: f.ptsS, sha: createHash('sha256').update(f.data).digest('hex') });
    // A slow consumer now and then: the reader fills its ring of buffers, pauses and resumes.
    if (f.n % 4 === 0) await new Promise((r) => setTimeout(r, 40));
  }
  assert.equal(frameBytes, 960 * 540 * 1.5);
  const ref = await referenceFrames(WINDOWS, frameBytes);
  // 25 fps: each window holds the frames whose time t = i / 25 lies inside it.
  const expected = WINDOWS.flatMap(([a, b]) =>
    Array.from({ length: 221 }, (_, i) => i / 25).filter((t) => t >= a && t <= b),
  );
  assert.equal(got.length, expected.length);
  assert.equal(stats.yielded, got.length);
  assert.deepEqual(
    got.map((g) => g.n),
    got.map((_, i) => i),
  );
  for (const [i, g] of got.entries()) assert.ok(Math.abs(g.ptsS - (expected[i] as number)) < 1e-6, `pts ${g.ptsS}`);
  assert.deepEqual(
    got.map((g) => g.sha),
    ref,
    'byte-identical to ffmpeg',
  );
  assert.equal(new Set(ref).size, ref.length, 'distinct frames (so a stale reused buffer would show)');
});

test('seekS: a seek to the keyframe before the windows gives the same frames and times as a full decode', async () => {
  // The clip has a keyframe about every 28 frames, so both seeks land between keyframes and ffmpeg must decode
  // forward from an earlier one and drop what precedes the seek point.
  const later = WINDOWS.slice(2);
  const frameBytes = 960 * 540 * 1.5;
  const ref = await referenceFrames(later, frameBytes);
  for (const seekS of [5.45, (later[0] as [number, number])[0]]) {
    const stats: DecodeStats = { yielded: 0, warnings: [] };
    const got: Array<{ ptsS: number; sha: string }> = [];
    for await (const f of decodeFrames({ probe, windows: later, seekS, stats }))
      got.push({ ptsS: f.ptsS, sha: createHash('sha256').update(f.data).digest('hex') });
    const expected = later.flatMap(([a, b]) =>
      Array.from({ length: 221 }, (_, i) => i / 25).filter((t) => t >= a && t <= b),
    );
    assert.equal(got.length, expected.length, `seek ${seekS}`);
    for (const [i, g] of got.entries())
      assert.ok(Math.abs(g.ptsS - (expected[i] as number)) < 1e-6, `seek ${seekS}: pts ${g.ptsS}`);
    assert.deepEqual(
      got.map((g) => g.sha),
      ref,
      `seek ${seekS}: byte-identical to the full decode`,
    );
    assert.deepEqual(stats.warnings, []);
  }
});

test('stopping early ends ffmpeg; decoding again afterwards gives the same first frame', async () => {
  const first = async (): Promise<string> => {
    for await (const f of decodeFrames({ probe, windows: WINDOWS }))
      return createHash('sha256').update(f.data).digest('hex');
    throw new Error('no frame');
  };
  const a = await first();
  assert.equal(await first(), a);
});

test('a file ffmpeg cannot decode is video_corrupt, with what ffmpeg said', async () => {
  const bad = path.join(dir, 'bad.mp4');
  await writeFile(bad, Buffer.alloc(4096, 7));
  await assert.rejects(
    async () => {
      for await (const _ of decodeFrames({ probe: { ...probe, path: bad } })) assert.fail('no frame expected');
    },
    (e: unknown) => e instanceof MapmintError && e.code === 'video_corrupt' && /ffmpeg/.test(e.message),
  );
});
