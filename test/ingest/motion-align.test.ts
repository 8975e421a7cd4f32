/**
 * The video's own motion and the offset it gives against the track, on real footage (KITTI car drive, GoPro
 * clips from ../shared/data) and on a generated drive with stops and turns, its clock's claim shifted by known
 * amounts. What must hold: a right answer within 100 ms where the motion has structure (stops, turns), "unknown"
 * where it has not (an 11 s steady deceleration, a walk) or where the track covers too little of the video — never a
 * confident wrong answer.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Track } from '../../core/index.ts';
import { generateDrive } from '../../demo/index.ts';
import {
  checkVideoMotion,
  findOffset,
  type MotionProfile,
  measureMotion,
  trackProfile,
} from '../../ingest/motion/index.ts';
import { readTrack } from '../../ingest/telemetry/index.ts';
import { alignVideoToTrack, localToUtcMs, probeVideo, type VideoProbe } from '../../ingest/video/index.ts';
import { sharedFile } from '../support/shared-data.ts';

const KITTI = sharedFile('drives', 'kitti_2011_09_26_drive_0001');

interface Clip {
  probe: VideoProbe;
  track: Track;
  profile: MotionProfile;
  truthMs: number;
}

async function clip(video: string, trackFile: string, truth: (p: VideoProbe, t: Track) => number): Promise<Clip> {
  const probe = await probeVideo(video);
  const track = await readTrack({ path: trackFile });
  return { probe, track, profile: await measureMotion(probe), truthMs: truth(probe, track) };
}

let dir = '';
let kitti: Clip;
let generated: Clip;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mapmint-motion-'));
  kitti = await clip(path.join(KITTI, 'video.mp4'), path.join(KITTI, 'gps.gpx'), (_p, t) => t.points[0]!.t);
  const d = await generateDrive({
    outDir: path.join(dir, 'drive'),
    seed: 21,
    pbf: false,
    route: { durationS: 40, start: 'stop-sign' },
    gps: { rateHz: 5 },
    video: { width: 320, height: 180, fps: 15, groundTexture: true },
  });
  generated = await clip(d.paths.video!, d.paths.gpx, () => Date.parse(d.manifest.startTime));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The aligner's answer for a clip whose clock claims `shiftS` seconds off the truth. */
function alignShifted(c: Clip, shiftS: number) {
  const claimed = c.truthMs + shiftS * 1000;
  const r = findOffset(c.profile.samples, trackProfile(c.track), {
    claimedT0Ms: claimed,
    durationS: c.probe.durationS,
  });
  const err = (off: number | undefined) => (off === undefined ? undefined : Math.abs(claimed + off - c.truthMs));
  return { ...r, errorMs: err(r.offsetMs), bestErrorMs: err(r.bestMs) as number };
}

/** Pearson correlation of two equally long series. */
function correlation(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, x) => s + x, 0) / n;
  const mb = b.reduce((s, x) => s + x, 0) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

test('KITTI: the motion profile decelerates with the car (13 -> 5 m/s), never stops, and follows the GPS speed', () => {
  const s = kitti.profile.samples.filter((x) => !Number.isNaN(x.speed));
  assert.ok(s.length >= 0.9 * kitti.profile.samples.length, `${s.length} measurable samples`);
  assert.ok(
    s.every((x) => x.flow > 5),
    'no frame pair is still',
  );
  const mean = (xs: typeof s) => xs.reduce((a, x) => a + x.speed, 0) / xs.length;
  const early = mean(s.filter((x) => x.t < 3));
  const late = mean(s.filter((x) => x.t > 8));
  assert.ok(early > 1.4 * late, `speed proxy ${early.toFixed(3)} in the first 3 s, ${late.toFixed(3)} after 8 s`);
  const profile = trackProfile(kitti.track);
  const gps = s.map((x) => profile.speed[Math.round(x.t / profile.stepS)]!);
  const r = correlation(
    s.map((x) => x.speed),
    gps,
  );
  assert.ok(r > 0.8, `correlation with GPS speed ${r.toFixed(3)}`);
});

test('KITTI shifted by 0.5 to 20 s: the best offset is within 100 ms, reported as unknown (a steady deceleration is ambiguous)', () => {
  for (const shift of [-20, -7, -0.5, 0.5, 2, 20]) {
    const r = alignShifted(kitti, shift);
    assert.ok(r.bestErrorMs <= 100, `shift ${shift} s: best offset ${r.bestErrorMs} ms off`);
    // A linear speed ramp fits itself shifted with only a little less variance explained: not confident.
    assert.equal(r.offsetMs, undefined, `shift ${shift} s: confidence ${r.confidence}`);
  }
});

test('a generated drive with stops and turns: every shift from -20 to +20 s is recovered within 100 ms, confidently', () => {
  for (const shift of [-20, -7, -2, -0.5, 0.5, 2, 7, 20]) {
    const r = alignShifted(generated, shift);
    assert.ok(r.errorMs !== undefined, `shift ${shift} s: unknown (confidence ${r.confidence}, score ${r.score})`);
    assert.ok(r.errorMs <= 100, `shift ${shift} s: ${r.errorMs} ms off`);
  }
});

test('a still copy of the drive is not aligned: no motion, no offset', () => {
  const still = { ...generated.profile, samples: generated.profile.samples.map((x) => ({ ...x, speed: 0, yaw: 0 })) };
  const r = findOffset(still.samples, trackProfile(generated.track), {
    claimedT0Ms: generated.truthMs,
    durationS: generated.probe.durationS,
  });
  assert.equal(r.offsetMs, undefined);
});

test('low overlap: a track covering 8 s of a 40 s video gives no offset, whatever the shift', () => {
  const t0 = generated.truthMs + 12_000;
  const short: Track = {
    ...generated.track,
    points: generated.track.points.filter((p) => p.t >= t0 && p.t < t0 + 8000),
  };
  for (const shift of [-2, 0, 5]) {
    const r = findOffset(generated.profile.samples, trackProfile(short), {
      claimedT0Ms: generated.truthMs + shift * 1000,
      durationS: generated.probe.durationS,
    });
    assert.equal(r.offsetMs, undefined, `shift ${shift}: ${r.offsetMs} ms at confidence ${r.confidence}`);
    assert.equal(r.why, 'no_overlap');
  }
});

test('GoPro clips (GPMF on the media clock): the Karma drone flight aligns within 100 ms, the walk is unknown and neither is a mismatch', async () => {
  const truth = (probe: VideoProbe, track: Track) => alignVideoToTrack({ probe, track, embedded: true }).t0Ms;
  const drone = sharedFile('video', 'gopro_hero5_karma.mp4');
  const walk = sharedFile('video', 'gopro_max_heromode.mp4');
  const karma = await clip(drone, drone, truth);
  for (const shift of [-7, 2]) {
    const r = alignShifted(karma, shift);
    assert.ok(
      r.errorMs !== undefined && r.errorMs <= 100,
      `drone shift ${shift}: ${r.errorMs} (best ${r.bestErrorMs})`,
    );
  }
  const max = await clip(walk, walk, truth);
  assert.equal(alignShifted(max, 3).offsetMs, undefined, 'a walk at ~1 m/s has no speed structure to align on');
  for (const c of [karma, max]) {
    const check = await checkVideoMotion({
      probe: c.probe,
      track: c.track,
      claimedT0Ms: c.truthMs,
      claimedBy: 'embedded_telemetry',
      profile: c.profile,
    });
    assert.equal(check.mismatch, undefined, JSON.stringify(check.mismatch));
  }
});

test('timezone: a creation_time written in local time is re-read in the manifest zone (DST included)', () => {
  const summer = Date.parse('2024-06-01T10:00:00Z');
  assert.equal(localToUtcMs(summer, 'Europe/Berlin'), Date.parse('2024-06-01T08:00:00Z'));
  const winter = Date.parse('2024-01-15T10:00:00Z');
  assert.equal(localToUtcMs(winter, 'America/New_York'), Date.parse('2024-01-15T15:00:00Z'));
  assert.throws(() => localToUtcMs(summer, 'Mars/Olympus'), /unknown time zone/);
});
