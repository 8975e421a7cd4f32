/**
 * Attack suite, part 3 of 3 (bench/support/attacks/): copies of another contributor's drive (re-encoded, re-timed),
 * and the real recordings of ../shared/data, none of which may be wrongly quarantined: the clips with GPS pass or are
 * refused only for missing data (too_short; video_unaligned when nothing dates the video and its motion is not
 * confident), the clips without GPS are refused (no_telemetry).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runRealDrives } from '../../bench/support/attacks/index.ts';
import { attackTests } from '../support/attack-suite.ts';

attackTests(['replay_reencoded', 'retimed_copy']);

test('real recordings: none with GPS wrongly quarantined; those without GPS refused for it', async (t) => {
  const results = await runRealDrives();
  for (const r of results) t.diagnostic(`${r.drive.name}: ${r.outcome.status} ${r.outcome.reasons.join(',')}`);
  assert.deepEqual(
    results.filter((r) => r.wronglyQuarantined).map((r) => `${r.drive.name}: ${r.outcome.reasons.join(',')}`),
    [],
  );
  assert.deepEqual(
    results.filter((r) => !r.drive.gps).map((r) => r.outcome.reasons),
    [['no_telemetry'], ['no_telemetry']],
  );
  const kitti = results.find((r) => r.drive.name === 'kitti_2011_09_26_drive_0001')!;
  assert.equal(kitti.outcome.status, 'done', 'the KITTI car drive (107 m) with its start time goes through');
  assert.ok(kitti.outcome.frames > 0, 'and keeps frames');
  const unhinted = results.find((r) => r.drive.name === 'kitti_2011_09_26_drive_0001_unhinted')!;
  assert.deepEqual(unhinted.outcome.reasons, ['video_unaligned'], 'without a start time: not placed, not accused');
});
