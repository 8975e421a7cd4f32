/** Pure fusion math: rays from boxes against the demo camera, triangulation, order independence, removal odds. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { cameraTransform, focalPx, projectCamera } from '../../demo/index.ts';
import {
  associateDrive,
  estimateFeature,
  localFrame,
  type Observation,
  observe,
  REMOVAL_PRIOR,
  REMOVED_AT,
  triangulate,
  updateRemoval,
} from '../../fusion/index.ts';
import { mulberry32 } from '../support/prng.ts';
import { synthesize } from './support/synthetic.ts';

const cam = { width: 1280, height: 720, hfovDeg: 115 };

test('a box projected by the demo camera gives back the bearing and range of the object', () => {
  fc.assert(
    fc.property(
      fc.double({ min: 0, max: 359, noNaN: true }),
      fc.double({ min: -25, max: 25, noNaN: true }),
      fc.double({ min: 5, max: 40, noNaN: true }),
      fc.double({ min: -10, max: 10, noNaN: true }),
      (heading, off, range, mount) => {
        const yaw = heading + mount;
        const b = ((yaw + off) * Math.PI) / 180;
        const [ox, oy] = [range * Math.sin(b), range * Math.cos(b)];
        const p = cameraTransform({ x: 0, y: 0, z: 1.3, yawDeg: yaw, pitchDeg: 0 })(ox, oy, 2.1);
        const f = focalPx(cam);
        const [u, v] = projectCamera(cam, f, p);
        const h = (f * 0.75) / p[2];
        const o = observe({
          detectionId: 1,
          uploadId: 'u',
          frameId: 1,
          t: 0,
          lat: 47,
          lon: 8,
          headingDeg: heading,
          frameWidth: 1280,
          frameHeight: 720,
          hfovDeg: 115,
          mountYawDeg: mount,
          class: 'regulatory--stop',
          score: 0.9,
          x1: u - h / 2,
          y1: v - h / 2,
          x2: u + h / 2,
          y2: v + h / 2,
          value: null,
        });
        assert.ok(o);
        const db = Math.abs(((((o.bearingDeg - (yaw + off)) % 360) + 540) % 360) - 180);
        assert.ok(db < 1e-3, `bearing off by ${db}`);
        assert.ok(Math.abs(o.rangeM - range) < 1e-3 * range, `range ${o.rangeM} vs ${range}`);
      },
    ),
  );
});

test('rays through one point intersect there; near-parallel rays fall back to their ranges', () => {
  const ray = (x: number, y: number, tx: number, ty: number, rangeM: number) => ({
    x,
    y,
    bearingDeg: (Math.atan2(tx - x, ty - y) * 180) / Math.PI,
    bearingSigmaDeg: 1,
    rangeM,
    rangeSigmaM: 3,
    positionSigmaM: 0.5,
  });
  // Ranges off by 2-3 m (about one sigma): the crossing still decides.
  const crossing = triangulate([ray(0, 0, 5, 30, 33), ray(0, 10, 5, 30, 18), ray(0, 20, 5, 30, 13)]);
  assert.equal(crossing.method, 'rays');
  assert.ok(Math.hypot(crossing.x - 5, crossing.y - 30) < 0.5, `${crossing.x} ${crossing.y}`);
  // Three rays straight ahead (1 m of baseline): the bearing fixes direction, the ranges (33 m true) the depth.
  const parallel = triangulate([ray(0, 0, 0, 40, 39), ray(0, 1, 0, 40, 38.5), ray(0, 2, 0, 40, 37)]);
  assert.equal(parallel.method, 'range');
  assert.ok(Math.abs(parallel.x) < 0.01 && Math.abs(parallel.y - 39.2) < 1, `${parallel.x} ${parallel.y}`);
});

test('shuffled observations give the same tracklets and the same features', () => {
  const data = synthesize({ seed: 5, drives: 2, lengthM: 4000 });
  let id = 0;
  const obs: Observation[] = data.drives.flatMap((d, k) =>
    d.frames.flatMap((fr, fi) =>
      fr.dets.flatMap((det) => {
        const o = observe({
          detectionId: id++,
          uploadId: `u${k}`,
          frameId: fi,
          t: fr.t,
          lat: fr.lat,
          lon: fr.lon,
          headingDeg: fr.headingDeg,
          frameWidth: 1280,
          frameHeight: 720,
          hfovDeg: 115,
          mountYawDeg: 0,
          class: det.class,
          score: det.score,
          x1: det.box[0],
          y1: det.box[1],
          x2: det.box[2],
          y2: det.box[3],
          value: det.value,
        });
        return o ? [o] : [];
      }),
    ),
  );
  const rnd = mulberry32(9);
  const shuffled = [...obs].sort(() => rnd() - 0.5);
  const run = (xs: Observation[]) =>
    ['u0', 'u1']
      .flatMap((u) => associateDrive(xs.filter((o) => o.uploadId === u)))
      .map((t) => {
        const e = estimateFeature(t.observations);
        return [
          t.class,
          e.lat,
          e.lon,
          e.observationCount,
          t.observations.map((o) => o.detectionId).sort((a, b) => a - b),
        ];
      });
  const a = run(obs);
  assert.ok(a.length >= 5, `only ${a.length} tracklets`);
  assert.deepEqual(run(shuffled), a);
});

test('removal probability: three clear misses in a row cross the threshold, a detection resets it', () => {
  let p = REMOVAL_PRIOR;
  const after: number[] = [];
  for (let i = 0; i < 3; i++) {
    p = updateRemoval(p, { expected: 4, seen: 0 });
    after.push(p);
  }
  assert.ok((after[1] as number) < REMOVED_AT && (after[2] as number) >= REMOVED_AT, after.join(' '));
  assert.equal(updateRemoval(p, { expected: 4, seen: 2 }), REMOVAL_PRIOR);
  assert.ok(
    updateRemoval(REMOVAL_PRIOR, { expected: 1, seen: 0 }) < updateRemoval(REMOVAL_PRIOR, { expected: 3, seen: 0 }),
  );
  assert.equal(localFrame(47, 8).toXY(47, 8).join(), '0,0');
});
