/**
 * The clock-rate check (ingest/motion/check-clock-rate.ts): one offset must hold from the video's first third to its
 * last. On the attack suite's honest drive (25 s, 30 fps, ground texture) its own track passes; the same track on a
 * clock stretched by 1.25 is refuted (its thirds drift apart by over a second); a 1.1 stretch stays under the bound.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { stretched } from '../../bench/support/attacks/forge.ts';
import { makeSuiteDrives, type SuiteDrives } from '../../bench/support/attacks/index.ts';
import type { TrackPoint } from '../../core/track.ts';
import { checkVideoMotion, type MotionProfile, measureMotion } from '../../ingest/motion/index.ts';
import { probeVideo, type VideoProbe } from '../../ingest/video/index.ts';

let dir = '';
let drives: SuiteDrives;
let probe: VideoProbe;
let profile: MotionProfile;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mapmint-clock-rate-'));
  drives = await makeSuiteDrives(dir);
  probe = await probeVideo(drives.honest.video);
  profile = await measureMotion(probe);
});
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const check = (points: TrackPoint[]) =>
  checkVideoMotion({
    probe,
    profile,
    track: { format: 'gpx', points },
    claimedT0Ms: drives.honest.startMs,
    claimedBy: 'creation_time',
  });

test('the honest drive with its own track: a confident offset and no clock-rate mismatch', async () => {
  const r = await check(drives.honest.track.points);
  assert.ok(r.motion.offsetMs !== undefined, 'confident');
  assert.equal(r.mismatch, undefined, JSON.stringify(r.mismatch));
});

test('its track on a clock stretched by 1.25: a confident best offset, but motion_mismatch for the clock rate', async () => {
  const r = await check(stretched(drives.honest.track.points, 1.25));
  assert.ok(r.motion.offsetMs !== undefined, 'the whole video still finds a confident offset');
  assert.equal(r.mismatch?.why, 'clock_rate', JSON.stringify(r));
  assert.ok(Number(r.mismatch?.details.driftMs) > 1000, JSON.stringify(r.mismatch?.details));
});

test('a 1.1 stretch drifts under the bound and is not refuted (the documented limit)', async () => {
  const r = await check(stretched(drives.honest.track.points, 1.1));
  assert.equal(r.mismatch, undefined, JSON.stringify(r.mismatch));
});
