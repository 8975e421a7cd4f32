/**
 * matchTrack on small hand-built networks where the right answer is known exactly: the receiver's course picks the
 * carriageway, a multipath jump is left out instead of followed, a real U-turn at a dead end is still matched, and
 * the edge-based router charges U-turns. Pure: no database. Noise comes from a seeded generator (mulberry32).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TrackPoint } from '../../core/track.ts';
import { buildRoadGraph, type GraphPiece, type MatchResult, matchTrack, type RoadGraph } from '../../roads/index.ts';
import { Router } from '../../roads/shortest-path.ts';

const LAT0 = 47.37;
const LON0 = 8.54;
const KY = 111_195;
const KX = KY * Math.cos((LAT0 * Math.PI) / 180);
const T0 = Date.UTC(2024, 5, 1, 8);

type XY = [number, number];

/** A piece from local metres east/north of (LAT0, LON0). */
function piece(id: string, way: number, from: number, to: number, pts: XY[], oneway: -1 | 0 | 1 = 0): GraphPiece {
  let lengthM = 0;
  for (let i = 1; i < pts.length; i++) {
    const a = pts[i - 1] as XY;
    const b = pts[i] as XY;
    lengthM += Math.hypot(b[0] - a[0], b[1] - a[1]);
  }
  return {
    id,
    source: from,
    target: to,
    lengthM,
    oneway,
    coords: pts.map(([x, y]) => [LON0 + x / KX, LAT0 + y / KY] as const),
    wayId: way,
    fromNode: from,
    toNode: to,
    name: null,
    ref: null,
    class: 'residential',
  };
}

/** Seeded N(0, sd) samples (mulberry32 + Box-Muller). */
function gaussian(seed: number): (sd: number) => number {
  let s = seed >>> 0;
  const u = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return (sd) => sd * Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

/** One fix a second along a polyline at `speed` m/s: position noise `noise` m per axis plus a fixed offset, course within 2 deg. */
function drive(path: XY[], opts: { speed: number; noise: number; seed: number; offset?: XY }): TrackPoint[] {
  const n = gaussian(opts.seed);
  const cum = [0];
  for (let i = 1; i < path.length; i++) {
    const a = path[i - 1] as XY;
    const b = path[i] as XY;
    cum.push((cum[i - 1] as number) + Math.hypot(b[0] - a[0], b[1] - a[1]));
  }
  const out: TrackPoint[] = [];
  for (let k = 0, s = 0; s <= (cum[cum.length - 1] as number); k++, s += opts.speed) {
    let i = 0;
    while (i < path.length - 2 && (cum[i + 1] as number) < s) i++;
    const [ax, ay] = path[i] as XY;
    const [bx, by] = path[i + 1] as XY;
    const f = (s - (cum[i] as number)) / ((cum[i + 1] as number) - (cum[i] as number));
    const x = ax + (bx - ax) * f + (opts.offset?.[0] ?? 0) + n(opts.noise);
    const y = ay + (by - ay) * f + (opts.offset?.[1] ?? 0) + n(opts.noise);
    const heading = ((Math.atan2(bx - ax, by - ay) * 180) / Math.PI + 360 + n(2)) % 360;
    out.push({ t: T0 + k * 1000, lat: LAT0 + y / KY, lon: LON0 + x / KX, speed: opts.speed, heading });
  }
  return out;
}

const pieces = (r: MatchResult) => r.subMatches.flatMap((s) => s.pieces);

/** A dual carriageway: northbound oneway at x = +7 m, southbound at x = -7 m, joined at both ends. */
function dualCarriageway(): RoadGraph {
  return buildRoadGraph([
    piece(
      'north',
      1,
      1,
      2,
      [
        [7, -400],
        [7, 400],
      ],
      1,
    ),
    piece(
      'south',
      2,
      3,
      4,
      [
        [-7, 400],
        [-7, -400],
      ],
      1,
    ),
    piece('top', 3, 2, 3, [
      [7, 400],
      [-7, 400],
    ]),
    piece('bottom', 3, 4, 1, [
      [-7, -400],
      [7, -400],
    ]),
  ]);
}

test('course over ground picks the carriageway the fix is farther from', () => {
  const g = dualCarriageway();
  // 9 m west of the northbound carriageway, 5 m east of the southbound one, heading north at 12 m/s.
  const fix: TrackPoint = { t: T0, lat: LAT0, lon: LON0 + -2 / KX, speed: 12, heading: 1 };
  const withCourse = matchTrack(g, [fix]).points[0];
  assert.equal(withCourse?.pieceId, 'north');
  // Without the course only the distance speaks, and the southbound carriageway is nearer.
  assert.equal(matchTrack(g, [fix], { courseSigmaDeg: 0 }).points[0]?.pieceId, 'south');
  // Too slow for a Doppler course to mean anything: ignored.
  assert.equal(matchTrack(g, [{ ...fix, speed: 1.5 }]).points[0]?.pieceId, 'south');
});

test('a drive up a dual carriageway with fixes pulled towards the other side stays on its own side', () => {
  const g = dualCarriageway();
  for (const seed of [1, 2, 3]) {
    const fixes = drive(
      [
        [7, -350],
        [7, 350],
      ],
      { speed: 12, noise: 4, seed, offset: [-9, 0] },
    );
    const r = matchTrack(g, fixes);
    const onNorth = pieces(r)
      .filter((p) => p.pieceId === 'north' && p.direction === 1)
      .reduce((a, p) => a + p.lengthM, 0);
    // Before: the nearer southbound oneway was "driven" backwards at no cost, so almost nothing was matched.
    assert.ok(onNorth >= 0.9 * 700, `seed ${seed}: ${onNorth.toFixed(0)} m on the northbound carriageway`);
    assert.ok(r.matchedLengthM <= 1.05 * 700, `seed ${seed}: matched ${r.matchedLengthM.toFixed(0)} m`);
  }
});

test('a burst of multipath fixes thrown onto the next street is left out, not driven to', () => {
  // Two parallel streets 60 m apart with cross streets every 100 m.
  const list: GraphPiece[] = [];
  for (let k = 0; k < 4; k++) {
    const x0 = k * 100;
    list.push(
      piece(`main${k}`, 1, 10 + k, 11 + k, [
        [x0, 0],
        [x0 + 100, 0],
      ]),
    );
    list.push(
      piece(`back${k}`, 2, 20 + k, 21 + k, [
        [x0, 60],
        [x0 + 100, 60],
      ]),
    );
  }
  for (let k = 0; k <= 4; k++)
    list.push(
      piece(`cross${k}`, 3 + k, 10 + k, 20 + k, [
        [k * 100, 0],
        [k * 100, 60],
      ]),
    );
  const g = buildRoadGraph(list);
  for (const seed of [1, 2, 3]) {
    const fixes = drive(
      [
        [10, 0],
        [390, 0],
      ],
      { speed: 10, noise: 4, seed },
    );
    for (const k of [18, 19]) {
      const p = fixes[k] as TrackPoint;
      fixes[k] = { ...p, lat: p.lat + 60 / KY };
    }
    const r = matchTrack(g, fixes, { sigmaZ: 4 });
    assert.equal(r.subMatches.length, 1, `seed ${seed}: one continuous match`);
    for (const p of pieces(r)) assert.match(p.pieceId, /^main/, `seed ${seed}: only the main street is driven`);
    assert.ok(Math.abs(r.matchedLengthM - 380) < 15, `seed ${seed}: matched ${r.matchedLengthM.toFixed(0)} m`);
    assert.equal(r.points[18], undefined);
    assert.equal(r.points[19], undefined);
    assert.ok(r.stats.outliers >= 1, `seed ${seed}: the jump counted as an outlier`);
  }
});

test('a real U-turn at the end of a dead end is still matched, both ways, in one piece', () => {
  // A main street through node 2 and a 150 m dead end north from it.
  const g = buildRoadGraph([
    piece('west', 1, 1, 2, [
      [-300, 0],
      [0, 0],
    ]),
    piece('east', 1, 2, 3, [
      [0, 0],
      [300, 0],
    ]),
    piece('deadend', 2, 2, 4, [
      [0, 0],
      [0, 150],
    ]),
  ]);
  const path: XY[] = [
    [-250, 1.5],
    [-1.5, 1.5],
    [-1.5, 148],
    [1.5, 148],
    [1.5, 1.5],
    [250, 1.5],
  ];
  for (const seed of [1, 2, 3, 4, 5]) {
    for (const opts of [{}, { courseSigmaDeg: 0 }]) {
      const r = matchTrack(g, drive(path, { speed: 6, noise: 5, seed }), { sigmaZ: 5, ...opts });
      const label = `seed ${seed} ${JSON.stringify(opts)}`;
      assert.equal(r.subMatches.length, 1, label);
      const dead = pieces(r).filter((p) => p.pieceId === 'deadend');
      assert.deepEqual(
        dead.map((p) => p.direction),
        [1, -1],
        label,
      );
      for (const p of dead) assert.ok(p.lengthM > 120, `${label}: ${p.lengthM.toFixed(0)} m of the dead end`);
    }
  }
});

test('the edge-based router charges a U-turn, and forbids it when told to', () => {
  // A straight street of two pieces A (0 -> 1) and B (1 -> 2).
  const g = buildRoadGraph([
    piece('a', 1, 0, 1, [
      [0, 0],
      [100, 0],
    ]),
    piece('b', 1, 1, 2, [
      [100, 0],
      [200, 0],
    ]),
  ]);
  const aFwd = 0;
  const aBack = 1;
  const bFwd = 2;
  const router = new Router(g, 300);
  assert.equal(router.distance(aFwd, bFwd, 1000), 0, 'straight on: nothing in between');
  assert.equal(router.distance(aFwd, aBack, 1000), 300, 'turning straight back costs the penalty');
  // From A forwards back onto A forwards: U-turn at node 1, A backwards, U-turn at node 0.
  assert.equal(router.distance(aFwd, aFwd, 1000), 100 + 2 * 300);
  assert.deepEqual(router.path(aFwd, aFwd, 1000), [aBack]);
  // The limit bounds the length driven, not the penalties.
  assert.equal(router.distance(aFwd, aFwd, 99), Number.POSITIVE_INFINITY);
  assert.equal(new Router(g, Number.POSITIVE_INFINITY).distance(aFwd, aBack, 1000), Number.POSITIVE_INFINITY);
});
