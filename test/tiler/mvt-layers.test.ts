import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitLayers } from '../../tiler/mvt-layers.ts';

/** An encoded `Tile.layers` entry: version (field 15) first, as ST_AsMVT writes it, then name and extent. */
function layer(name: string, extra: number[] = []): Buffer {
  const n = Buffer.from(name);
  const body = Buffer.from([0x78, 2, 0x0a, n.length, ...n, ...extra, 0x28, 0x80, 0x20]);
  return Buffer.from([0x1a, body.length, ...body]);
}

test('a tile splits into its layers by name, and the parts concatenate back to the tile', () => {
  const parts = [layer('coverage', [0x12, 2, 0x08, 1]), layer('frames')];
  const tile = Buffer.concat(parts);
  const split = splitLayers(tile)!;
  assert.deepEqual([...split.keys()], ['coverage', 'frames']);
  assert.ok(Buffer.concat([...split.values()]).equals(tile));
  assert.ok(Buffer.from(split.get('frames')!).equals(parts[1]!));
  assert.equal(splitLayers(new Uint8Array(0))!.size, 0);
});

test('anything but a plain concatenation of named layers is refused', () => {
  assert.equal(splitLayers(Buffer.from([0x12, 1, 0])), undefined); // not field 3
  assert.equal(splitLayers(layer('x').subarray(0, 5)), undefined); // truncated
  assert.equal(splitLayers(Buffer.concat([layer('x'), layer('x')])), undefined); // a name twice
  assert.equal(splitLayers(Buffer.from([0x1a, 2, 0x28, 1])), undefined); // no name
});
