import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { tileIdToZxy as referenceIdToZxy, zxyToTileId as referenceZxyToId } from 'pmtiles';
import { MapmintError } from '../../core/errors.ts';
import { MAX_TILE_ID, MAX_TILE_ZOOM, tileIdToZxy, tileIdZoom, zoomBaseId, zxyToTileId } from '../../core/tile-id.ts';

test('tile id: the spec table (spec-v3.md section 4.1) and the reference tests', () => {
  // spec-v3.md, "TileID" table; go-pmtiles tile_id_test.go TestZxyToId / TestIdToZxy assert the same values.
  const table: [number, number, number, number][] = [
    [0, 0, 0, 0],
    [1, 0, 0, 1],
    [1, 0, 1, 2],
    [1, 1, 1, 3],
    [1, 1, 0, 4],
    [2, 0, 0, 5],
    [12, 3423, 1763, 19_078_479],
  ];
  for (const [z, x, y, id] of table) {
    assert.equal(zxyToTileId(z, x, y), id, `${z}/${x}/${y}`);
    assert.deepEqual(tileIdToZxy(id), { z, x, y });
  }
});

test('tile id: every tile of zooms 0..8 round-trips and matches the official reader', () => {
  let expected = 0;
  for (let z = 0; z <= 8; z++) {
    const n = 2 ** z;
    const seen = new Set<number>();
    for (let x = 0; x < n; x++) {
      for (let y = 0; y < n; y++) {
        const id = zxyToTileId(z, x, y);
        assert.equal(id, referenceZxyToId(z, x, y));
        assert.deepEqual(tileIdToZxy(id), { z, x, y });
        seen.add(id);
      }
    }
    // The ids of zoom z are exactly the n*n consecutive integers after those of lower zooms.
    assert.equal(seen.size, n * n);
    assert.equal(Math.min(...seen), expected);
    assert.equal(Math.max(...seen), expected + n * n - 1);
    expected += n * n;
  }
});

test('tile id: the four corners of every zoom 0..26 round-trip exactly (ids stay below 2^53)', () => {
  for (let z = 0; z <= MAX_TILE_ZOOM; z++) {
    const max = 2 ** z - 1;
    for (const [x, y] of [
      [0, 0],
      [max, 0],
      [0, max],
      [max, max],
    ] as const) {
      const id = zxyToTileId(z, x, y);
      assert.ok(Number.isSafeInteger(id));
      assert.equal(id, referenceZxyToId(z, x, y), `${z}/${x}/${y}`);
      assert.deepEqual(tileIdToZxy(id), { z, x, y });
    }
    assert.equal(zoomBaseId(z), (4 ** z - 1) / 3);
    assert.equal(tileIdZoom(zoomBaseId(z)), z);
    if (z > 0) assert.equal(tileIdZoom(zoomBaseId(z) - 1), z - 1);
  }
  assert.equal(MAX_TILE_ID, 6_004_799_503_160_660);
  assert.ok(MAX_TILE_ID < Number.MAX_SAFE_INTEGER);
  assert.deepEqual(tileIdToZxy(MAX_TILE_ID).z, 26);
});

const tileArb = fc
  .integer({ min: 0, max: MAX_TILE_ZOOM })
  .chain((z) => fc.record({ z: fc.constant(z), x: fc.nat(2 ** z - 1), y: fc.nat(2 ** z - 1) }));

test('tile id: property — z/x/y -> id -> z/x/y at random zooms 0..26, equal to the official reader', () => {
  fc.assert(
    fc.property(tileArb, ({ z, x, y }) => {
      const id = zxyToTileId(z, x, y);
      assert.equal(id, referenceZxyToId(z, x, y));
      assert.deepEqual(tileIdToZxy(id), { z, x, y });
    }),
    { numRuns: 5000 },
  );
});

test('tile id: property — any id in [0, MAX_TILE_ID] -> z/x/y -> the same id', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: MAX_TILE_ID }), (id) => {
      const { z, x, y } = tileIdToZxy(id);
      assert.equal(zxyToTileId(z, x, y), id);
      assert.deepEqual(referenceIdToZxy(id), [z, x, y]);
    }),
    { numRuns: 5000 },
  );
});

test('tile id: property — consecutive ids within a zoom are edge neighbours (the Hilbert curve is continuous)', () => {
  fc.assert(
    fc.property(tileArb, ({ z, x, y }) => {
      const id = zxyToTileId(z, x, y);
      fc.pre(id + 1 < zoomBaseId(z) + 4 ** z);
      const next = tileIdToZxy(id + 1);
      assert.equal(next.z, z);
      assert.equal(Math.abs(next.x - x) + Math.abs(next.y - y), 1);
    }),
    { numRuns: 5000 },
  );
});

test('tile id: rejects zooms above 26, coordinates outside the grid and bad ids with invalid_input', () => {
  const invalid = (e: unknown) => e instanceof MapmintError && e.kind === 'invalid_input';
  assert.throws(() => zxyToTileId(27, 0, 0), invalid);
  assert.throws(() => zxyToTileId(-1, 0, 0), invalid);
  assert.throws(() => zxyToTileId(3, 8, 0), invalid);
  assert.throws(() => zxyToTileId(3, 0, -1), invalid);
  assert.throws(() => zxyToTileId(3, 1.5, 0), invalid);
  assert.throws(() => tileIdToZxy(MAX_TILE_ID + 1), invalid);
  assert.throws(() => tileIdToZxy(-1), invalid);
  assert.throws(() => tileIdToZxy(0.5), invalid);
});
