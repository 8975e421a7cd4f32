/**
 * The stops check (ingest/motion/check-stops.ts) on profiles built here: a video that stood still for 3 s refutes a
 * track that drives on through every offset at which it covers the video, and fits its own track, which stopped.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stillRuns, stopsContradict } from '../../ingest/motion/check-stops.ts';
import type { MotionSample } from '../../ingest/motion/measure-motion.ts';
import type { TrackProfile } from '../../ingest/motion/track-profile.ts';

const T0 = Date.UTC(2026, 5, 1, 12);
const STEP_S = 0.05;

/** 25 s of video at 10 pairs/s: moving (flow 40) except a still stretch (flow 3) from `stopFrom` to `stopTo`. */
function video(stopFrom: number, stopTo: number, durationS = 25): MotionSample[] {
  const out: MotionSample[] = [];
  for (let t = 0.05; t < durationS; t += 0.1) {
    const still = t >= stopFrom && t <= stopTo;
    out.push({ t, speed: still ? 0 : 0.4, yaw: 0, flow: still ? 3 : 40, tracked: 0.8, luma: 110 });
  }
  return out;
}

/** A track from T0 for `seconds`, its speed given per second by `speedAt`. */
function track(seconds: number, speedAt: (s: number) => number): TrackProfile {
  const n = Math.round(seconds / STEP_S) + 1;
  const speed = new Float64Array(n);
  for (let i = 0; i < n; i++) speed[i] = speedAt(i * STEP_S);
  return { startMs: T0, stepS: STEP_S, speed, turn: new Float64Array(n) };
}

const opts = { claimedT0Ms: T0, durationS: 25, rangeS: 30 };
const steady = track(25, (s) => (s < 4 ? 2 * s : 8.2));
const ownStop = track(25, (s) => (s >= 11 && s <= 14 ? 0.3 : 8));

test('2 s or more of a small speed proxy and under 5 px/s of flow is a stop; shorter ones and unmeasurable pairs are not', () => {
  assert.deepEqual(
    stillRuns(video(11, 14)).map(([a, b]) => [Math.round(a), Math.round(b)]),
    [[11, 14]],
  );
  assert.deepEqual(stillRuns(video(11, 12.5)), []);
  const gappy = video(11, 14).map((s) => (s.t > 12 && s.t < 12.3 ? { ...s, speed: Number.NaN } : s));
  assert.deepEqual(stillRuns(gappy), [], 'an unmeasurable pair ends a run: 11-12 s and 12.3-14 s are too short');
});

test('a video stopped mid-drive refutes a steady track at every covering offset', () => {
  const r = stopsContradict(video(11, 14), steady, opts);
  assert.ok(r, 'contradiction expected');
  assert.ok(r.offsetsChecked > 10, `offsets checked: ${r.offsetsChecked}`);
});

test('its own track, which stopped there, fits; so does a clock off by seconds within the search', () => {
  assert.equal(stopsContradict(video(11, 14), ownStop, opts), undefined);
  assert.equal(stopsContradict(video(11, 14), ownStop, { ...opts, claimedT0Ms: T0 + 2500 }), undefined);
});

test('no judgement without a stop in the video, or without an offset at which the track covers the video', () => {
  assert.equal(stopsContradict(video(-1, -1), steady, opts), undefined);
  const short = track(10, () => 8.2);
  assert.equal(stopsContradict(video(11, 14), short, opts), undefined);
});

test('a track slower than a car (a walk, a crawl in traffic) never contradicts a stopped camera', () => {
  const crawl = track(25, () => 3);
  assert.equal(stopsContradict(video(11, 14), crawl, opts), undefined);
});

test('a far-away scene at speed (small divergence, but the road still flows) is not a stop', () => {
  const highway = video(11, 14).map((s) => (s.t >= 11 && s.t <= 14 ? { ...s, speed: 0.02, flow: 25 } : s));
  assert.deepEqual(stillRuns(highway), []);
  assert.equal(stopsContradict(highway, steady, opts), undefined);
});
