/**
 * Limits against hostile uploads (issue 17.2), in process: long tracks validate without argument-spread overflows,
 * readers stop at the point cap with `telemetry_too_large`, GPMF samples pointing at the same bytes are refused,
 * and ffmpeg/ffprobe limits (timeout, duration, frame rate, resolution) end in typed reason codes. The same readers
 * under a small heap are in telemetry-memory.test.ts.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { MapmintError, type Track, type TrackPoint } from '../../core/index.ts';
import { bufferSource, readMp4TelemetrySource, readTrack } from '../../ingest/telemetry/index.ts';
import { trackFingerprint, validateTrack } from '../../ingest/validate/index.ts';
import { decodeFrames, probeVideo } from '../../ingest/video/index.ts';
import { hostileMp4, realGpmfPayload } from '../support/hostile-mp4.ts';
import { writeLongTrack } from '../support/long-track.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'mapmint-limits-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A 300,000-point drive east along 20° N at 1 Hz and ~23 m/s: every fix is more than the fingerprint spacing from
 * the last, so the fingerprint too has 300,000 entries (a spread of 130,000 already overflows the stack).
 */
function longTrack(n = 300_000): Track {
  const points: TrackPoint[] = [];
  const t0 = Date.UTC(2026, 0, 1, 8);
  for (let i = 0; i < n; i++) {
    points.push({ t: t0 + i * 1000, lat: 20 + (i % 2) * 1e-6, lon: -30 + i * 2.2e-4, hdop: 0.8, satellites: 9 });
  }
  return { format: 'gpx', points };
}

async function rejects(p: Promise<unknown>, code: string): Promise<MapmintError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof MapmintError, `expected MapmintError ${code}, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected ${code}, got a result`);
}

describe('long tracks', () => {
  it('a 300,000-point track fingerprints and validates (no Math.min spread RangeError)', () => {
    const track = longTrack();
    const fp = trackFingerprint(track);
    assert.ok(fp.lat.length > 200_000, `${fp.lat.length} fingerprint fixes`);
    assert.ok(fp.bbox[0] < fp.bbox[2] && fp.bbox[1] < fp.bbox[3]);
    const report = validateTrack(track, { earlier: [fp], nowMs: Date.UTC(2027, 0, 1) });
    assert.equal(report.stats.points, 300_000);
    assert.ok(
      report.reasons.some((r) => r.code === 'replay'),
      'a copy of itself is a replay',
    );
  });

  for (const format of ['gpx', 'nmea', 'csv', 'json'] as const) {
    it(`${format}: 300,000 points read back; over the point cap it is telemetry_too_large`, async () => {
      const file = await writeLongTrack(dir, format, 300_000);
      const track = await readTrack({ path: file });
      assert.equal(track.points.length, 300_000);
      const e = await rejects(readTrack({ path: file, limits: { maxPoints: 100_000 } }), 'telemetry_too_large');
      assert.equal(e.kind, 'too_large');
      assert.match(e.message, /100000|100,000/);
    });
  }

  it('json: a file over the JSON byte cap is telemetry_too_large before it is parsed', async () => {
    const file = await writeLongTrack(dir, 'json', 50_000);
    await rejects(readTrack({ path: file, limits: { maxWholeFileBytes: 1 << 20 } }), 'telemetry_too_large');
  });
});

describe('GPMF samples pointing at the same bytes', () => {
  it('2,000 chunks all pointing at one payload are mp4_overlapping_samples, not 2,000 decodes', async () => {
    const payload = realGpmfPayload();
    const mp4 = hostileMp4({ payload, samples: 2000 });
    const e = await rejects(readMp4TelemetrySource(bufferSource(mp4, 'repeat.mp4')), 'mp4_overlapping_samples');
    assert.match(e.message, /repeat\.mp4/);
  });

  it('one sample of the same payload still reads', async () => {
    const track = await readMp4TelemetrySource(bufferSource(hostileMp4({ payload: realGpmfPayload(), samples: 1 })));
    assert.ok(track.points.length > 0);
  });
});

describe('video limits', () => {
  const make = (name: string, lavfi: string, extra: string[] = []): string => {
    const out = path.join(dir, name);
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', lavfi, ...extra, '-pix_fmt', 'yuv420p', out]);
    return out;
  };

  it('a frame rate above the cap is video_fps_too_high, with what to change', async () => {
    const file = make('fast.mp4', 'testsrc=size=64x48:rate=480', ['-t', '0.5']);
    const e = await rejects(probeVideo(file), 'video_fps_too_high');
    assert.match(e.message, /fps/);
  });

  it('duration and resolution caps come from the probe, before any decode', async () => {
    const file = make('small.mp4', 'testsrc=size=64x48:rate=10', ['-t', '2']);
    assert.equal((await probeVideo(file)).displayHeight, 48);
    await rejects(probeVideo(file, { maxDurationS: 1 }), 'video_too_long');
    await rejects(probeVideo(file, { maxHeight: 32 }), 'video_resolution_too_high');
  });

  it('a decode that outlives its timeout is killed: video_decode_timeout', async () => {
    const file = make('slow.mp4', 'testsrc=size=320x240:rate=30', ['-t', '4']);
    const probe = await probeVideo(file);
    let frames = 0;
    const run = (async () => {
      for await (const _ of decodeFrames({ probe, timeout: { baseS: 0, perVideoS: 0 } })) frames++;
    })();
    await rejects(run, 'video_decode_timeout');
    assert.ok(frames < probe.frameCount, `${frames} of ${probe.frameCount} frames before the kill`);
  });
});
