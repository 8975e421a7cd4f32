/** Property and unit tests of validateTrack: never throws, never adds points, verdicts agree with findings. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Track, TrackPoint } from '../../core/track.ts';
import { planDrive } from '../../demo/index.ts';
import { THRESHOLDS, validateTrack } from '../../ingest/validate/index.ts';

const NOW = Date.UTC(2025, 0, 1);
const num = fc.oneof(fc.double({ noNaN: false }), fc.double({ min: -1, max: 1 }), fc.constant(0));
const point = fc.record(
  {
    t: fc.oneof(fc.integer({ min: 1.5e12, max: 1.5e12 + 3.6e6 }), fc.double()),
    lat: fc.oneof(fc.double({ min: 47, max: 47.01 }), num),
    lon: fc.oneof(fc.double({ min: 8, max: 8.01 }), num),
    hdop: fc.option(fc.double({ min: 0, max: 50 }), { nil: undefined }),
    fix: fc.option(fc.constantFrom(0 as const, 2 as const, 3 as const), { nil: undefined }),
    satellites: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }),
  },
  { requiredKeys: ['t', 'lat', 'lon'] },
);
/** A random walk at car speeds, with occasional wild points, so the motion checks get exercised too. */
const walk = fc
  .array(
    fc.tuple(
      fc.double({ min: -40, max: 40 }),
      fc.double({ min: -40, max: 40 }),
      fc.integer({ min: -500, max: 20_000 }),
    ),
    {
      maxLength: 300,
    },
  )
  .map((steps) => {
    let lat = 47;
    let lon = 8;
    let t = 1.6e12;
    return steps.map(([dx, dy, dt]): TrackPoint => {
      lat += dy / 111_000;
      lon += dx / 75_000;
      t += dt;
      return { t, lat, lon };
    });
  });
const trackArb = fc
  .oneof(fc.array(point, { maxLength: 200 }), walk)
  .map((points): Track => ({ format: 'csv', points }));

test('validateTrack never throws, never adds points, and agrees with its findings', () => {
  fc.assert(
    fc.property(trackArb, (track) => {
      const r = validateTrack(track, { nowMs: NOW, video: { startMs: 1.5e12, durationS: 60 } });
      assert.ok(r.trimmed.points.length <= track.points.length);
      assert.equal(r.stats.keptPoints, r.trimmed.points.length);
      for (const p of r.trimmed.points) assert.ok(track.points.includes(p), 'kept points come from the input');
      const rejects = r.reasons.filter((f) => f.severity === 'reject');
      if (r.verdict === 'accepted') {
        assert.equal(rejects.length, 0);
        assert.equal(r.trimmed.points.length, track.points.length);
      }
      if (r.verdict === 'rejected') assert.ok(rejects.length > 0);
      for (let i = 1; i < r.trimmed.points.length; i++)
        assert.ok(r.trimmed.points[i]!.t > r.trimmed.points[i - 1]!.t, 'kept times strictly increase');
      assert.deepEqual(JSON.parse(JSON.stringify(r)).verdict, r.verdict);
    }),
    { numRuns: 300, seed: 42 },
  );
});

const base = (): Track => ({
  format: 'gpx',
  points: planDrive({ seed: 5, video: false, route: { durationS: 120 } }).fixes,
});
const codes = (t: Track, opts = {}) =>
  validateTrack(t, { nowMs: NOW, ...opts }).reasons.map((f) => `${f.code}:${f.severity}`);

test('each point check fires on its defect', () => {
  const t = base();
  assert.deepEqual(
    codes(t).filter((c) => !c.endsWith(':info')),
    [],
  );
  const pts = t.points;
  const mut = (f: (p: TrackPoint[]) => void) => {
    const c = structuredClone(pts);
    f(c);
    return { format: 'gpx', points: c } as Track;
  };
  assert.ok(codes(mut((p) => Object.assign(p[10]!, { lat: 91 }))).includes('out_of_range:trim'));
  assert.ok(codes(mut((p) => Object.assign(p[10]!, { lat: Number.NaN }))).includes('out_of_range:trim'));
  assert.ok(codes(mut((p) => Object.assign(p[10]!, { lat: 0.001, lon: -0.002 }))).includes('null_island:trim'));
  assert.ok(codes(mut((p) => Object.assign(p[10]!, { hdop: 25 }))).includes('poor_fix:trim'));
  assert.ok(codes(mut((p) => Object.assign(p[10]!, { fix: 0 }))).includes('poor_fix:trim'));
  assert.ok(codes(mut((p) => Object.assign(p[10]!, { t: p[5]!.t }))).includes('non_monotonic_time:trim'));
  assert.ok(codes(mut((p) => p.splice(11, 0, { ...p[10]! }))).includes('duplicate_timestamps:info'));
  assert.ok(
    codes(mut((p) => p.splice(11, 0, { ...p[10]!, lat: p[10]!.lat + 1e-4 }))).includes('duplicate_timestamps:trim'),
  );
  assert.ok(codes(mut((p) => p.splice(40, 20))).includes('time_gap:info'));
  assert.ok(codes(mut((p) => p.splice(40, 70))).includes('time_gap:split'));
  assert.ok(codes(mut((p) => Object.assign(p[30]!, { lat: p[30]!.lat + 0.01 }))).includes('teleport:trim'));
  const short = mut((p) => p.splice(4));
  assert.ok(codes(short).includes('too_short:reject'));
});

test('video_duration_mismatch: the track must cover the video within 3 s + 2 %', () => {
  const t = base();
  const start = t.points[0]!.t;
  const span = (t.points[t.points.length - 1]!.t - start) / 1000;
  assert.ok(!codes(t, { video: { startMs: start, durationS: span } }).some((c) => c.startsWith('video')));
  assert.ok(!codes(t, { video: { startMs: start - 2000, durationS: span + 2 } }).some((c) => c.startsWith('video')));
  const tol = THRESHOLDS.video.toleranceS + THRESHOLDS.video.toleranceFraction * (span + 30);
  assert.ok(tol < 30);
  assert.ok(codes(t, { video: { startMs: start, durationS: span + 30 } }).includes('video_duration_mismatch:reject'));
  assert.ok(
    codes(t, { video: { startMs: start - 20_000, durationS: span } }).includes('video_duration_mismatch:reject'),
  );
});

test('a short bad prefix (receiver converging) is trimmed, the rest accepted', () => {
  const t = base();
  const pts = t.points.map((p, i) => (i < 2 ? { ...p, lat: p.lat + 0.02 } : p));
  const r = validateTrack({ format: 'gpx', points: pts }, { nowMs: NOW });
  assert.equal(r.verdict, 'accepted_with_trims');
  assert.equal(r.stats.keptPoints, pts.length - 2);
  assert.ok(r.reasons.some((f) => f.code === 'teleport' && f.severity === 'trim'));
});
