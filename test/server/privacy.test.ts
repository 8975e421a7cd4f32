/**
 * Issue 17.5: a driver's routes cannot be rebuilt from public outputs. Frames and crops are addressed by unguessable
 * public ids (sequential ids answer 404), public times are coarsened to the day, and frames inside a privacy zone the
 * driver set are neither served nor shown as feature evidence nor drawn in tiles (retroactively, and back once the
 * zone is deleted).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { renderTile, resolveLayers } from '../../tiler/index.ts';
import { drivePast, driver, feature } from '../review/support/fixture.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { insertSegments } from '../tiler/support/dataset.ts';
import { decodeMvt } from '../tiler/support/mvt.ts';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => s.close());

const LAT = 42.51;
const get = (p: string, token?: string) =>
  fetch(`${s.baseUrl}${p}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

interface Detail {
  firstSeenAt: string;
  lastSeenAt: string;
  frames: Array<{ frameUrl: string; cropUrl: string; capturedAt: string | null }>;
}
const detail = async (id: number) => (await (await get(`/v1/features/${id}`)).json()) as Detail;

/** The z16 tile holding lon/lat, decoded. */
async function tileAt(lon: number, lat: number) {
  const z = 16;
  const n = 2 ** z;
  const x = Math.floor(((lon + 180) / 360) * n);
  const r = (lat * Math.PI) / 180;
  const y = Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n);
  return decodeMvt(await renderTile(s.db.sql, await resolveLayers(s.db.sql), { z, x, y }));
}

/** A drive past a sign at `lon` by a signed-in driver, with a short track through the frames. */
async function signedInDrive(lon: number) {
  const { client, wallet } = await s.client();
  const who = await driver(s.db.sql, wallet.address);
  const d = await drivePast(s.db.sql, s.blobs, who, { lon, lat: LAT });
  const m = `${lon - 0.0004} ${LAT} 1740823200, ${lon - 0.0001} ${LAT} 1740823210`;
  await s.db.sql`insert into tracks (upload_id, geom, source_format, point_count, length_m, started_at, ended_at,
      points_blob_key, fingerprint, segments)
    values (${d.uploadId}, ST_GeomFromText(${`LINESTRING M(${m})`}, 4326), 'gpx', 2, 25,
      '2025-03-01T10:00:00.123Z', '2025-03-01T10:00:10Z', 'k', '{}', 1)`;
  const id = await feature(s.db.sql, { class: 'regulatory--stop', lon, lat: LAT, support: d.dets });
  return { token: client.token!, who, drive: d, featureId: id };
}

test('frames and crops are served by unguessable public ids; their sequential ids answer 404', async () => {
  const { drive, featureId } = await signedInDrive(1.7);
  const { frameId, detectionId } = drive.dets[0]!;
  assert.equal((await get(`/v1/frames/${frameId}/image`)).status, 404);
  assert.equal((await get(`/v1/detections/${detectionId}/crop`)).status, 404);
  const d = await detail(featureId);
  assert.equal(d.frames.length, 2);
  for (const f of d.frames) {
    assert.match(f.frameUrl, /^\/v1\/frames\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/image$/);
    assert.match(f.cropUrl, /^\/v1\/detections\/[0-9a-f-]{36}\/crop$/);
    assert.equal((await get(f.frameUrl)).status, 200);
    assert.equal((await get(f.cropUrl)).status, 200);
  }
  // The tiles' frames carry the same public ids, never the serial.
  const frames = (await tileAt(1.7 - 0.0003, LAT)).frames?.features ?? [];
  assert.ok(frames.length > 0);
  for (const f of frames) assert.match(String(f.properties.id), /^[0-9a-f-]{36}$/);
});

test('public times are coarsened to the day: feature detail, coverage and tiles', async () => {
  const { featureId } = await signedInDrive(1.72);
  const d = await detail(featureId);
  assert.equal(d.firstSeenAt, '2025-03-01');
  assert.equal(d.lastSeenAt, '2025-03-02');
  assert.deepEqual(
    d.frames.map((f) => f.capturedAt),
    ['2025-03-01', '2025-03-01'],
  );
  const tile = await tileAt(1.72 - 0.0003, LAT);
  for (const f of tile.frames?.features ?? []) assert.equal(f.properties.captured_at, '2025-03-01');
  for (const f of tile.sequences?.features ?? []) assert.equal(f.properties.started_at, '2025-03-01');
  assert.ok((tile.sequences?.features.length ?? 0) > 0);

  await insertSegments(s.db.sql, [
    {
      id: 'priv-seg',
      coords: [
        [1.7195, LAT],
        [1.7205, LAT],
      ],
      class: 'residential',
      name: null,
    },
  ]);
  const [u] = await s.db.sql<{ id: string }[]>`select upload_id as id from frames limit 1`;
  await s.db.sql`insert into coverage (upload_id, segment_id, fraction, covered_at, counted)
    values (${u!.id}, 'priv-seg', 1, '2025-03-01T10:00:03.456Z', true)`;
  const cov = (await (await get(`/v1/coverage?bbox=1.71,42.5,1.73,42.52`)).json()) as {
    features: Array<{ id: string; properties: { lastCoveredAt: string | null } }>;
  };
  assert.equal(cov.features.find((f) => f.id === 'priv-seg')?.properties.lastCoveredAt, '2025-03-01');
});

test('privacy zones: managed by their driver, and frames inside are hidden everywhere public', async () => {
  const lon = 1.74;
  const mine = await signedInDrive(lon);
  const theirs = await signedInDrive(lon + 0.00005);
  const before = await detail(mine.featureId);
  const frameUrl = before.frames[0]!.frameUrl;
  const cropUrl = before.frames[0]!.cropUrl;

  const post = (body: unknown, token = mine.token) =>
    fetch(`${s.baseUrl}/v1/me/privacy-zones`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  assert.equal((await post({ lon, lat: LAT, radiusM: 50_000 })).status, 400);
  assert.equal((await fetch(`${s.baseUrl}/v1/me/privacy-zones`)).status, 401);
  const created = await post({ lon: lon - 0.0002, lat: LAT, radiusM: 100 });
  assert.equal(created.status, 201);
  const zone = (await created.json()) as { id: string; lon: number; lat: number; radiusM: number };
  assert.equal(zone.radiusM, 100);
  const list = (await (await get('/v1/me/privacy-zones', mine.token)).json()) as { zones: { id: string }[] };
  assert.deepEqual(
    list.zones.map((z) => z.id),
    [zone.id],
  );
  const others = (await (await get('/v1/me/privacy-zones', theirs.token)).json()) as { zones: unknown[] };
  assert.deepEqual(others.zones, []);
  // The tiles of the zone are marked for re-rendering.
  const [dirty] = await s.db.sql`select count(*)::int as n from tile_dirty_areas where reason like 'privacy:%'`;
  assert.equal(dirty!.n, 1);

  // Hidden: the images, the feature evidence and the tiles (frames and the track inside the zone).
  assert.equal((await get(frameUrl)).status, 404);
  assert.equal((await get(cropUrl)).status, 404);
  assert.deepEqual((await detail(mine.featureId)).frames, []);
  const tile = await tileAt(lon - 0.0003, LAT);
  const tileUploads = (layer: string) => (tile[layer]?.features ?? []).map((f) => f.properties.upload_id);
  assert.ok(!tileUploads('frames').includes(mine.drive.uploadId));
  assert.ok(!tileUploads('sequences').includes(mine.drive.uploadId));
  // Zones are the driver's own: another driver's frames in the same place stay public.
  assert.ok(tileUploads('frames').includes(theirs.drive.uploadId));
  assert.equal((await detail(theirs.featureId)).frames.length, 2);

  // Another driver cannot delete it; its driver can, and the frames come back.
  const del = (token: string) =>
    fetch(`${s.baseUrl}/v1/me/privacy-zones/${zone.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    });
  assert.equal((await del(theirs.token)).status, 404);
  assert.equal((await del(mine.token)).status, 204);
  assert.equal((await get(frameUrl)).status, 200);
  assert.equal((await detail(mine.featureId)).frames.length, 2);
});
