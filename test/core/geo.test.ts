import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { bearing, boxOf, destination, growBox, haversine, headingDelta } from '../../core/geo.ts';

test('haversine: one degree of latitude is about 111.2 km', () => {
  assert.ok(Math.abs(haversine(0, 0, 1, 0) - 111_195) < 5);
});

test('destination then haversine and bearing round-trip', () => {
  fc.assert(
    fc.property(
      fc.double({ min: -80, max: 80, noNaN: true }),
      fc.double({ min: -179, max: 179, noNaN: true }),
      fc.double({ min: 0, max: 359.9, noNaN: true }),
      fc.double({ min: 1, max: 50_000, noNaN: true }),
      (lat, lon, b, d) => {
        const [lat2, lon2] = destination(lat, lon, b, d);
        assert.ok(Math.abs(haversine(lat, lon, lat2, lon2) - d) < 1e-3 * d + 1e-6);
        assert.ok(Math.abs(headingDelta(bearing(lat, lon, lat2, lon2), b)) < 0.01);
      },
    ),
  );
});

test('headingDelta wraps around north', () => {
  assert.equal(headingDelta(10, 350), 20);
  assert.equal(headingDelta(350, 10), -20);
  assert.equal(headingDelta(0, 180), 180);
});

test('growBox moves every side of a box out by the given metres', () => {
  fc.assert(
    fc.property(
      fc.double({ min: -70, max: 70, noNaN: true }),
      fc.double({ min: -170, max: 170, noNaN: true }),
      fc.double({ min: 1, max: 5000, noNaN: true }),
      (lat, lon, metres) => {
        const [w, s, e, n] = growBox(boxOf([{ lat, lon }]), metres);
        for (const d of [haversine(lat, lon, s, lon), haversine(lat, lon, n, lon)])
          assert.ok(Math.abs(d - metres) < 0.01);
        for (const d of [haversine(lat, lon, lat, w), haversine(lat, lon, lat, e)])
          assert.ok(Math.abs(d - metres) < metres * 1e-3);
      },
    ),
  );
});
