/**
 * Child-process entry of telemetry-memory.test.ts: reads one telemetry file with `readTrack` and prints one JSON line,
 * `{"points": n}` or `{"code": ..., "kind": ...}` for a MapmintError. Anything else (a RangeError, a crash, running
 * out of heap) is left to surface as a non-zero exit, which the test counts as a failure.
 */
import { MapmintError } from '../../core/index.ts';
import { readTrack } from '../../ingest/telemetry/index.ts';

const file = process.argv[2];
if (!file) throw new Error('usage: read-hostile.ts <file>');
try {
  const track = await readTrack({ path: file });
  process.stdout.write(`${JSON.stringify({ points: track.points.length })}\n`);
} catch (e) {
  if (!(e instanceof MapmintError)) throw e;
  process.stdout.write(`${JSON.stringify({ code: e.code, kind: e.kind })}\n`);
}
