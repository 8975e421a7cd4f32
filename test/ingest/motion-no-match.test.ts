/**
 * The "matches at no offset" rule of the motion check (ingest/motion/check-video-motion.ts) on a profile built here:
 * a moving video whose speed falls while the track's rises (no offset fits) is `motion_mismatch` at 30 fps, and is
 * not judged at 10 fps, where a car's motion between two frames can leave block matching's search range (an honest
 * 10 fps drive once scored "no offset").
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Track, TrackPoint } from '../../core/index.ts';
import { checkVideoMotion } from '../../ingest/motion/index.ts';
import type { MotionSample } from '../../ingest/motion/measure-motion.ts';
import type { VideoProbe } from '../../ingest/video/index.ts';

const T0 = Date.UTC(2026, 5, 1, 12);
const DURATION_S = 25;

/** A straight drive north at 10 Hz whose speed rises from 2 to 12 m/s over the video. */
function risingTrack(): Track {
  const points: TrackPoint[] = [];
  let north = 0;
  for (let i = 0; i <= DURATION_S * 10; i++) {
    const speed = 2 + (10 * i) / (DURATION_S * 10);
    points.push({ t: T0 + i * 100, lat: 52 + north / 111_320, lon: 13, speed, heading: 0 });
    north += speed * 0.1;
  }
  return { format: 'gpx', points };
}

/** A moving video (flow 40 px/s, never still) whose speed proxy falls from 0.6 to 0.1 while the track speeds up. */
function fallingVideo(): { samples: MotionSample[]; width: number; height: number; frames: number } {
  const samples: MotionSample[] = [];
  for (let t = 0.05; t < DURATION_S; t += 1 / 15) {
    samples.push({ t, speed: 0.6 - (0.5 * t) / DURATION_S, yaw: 0, flow: 40, tracked: 0.8, luma: 110 });
  }
  return { samples, width: 200, height: 112, frames: samples.length * 2 };
}

const probe = (fps: number) => ({ path: 'built.mp4', durationS: DURATION_S, fps }) as VideoProbe;

for (const [fps, expected] of [
  [30, 'no_offset_matches'],
  [10, undefined],
] as const) {
  test(`a moving video that fits its track at no offset, at ${fps} fps: ${expected ?? 'not judged'}`, async () => {
    const check = await checkVideoMotion({
      probe: probe(fps),
      track: risingTrack(),
      claimedT0Ms: T0,
      claimedBy: 'creation_time',
      profile: fallingVideo(),
    });
    assert.equal(check.motion.offsetMs, undefined, 'no confident offset');
    assert.equal(check.mismatch?.why, expected, JSON.stringify(check.mismatch ?? check.offset));
  });
}
