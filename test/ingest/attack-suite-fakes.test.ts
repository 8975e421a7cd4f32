/**
 * Attack suite, part 1 of 3 (bench/support/attacks/): the honest control must earn; fake videos with a made-up GPX
 * and a real video with another drive's track must book 0 tokens (see test/support/attack-suite.ts for what holds on
 * this branch). Each scenario runs through the real server, tus upload and the stages in job order, in a database of
 * its own with the generated town's roads.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runControl } from '../../bench/support/attacks/index.ts';
import { attackTests } from '../support/attack-suite.ts';

const { drives } = attackTests(['black_video_synthetic_gpx', 'static_video_synthetic_gpx', 'real_video_foreign_track']);

test('control: the honest drive, uploaded once and unaltered, is accepted, keeps frames and earns', async () => {
  const o = await runControl(drives());
  assert.equal(o.status, 'done', o.reasons.join(','));
  assert.equal(o.verdict, 'accepted');
  assert.ok(o.frames >= 10, `${o.frames} frames`);
  assert.ok(o.tokensWei > 0n, 'the control earns');
});
