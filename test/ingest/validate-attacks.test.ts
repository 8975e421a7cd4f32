/**
 * Both error rates on generated drives: attacks built from planDrive (spoofs, teleports, replays, speed-ups) must be
 * caught (>= 95 % per class) and genuine noisy drives must pass (<= 2 % false positives).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { destination } from '../../core/geo.ts';
import type { Track, TrackPoint } from '../../core/track.ts';
import { planDrive } from '../../demo/index.ts';
import {
  type ReasonCode,
  replaySimilarity,
  trackFingerprint,
  type ValidationReport,
  validateTrack,
} from '../../ingest/validate/index.ts';
import { mulberry32 } from '../support/prng.ts';

const SEEDS = Array.from({ length: 40 }, (_, i) => i + 1);
const NOW = Date.UTC(2025, 0, 1);
const DAY = 86_400_000;

const drive = (seed: number, gps = {}) => planDrive({ seed, video: false, route: { durationS: 180 }, gps });
const asTrack = (points: TrackPoint[]): Track => ({ format: 'gpx', points });
const noisy = (seed: number) =>
  asTrack(drive(seed).fixes.map(({ t, lat, lon, alt, speed, heading }) => ({ t, lat, lon, alt, speed, heading })));

/** The true route resampled at one constant speed and 1 s interval (a route planner's "drive"). */
function constantSpeedSpoof(seed: number): Track {
  const truth = drive(seed).truth;
  const cum = [0];
  for (let i = 1; i < truth.length; i++)
    cum.push((cum[i - 1] as number) + Math.hypot(truth[i]!.x - truth[i - 1]!.x, truth[i]!.y - truth[i - 1]!.y));
  const speed = 9 + (seed % 5);
  const points: TrackPoint[] = [];
  let k = 0;
  for (let s = 0, t = truth[0]!.t; s <= (cum[cum.length - 1] as number); s += speed, t += 1000) {
    while (k + 2 < cum.length && (cum[k + 1] as number) < s) k++;
    const a = truth[k]!;
    const b = truth[k + 1] ?? a;
    const f =
      (cum[k + 1] ?? 0) > (cum[k] as number)
        ? (s - (cum[k] as number)) / ((cum[k + 1] as number) - (cum[k] as number))
        : 0;
    points.push({ t, lat: a.lat + f * (b.lat - a.lat), lon: a.lon + f * (b.lon - a.lon) });
  }
  return asTrack(points);
}

/** A straight line between two places at constant speed, 1 Hz. */
function straightLineSpoof(seed: number): Track {
  const r = mulberry32(seed);
  const lat0 = 47 + r();
  const lon0 = 8 + r();
  const brg = r() * 360;
  const speed = 8 + r() * 15;
  const n = 120 + Math.floor(r() * 200);
  return asTrack(
    Array.from({ length: n }, (_, i) => {
      const [lat, lon] = destination(lat0, lon0, brg, i * speed);
      return { t: Date.UTC(2024, 5, 1) + i * 1000, lat, lon };
    }),
  );
}

/** The true drive with white noise of sigma 0.02-0.2 m and no bias. */
const tinyNoiseSpoof = (seed: number) =>
  asTrack(drive(seed, { whiteSigmaM: 0.02 + 0.18 * mulberry32(seed)(), biasSigmaM: 0 }).fixes);

/** From a point in the middle 10-90 %, every fix displaced by 200 m..5 km in one direction. */
function teleport(seed: number): Track {
  const r = mulberry32(seed + 1000);
  const pts = noisy(seed).points;
  const at = Math.floor(pts.length * (0.1 + 0.8 * r()));
  const d = 200 + r() * 4800;
  const brg = r() * 360;
  return asTrack(pts.map((p, i) => (i < at ? p : { ...p, ...latLon(destination(p.lat, p.lon, brg, d)) })));
}
const latLon = ([lat, lon]: [number, number]) => ({ lat, lon });

/** A copy with <= 0.5 m uniform-disc jitter, shifted by seconds or days. */
function replayOf(track: Track, seed: number): Track {
  const r = mulberry32(seed + 2000);
  const shift = seed % 2 === 0 ? Math.round(1000 + r() * 30_000) : Math.round((1 + r() * 30) * DAY);
  return asTrack(
    track.points.map((p) => {
      const [lat, lon] = destination(p.lat, p.lon, r() * 360, 0.5 * Math.sqrt(r()));
      return { ...p, t: p.t + shift, lat, lon };
    }),
  );
}

/** The same drive with its clock running 10x fast. */
function spedUp(seed: number): Track {
  const pts = noisy(seed).points;
  const t0 = pts[0]!.t;
  return asTrack(pts.map((p) => ({ ...p, t: t0 + Math.round((p.t - t0) / 10) })));
}

/** A real re-drive: the same true route with independent receiver noise (white 3 m + Gauss-Markov bias 2 m). */
function reDrive(seed: number): Track {
  const r = mulberry32(seed + 3000);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const phi = Math.exp(-1 / 30);
  let be = gauss() * 2;
  let bn = gauss() * 2;
  return asTrack(
    drive(seed).truth.map((p) => {
      be = phi * be + Math.sqrt(1 - phi * phi) * 2 * gauss();
      bn = phi * bn + Math.sqrt(1 - phi * phi) * 2 * gauss();
      const e = be + 3 * gauss();
      const n = bn + 3 * gauss();
      const [lat, lon] = destination(p.lat, p.lon, (Math.atan2(e, n) * 180) / Math.PI, Math.hypot(e, n));
      return { t: p.t + 3 * DAY, lat, lon };
    }),
  );
}

const has = (r: ValidationReport, code: ReasonCode) => r.reasons.some((f) => f.code === code && f.severity !== 'info');
const caught = (r: ValidationReport, code: ReasonCode) => r.verdict !== 'accepted' && has(r, code);

function rate(name: string, t: { diagnostic: (m: string) => void }, hits: boolean[]): number {
  const k = hits.filter(Boolean).length;
  t.diagnostic(`${name}: ${k}/${hits.length} (${((100 * k) / hits.length).toFixed(1)} %)`);
  return k / hits.length;
}

test('genuine generated drives (default noise) pass: false positives <= 2 %', (t) => {
  const reports = SEEDS.map((s) => validateTrack(noisy(s), { nowMs: NOW }));
  const fp = rate(
    'false positives (rejected) on genuine drives',
    t,
    reports.map((r) => r.verdict === 'rejected'),
  );
  const trims = rate(
    'genuine drives with trims',
    t,
    reports.map((r) => r.verdict === 'accepted_with_trims'),
  );
  assert.ok(fp <= 0.02, `false-positive rate ${fp}`);
  assert.ok(trims <= 0.1, `trim rate ${trims}`);
});

test('spoofs are too_perfect: constant-speed truth, straight lines, tiny noise', (t) => {
  for (const [name, make] of [
    ['constant-speed true route', constantSpeedSpoof],
    ['straight line', straightLineSpoof],
    ['noise sigma < 0.2 m', tinyNoiseSpoof],
  ] as const) {
    const hits = SEEDS.map((s) => caught(validateTrack(make(s), { nowMs: NOW }), 'too_perfect'));
    assert.ok(rate(`spoof detection, ${name}`, t, hits) >= 0.95, name);
  }
});

test('teleports of 200 m..5 km are caught and split off', (t) => {
  const reports = SEEDS.map((s) => validateTrack(teleport(s), { nowMs: NOW }));
  assert.ok(
    rate(
      'teleport detection',
      t,
      reports.map((r) => caught(r, 'teleport')),
    ) >= 0.95,
  );
  for (const r of reports)
    if (has(r, 'teleport')) assert.ok(r.segments.length >= 2 || r.stats.keptPoints < r.stats.points);
});

test('a 10x sped-up drive is rejected for impossible speed', (t) => {
  const reports = SEEDS.map((s) => validateTrack(spedUp(s), { nowMs: NOW }));
  const hits = reports.map((r) => r.verdict === 'rejected' && has(r, 'impossible_speed'));
  assert.ok(rate('speed-up detection (rejected)', t, hits) >= 0.95);
});

test('replays are caught; independent re-drives of the same route are not', (t) => {
  const hits: boolean[] = [];
  const falseHits: boolean[] = [];
  for (const s of SEEDS) {
    const original = noisy(s);
    const earlier = [trackFingerprint(original), trackFingerprint(noisy(s + 100))];
    hits.push(caught(validateTrack(replayOf(original, s), { nowMs: NOW, earlier }), 'replay'));
    const sim = replaySimilarity(trackFingerprint(reDrive(s)), earlier[0]!);
    falseHits.push(sim.replay);
  }
  assert.ok(rate('replay detection', t, hits) >= 0.95);
  assert.ok(rate('re-drive flagged as replay (false positive)', t, falseHits) <= 0.02);
});

test('replaySimilarity separates copies (cm, constant offset) from re-drives (metres)', () => {
  const a = noisy(7);
  const fa = trackFingerprint(a);
  const copy = replaySimilarity(trackFingerprint(replayOf(a, 8)), fa);
  assert.ok(copy.replay && copy.geometric > 0.6 && copy.temporal > 0.9, JSON.stringify(copy));
  const shifted = asTrack(
    a.points.map((p) => ({ ...p, ...latLon(destination(p.lat, p.lon, 90, 4)), t: p.t + 5 * DAY })),
  );
  const s = replaySimilarity(trackFingerprint(shifted), fa);
  assert.ok(s.replay && s.offsetM > 3 && Math.abs(s.timeShiftS - 5 * 86400) < 1, JSON.stringify(s));
  const other = replaySimilarity(trackFingerprint(reDrive(7)), fa);
  assert.ok(!other.replay && other.spreadM > 1, JSON.stringify(other));
  assert.deepEqual(JSON.parse(JSON.stringify(fa)), fa);
});

test('short spoofs: a 25 s exact simulator track is rejected, 25 s of genuine noisy driving is not', () => {
  let caught = 0;
  let genuineRejected = 0;
  for (let seed = 300; seed < 320; seed++) {
    const r = mulberry32(seed);
    const bearingDeg = r() * 360;
    const speed = 8 + r() * 10;
    const points = Array.from({ length: 26 }, (_, i) => {
      const [lat, lon] = destination(47.37, 8.54, bearingDeg, i * speed);
      return { t: 1.7e12 + i * 1000, lat, lon };
    });
    if (validateTrack({ format: 'csv', points }).reasons.some((f) => f.code === 'too_perfect')) caught++;
    const genuine = planDrive({ seed, video: false, route: { durationS: 25 } });
    const v = validateTrack(asTrack(genuine.fixes));
    if (v.verdict === 'rejected' && v.reasons.some((f) => f.code === 'too_perfect')) genuineRejected++;
  }
  assert.equal(caught, 20);
  assert.equal(genuineRejected, 0);
});
