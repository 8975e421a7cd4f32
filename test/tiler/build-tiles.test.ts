import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  buildTiles,
  decompress,
  openArchive,
  openFileReader,
  readCurrent,
  updateTiles,
  validateArchiveFile,
  versionPath,
} from '../../tiler/index.ts';
import type { TestDatabase } from '../support/db.ts';
import { openReference } from './pmtiles-file-source.ts';
import { goldenDataset, insertDrives, insertGoldenCoverageAndFeatures, useFixedCoverage } from './support/dataset.ts';
import { archiveToJson, assertGolden } from './support/golden.ts';
import { closeGoldenDatabase, liveArchive, openGoldenDatabase } from './support/golden-db.ts';

let db: TestDatabase;
let dir = '';
const HOW = 'test/tiler/support/dataset.ts goldenDataset() built with buildTiles z0..16; UPDATE_GOLDEN=1 regenerates';

before(async () => {
  ({ db, dir } = await openGoldenDatabase('mapmint-tiler-test-'));
});
after(() => closeGoldenDatabase(db, dir));

test('tiles of the fixed dataset decode to the committed golden JSON', async () => {
  const out = path.join(dir, 'serial');
  const r = await buildTiles(db.sql, { out, minZoom: 0, maxZoom: 16, workers: 1 });
  assert.equal(r.version.version, 1);
  assert.equal(r.reused, 0);
  const json = await archiveToJson(await liveArchive(out));
  const tiles = json['tiles'] as Record<string, Record<string, unknown>>;
  // Layer zoom ranges from the layer table: nothing below z10, sequences from 12, frames from 15.
  const seen = new Set<string>();
  for (const [key, layers] of Object.entries(tiles)) {
    const z = Number(key.split('/')[0]);
    assert.ok(z >= 10, key);
    if ('sequences' in layers) assert.ok(z >= 12, key);
    if ('frames' in layers) assert.ok(z >= 15, key);
    for (const name of Object.keys(layers)) seen.add(`${name}@${z}`);
  }
  for (const want of ['coverage@10', 'sequences@12', 'frames@15', 'frames@16']) assert.ok(seen.has(want), want);
  // Generalised low zooms (the layer table's zoomFilters): z10 trunk roads, z11 major roads, from z12 every piece.
  const classesAt = (zs: number[]) => {
    const out = new Set<string>();
    for (const [key, layers] of Object.entries(tiles)) {
      if (!zs.includes(Number(key.split('/')[0]))) continue;
      const cov = layers['coverage'] as { features: { properties: { class: string } }[] } | undefined;
      for (const f of cov?.features ?? []) out.add(f.properties.class);
    }
    return [...out].sort();
  };
  assert.deepEqual(classesAt([10]), ['primary']);
  assert.deepEqual(classesAt([11]), ['primary', 'secondary', 'tertiary']);
  assert.deepEqual(classesAt([12]), ['primary', 'residential', 'secondary', 'service', 'tertiary']);
  assertGolden('base', json, HOW);
});

test('a parallel build (4 workers) is byte-identical to the serial one', async () => {
  const out = path.join(dir, 'parallel');
  await buildTiles(db.sql, { out, minZoom: 0, maxZoom: 16, workers: 4 });
  const serial = readFileSync(await liveArchive(path.join(dir, 'serial')));
  const parallel = readFileSync(await liveArchive(out));
  assert.ok(serial.equals(parallel));
  assert.equal((await readCurrent(out))!.etag, (await readCurrent(path.join(dir, 'serial')))!.etag);
});

test('the archive passes our validator and the official pmtiles reader returns the same tiles', async () => {
  const file = await liveArchive(path.join(dir, 'serial'));
  const report = await validateArchiveFile(file);
  assert.ok(report.header.numAddressedTiles > 0);
  const ref = await openReference(file);
  const reader = await openFileReader(file);
  try {
    const ours = await openArchive(reader);
    const meta = (await ref.archive.getMetadata()) as { vector_layers: { id: string }[] };
    assert.deepEqual(
      meta.vector_layers.map((l) => l.id),
      ['coverage', 'sequences', 'frames', 'features'],
    );
    const json = await archiveToJson(file);
    for (const key of Object.keys(json['tiles'] as object)) {
      const [z, x, y] = key.split('/').map(Number) as [number, number, number];
      const theirs = await ref.archive.getZxy(z, x, y);
      const stored = await ours.getStored(z, x, y);
      assert.ok(theirs && stored, key);
      assert.ok(Buffer.from(theirs.data).equals(Buffer.from(decompress(stored, 2, 'tile'))), key);
    }
    assert.equal(await ours.getStored(16, 0, 0), undefined);
  } finally {
    await reader.close();
    await ref.close();
  }
});

test('an incremental update equals a full rebuild of the same data, byte for byte', async () => {
  const out = path.join(dir, 'serial');
  const before = (await readCurrent(out))!;
  // Change: a new drive, and a road piece retired (its old box is passed, as for any removal).
  const { segments, drives } = goldenDataset();
  const moved = drives[1]!;
  const added = {
    ...moved,
    uploadId: '00000000-0000-4000-8000-000000000003',
    coords: moved.coords.map(([lon, lat]) => [lon + 0.0004, lat] as [number, number]),
    frames: moved.frames.map((f) => ({ ...f, lon: f.lon + 0.0004 })),
  };
  await insertDrives(db.sql, [added]);
  await db.sql`update road_segments set retired_at = '2025-03-02T00:00:00Z' where id = 'seg-d'`;
  const segD = segments.find((s) => s.id === 'seg-d')!.coords;
  const box = {
    minLon: Math.min(...segD.map((c) => c[0])),
    minLat: Math.min(...segD.map((c) => c[1])),
    maxLon: Math.max(...segD.map((c) => c[0])),
    maxLat: Math.max(...segD.map((c) => c[1])),
  };
  const inc = await updateTiles(db.sql, { out, bboxes: [box], uploadIds: [added.uploadId], workers: 2 });
  assert.equal(inc.version.version, before.version + 1);
  assert.notEqual(inc.version.etag, before.etag);
  assert.ok(existsSync(versionPath(out, before)), 'the previous version stays on disk');

  const full = await buildTiles(db.sql, { out: path.join(dir, 'rebuild'), minZoom: 0, maxZoom: 16, workers: 3 });
  // The far pieces' tiles from z15 up are outside every changed area: copied, not rendered.
  assert.ok(inc.reused >= 2, `reused ${inc.reused}`);
  assert.equal(inc.tiles, full.tiles);
  assert.ok(readFileSync(await liveArchive(out)).equals(readFileSync(await liveArchive(path.join(dir, 'rebuild')))));
  assert.equal(inc.version.etag, full.version.etag);
  // The change is visible: the retired piece is gone everywhere, the new drive is there.
  const json = JSON.stringify(await archiveToJson(await liveArchive(out)));
  assert.ok(!json.includes('seg-d'));
  assert.ok(json.includes(added.uploadId));
});

test('an update with no change copies every tile and renders none', async () => {
  const out = path.join(dir, 'serial');
  const prev = (await readCurrent(out))!;
  const r = await updateTiles(db.sql, { out, bboxes: [] });
  assert.equal(r.rendered, 0);
  assert.equal(r.reused, r.tiles);
  assert.equal(r.version.etag, prev.etag);
  assert.equal(r.version.version, prev.version + 1);
});

test('coverage and feature rows feed their layers; an update given their area re-renders it like a full build', async () => {
  await useFixedCoverage(db.sql);
  await insertGoldenCoverageAndFeatures(db.sql);
  const out = path.join(dir, 'serial');
  const { segments } = goldenDataset();
  const near = segments.filter((s) => ['seg-a', 'seg-c'].includes(s.id)).flatMap((s) => s.coords);
  const box = {
    minLon: Math.min(...near.map((c) => c[0])),
    minLat: Math.min(...near.map((c) => c[1])),
    maxLon: Math.max(...near.map((c) => c[0])),
    maxLat: Math.max(...near.map((c) => c[1])),
  };
  const r = await updateTiles(db.sql, { out, bboxes: [box] });
  assert.ok(r.rendered > 0 && r.reused > 0, `rendered ${r.rendered}, reused ${r.reused}`);
  const full = await buildTiles(db.sql, { out: path.join(dir, 'rebuild2'), minZoom: 0, maxZoom: 16, workers: 2 });
  assert.ok(readFileSync(await liveArchive(out)).equals(readFileSync(await liveArchive(path.join(dir, 'rebuild2')))));
  assert.equal(r.version.etag, full.version.etag);
  const json = await archiveToJson(await liveArchive(out));
  const tiles = Object.values(json['tiles'] as Record<string, Record<string, unknown>>);
  assert.ok(tiles.some((t) => 'features' in t));
  assertGolden('with-coverage-and-features', json, `${HOW}, then the incremental-test changes and useFixedCoverage`);
});
