/**
 * The `tiler.update` job over `tile_dirty_areas`: a map feature that moves or is removed disappears from the tiles
 * where it was (its writer marks the old box with the new), only the changed layer is re-rendered, and the archive
 * still equals a full rebuild byte for byte.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { boxOf, growBox } from '../../core/geo.ts';
import { buildTiles, layersOfReason, readCurrent, updateDirtyTiles, updateTiles } from '../../tiler/index.ts';
import type { TestDatabase } from '../support/db.ts';
import { goldenDataset } from './support/dataset.ts';
import { archiveToJson } from './support/golden.ts';
import { closeGoldenDatabase, liveArchive, openGoldenDatabase } from './support/golden-db.ts';

let db: TestDatabase;
let dir = '';

before(async () => {
  ({ db, dir } = await openGoldenDatabase('mapmint-tiler-dirty-'));
});
after(() => closeGoldenDatabase(db, dir));

type Tiles = Record<string, Record<string, { features: { properties: Record<string, unknown> }[] }>>;
const tilesOf = async (out: string) => (await archiveToJson(await liveArchive(out)))['tiles'] as Tiles;

/** The z16 tile holding lon/lat. */
function tileAt(lon: number, lat: number, z = 16): string {
  const n = 2 ** z;
  const x = Math.floor(((lon + 180) / 360) * n);
  const r = (lat * Math.PI) / 180;
  const y = Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n);
  return `${z}/${x}/${y}`;
}

/** Feature ids in the `features` layer of a tile (none when the tile or the layer is absent). */
const featureIds = (tiles: Tiles, key: string) =>
  (tiles[key]?.['features']?.features ?? []).map((f) => f.properties['id']);

/** What fusion's markDirty writes: a [w, s, e, n] box padded by about 20 m. */
async function markDirty(points: [number, number][], reason: string): Promise<void> {
  const box = growBox(boxOf(points.map(([lon, lat]) => ({ lon, lat }))), 20);
  await db.sql`insert into tile_dirty_areas (bbox, reason) values (${db.sql.json(box)}, ${reason})`;
}

async function setFeature(id: number, lon: number, lat: number): Promise<void> {
  await db.sql`insert into map_features (id, class, value, confidence, status, first_seen_at, last_seen_at, geom,
      position_sigma_m, observation_count, drive_count, mean_score)
    values (${id}, 'sign', 'stop', 0.875, 'confirmed', '2025-03-01T10:30:00Z', '2025-03-01T10:30:00Z',
      ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326), 1, 3, 2, 0.8)
    on conflict (id) do update set geom = excluded.geom`;
}

test('reasons map to the layers their writers change', () => {
  assert.deepEqual(layersOfReason('fusion:00000000-0000-4000-8000-000000000001'), ['features']);
  assert.deepEqual(layersOfReason('review:7'), ['features']);
  assert.deepEqual(layersOfReason('roads:andorra'), ['coverage']);
  assert.equal(layersOfReason('upload 00000000-0000-4000-8000-000000000001'), undefined);
});

test('a moved feature leaves its old tile, a removed one leaves every tile, as in a full rebuild', async () => {
  const out = path.join(dir, 'live');
  const { segments } = goldenDataset();
  // On seg-a, where the tiles also carry coverage, sequences and frames (kept as they were: only features change).
  const a = segments.find((s) => s.id === 'seg-a')!.coords;
  const here: [number, number] = [(a[0]![0] + a[1]![0]) / 2, (a[0]![1] + a[1]![1]) / 2];
  const there = segments.find((s) => s.id === 'seg-e')!.coords[0]!;
  await setFeature(41, ...here);
  await buildTiles(db.sql, { out, minZoom: 0, maxZoom: 16, workers: 2 });
  const before = await tilesOf(out);
  assert.deepEqual(featureIds(before, tileAt(...here)), [41]);
  assert.ok('coverage' in before[tileAt(...here)]!);

  // Moved about 2.3 km: the writer marks the old and the new position.
  await setFeature(41, ...there);
  await markDirty([here, there], 'fusion:moved');
  const moved = await updateDirtyTiles(db.sql, out);
  assert.equal(moved.areas, 1);
  const after = await tilesOf(out);
  assert.deepEqual(featureIds(after, tileAt(...here)), []);
  assert.ok('coverage' in after[tileAt(...here)]!, 'the old tile keeps its other layers');
  assert.deepEqual(featureIds(after, tileAt(...there)), [41]);
  assert.equal((await db.sql`select count(*)::int as n from tile_dirty_areas`)[0]!['n'], 0);
  const full = await buildTiles(db.sql, { out: path.join(dir, 'full-1'), minZoom: 0, maxZoom: 16, workers: 2 });
  assert.ok(readFileSync(await liveArchive(out)).equals(readFileSync(await liveArchive(path.join(dir, 'full-1')))));
  assert.equal((await readCurrent(out))!.etag, full.version.etag);

  // Removed (a rejected duplicate deleted, say): its last box is marked.
  await db.sql`delete from map_features where id = 41`;
  await markDirty([there], 'review:41');
  await updateDirtyTiles(db.sql, out);
  const gone = await tilesOf(out);
  assert.ok(Object.keys(gone).every((k) => featureIds(gone, k).length === 0));
  await buildTiles(db.sql, { out: path.join(dir, 'full-2'), minZoom: 0, maxZoom: 16, workers: 2 });
  assert.ok(readFileSync(await liveArchive(out)).equals(readFileSync(await liveArchive(path.join(dir, 'full-2')))));
});

test('a box marked for the new position only would leave a ghost: the old box is what clears it', async () => {
  const out = path.join(dir, 'ghost');
  const { segments } = goldenDataset();
  const c = segments.find((s) => s.id === 'seg-c')!.coords;
  const here = c[1]!;
  const there = segments.find((s) => s.id === 'seg-f')!.coords[1]!;
  await setFeature(42, ...here);
  await buildTiles(db.sql, { out, minZoom: 0, maxZoom: 16, workers: 2 });
  await setFeature(42, ...there);
  await markDirty([there], 'fusion:new-only');
  await updateDirtyTiles(db.sql, out);
  // The stale copy stays where nothing marked it: this is why writers must mark old positions too.
  assert.deepEqual(featureIds(await tilesOf(out), tileAt(...here)), [42]);
  await markDirty([here], 'fusion:old');
  await updateDirtyTiles(db.sql, out);
  const fixed = await tilesOf(out);
  assert.deepEqual(featureIds(fixed, tileAt(...here)), []);
  assert.deepEqual(featureIds(fixed, tileAt(...there)), [42]);
});

test('wide and numerous changed areas take the area-query path and still equal a full rebuild', async () => {
  const out = path.join(dir, 'wide');
  await buildTiles(db.sql, { out, minZoom: 0, maxZoom: 16, workers: 2 });
  const { segments } = goldenDataset();
  await db.sql`update road_segments set name = 'Carrer Nou' where id = 'seg-b'`;
  await db.sql`delete from road_segments where id = 'seg-f'`;
  await setFeature(43, ...segments.find((s) => s.id === 'seg-e')!.coords[1]!);
  // Two small boxes at every vertex of every piece (more areas than one candidate query each is worth), and one
  // box ~8 km wide: well over 256 dirty tiles at z16.
  const small = segments.flatMap((s) =>
    s.coords.flatMap(([lon, lat]) =>
      [1e-4, 2e-4].map((d) => ({ minLon: lon - d, minLat: lat - d, maxLon: lon + d, maxLat: lat + d })),
    ),
  );
  assert.ok(small.length > 16);
  const [lon, lat] = segments[0]!.coords[0]!;
  const wide = { minLon: lon - 0.05, minLat: lat - 0.05, maxLon: lon + 0.05, maxLat: lat + 0.05 };
  const r = await updateTiles(db.sql, {
    out,
    changes: [...small.map((bbox) => ({ bbox, layers: ['coverage'] })), { bbox: wide, layers: ['features'] }],
  });
  assert.ok(r.rendered > 0);
  await buildTiles(db.sql, { out: path.join(dir, 'wide-full'), minZoom: 0, maxZoom: 16, workers: 2 });
  assert.ok(readFileSync(await liveArchive(out)).equals(readFileSync(await liveArchive(path.join(dir, 'wide-full')))));
});
