import assert from 'node:assert/strict';
import { test } from 'node:test';
import { layerSignature } from '../../tiler/build-tiles.ts';
import { anyZoomFilter, LAYERS, type LayerSpec, vectorLayers, zoomFilterAt } from '../../tiler/layers.ts';

const spec = (over: Partial<LayerSpec>): LayerSpec => ({ ...LAYERS[0]!, ...over });

test('zoom filters: the first entry reaching the zoom applies; above the last, every row', () => {
  const s = spec({
    minzoom: 8,
    maxzoom: 14,
    zoomFilters: [
      { maxzoom: 9, where: 'a', keeps: 'A' },
      { maxzoom: 11, where: 'b', keeps: 'B' },
    ],
  });
  assert.deepEqual(
    [8, 9, 10, 11, 12, 14].map((z) => zoomFilterAt(s, z)),
    ['a', 'a', 'b', 'b', undefined, undefined],
  );
  // Some zoom draws every row: the data extent is unfiltered.
  assert.equal(anyZoomFilter(s), undefined);
  // Every zoom filtered: the extent covers the rows of any of them.
  assert.equal(anyZoomFilter({ ...s, maxzoom: 11 }), '(a) OR (b)');
  assert.equal(anyZoomFilter(spec({ zoomFilters: undefined })), undefined);
});

test('coverage: trunk roads at z10, major roads at z11, listed in the metadata and the layer signature', () => {
  const coverage = LAYERS.find((l) => l.name === 'coverage')!;
  const where = zoomFilterAt(coverage, 11)!;
  for (const c of ['motorway', 'trunk_link', 'primary', 'secondary', 'tertiary_link'])
    assert.ok(where.includes(`'${c}'`));
  for (const c of ['residential', 'service', 'unclassified', 'living_street']) assert.ok(!where.includes(`'${c}'`));
  assert.equal(zoomFilterAt(coverage, 12), undefined);
  const z10 = zoomFilterAt(coverage, 10)!;
  for (const c of ['motorway', 'trunk_link', 'primary']) assert.ok(z10.includes(`'${c}'`));
  for (const c of ['secondary', 'tertiary', 'residential']) assert.ok(!z10.includes(`'${c}'`));
  const layers = [{ spec: coverage, source: coverage.sources[0]! }];
  const [meta] = vectorLayers(layers);
  assert.deepEqual(
    (meta!['zoom_filters'] as { maxzoom: number }[]).map((f) => f.maxzoom),
    [10, 11],
  );
  // Tiles built with other filters differ: the signature changes, so an update falls back to a full build.
  const [sig] = layerSignature(layers);
  assert.notEqual(
    sig,
    layerSignature([{ spec: { ...coverage, zoomFilters: undefined }, source: coverage.sources[0]! }])[0],
  );
});
