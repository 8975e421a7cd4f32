/**
 * Attack suite, part 1 of 3 (bench/support/attacks/): the honest control must earn; fake videos with a made-up GPX
 * and a real video with another drive's track must book 0 tokens (see test/support/attack-suite.ts for what holds on
 * this branch). Each scenario runs through the real server, tus upload and the stages in job order, in a database of
 * its own with the generated town's roads.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runControls } from '../../bench/support/attacks/index.ts';
import { attackTests } from '../support/attack-suite.ts';

const { drives } = attackTests(['black_video_synthetic_gpx', 'static_video_synthetic_gpx', 'real_video_foreign_track']);

test('controls: each generated drive, uploaded once with its own video and track, is accepted, keeps frames and earns', async () => {
  const controls = await runControls(drives());
  for (const { name, outcome: o } of controls) {
    assert.equal(o.status, 'done', `${name}: ${o.reasons.join(',')}`);
    assert.match(o.verdict ?? '', /^accepted/, name);
    assert.ok(o.frames >= 10, `${name}: ${o.frames} frames`);
    assert.ok(o.tokensWei > 0n, `${name} earns`);
  }
});
