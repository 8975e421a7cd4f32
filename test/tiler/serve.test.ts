import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { FetchSource, PMTiles } from 'pmtiles';
import { toHttpError } from '../../server/errors.ts';
import { buildTiles, readCurrent, tilesPlugin, updateTiles } from '../../tiler/index.ts';
import type { TestDatabase } from '../support/db.ts';
import { goldenDataset, insertDrives } from './support/dataset.ts';
import { closeGoldenDatabase, liveArchive, openGoldenDatabase } from './support/golden-db.ts';
import { decodeMvt } from './support/mvt.ts';

let db: TestDatabase;
let dir = '';
let app: FastifyInstance;
let base = '';

before(async () => {
  ({ db, dir } = await openGoldenDatabase('mapmint-serve-test-'));
  app = Fastify();
  app.setErrorHandler((err, _req, reply) => {
    const { status, body } = toHttpError(err);
    void reply.status(status).send(body);
  });
  await app.register(tilesPlugin, { dir, publicOrigin: () => base });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});
after(async () => {
  await app?.close();
  await closeGoldenDatabase(db, dir);
});

const archiveBytes = async () => readFileSync(await liveArchive(dir));

test('before any build the tile routes answer 404 with a JSON error', async () => {
  const r = await fetch(`${base}/tiles/map.pmtiles`);
  assert.equal(r.status, 404);
  assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'no_tiles');
});

test('the archive is served whole and by ranges with a strong ETag', async () => {
  await buildTiles(db.sql, { out: dir, minZoom: 0, maxZoom: 16, workers: 2 });
  const bytes = await archiveBytes();
  const full = await fetch(`${base}/tiles/map.pmtiles`);
  assert.equal(full.status, 200);
  assert.equal(full.headers.get('accept-ranges'), 'bytes');
  const etag = full.headers.get('etag')!;
  assert.match(etag, /^"[0-9a-f]{32}"$/);
  assert.ok(full.headers.get('cache-control'));
  assert.ok(Buffer.from(await full.arrayBuffer()).equals(bytes));

  const part = await fetch(`${base}/tiles/map.pmtiles`, { headers: { range: 'bytes=7-126' } });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get('content-range'), `bytes 7-126/${bytes.length}`);
  assert.ok(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(7, 127)));

  const suffix = await fetch(`${base}/tiles/map.pmtiles`, { headers: { range: 'bytes=-10' } });
  assert.equal(suffix.status, 206);
  assert.ok(Buffer.from(await suffix.arrayBuffer()).equals(bytes.subarray(bytes.length - 10)));

  const past = await fetch(`${base}/tiles/map.pmtiles`, { headers: { range: `bytes=${bytes.length}-` } });
  assert.equal(past.status, 416);
  assert.equal(past.headers.get('content-range'), `bytes */${bytes.length}`);

  const cached = await fetch(`${base}/tiles/map.pmtiles`, { headers: { 'if-none-match': etag } });
  assert.equal(cached.status, 304);
  const same = await fetch(`${base}/tiles/map.pmtiles`, { headers: { 'if-match': etag, range: 'bytes=0-6' } });
  assert.equal(same.status, 206);
  assert.equal(Buffer.from(await same.arrayBuffer()).toString(), 'PMTiles');
});

test('after a swap, old ETags get 412 (If-Match) or the whole new archive (If-Range)', async () => {
  const old = (await readCurrent(dir))!.etag;
  const { drives } = goldenDataset();
  const extra = { ...drives[0]!, uploadId: '00000000-0000-4000-8000-0000000000aa' };
  await insertDrives(db.sql, [extra]);
  const r = await updateTiles(db.sql, { out: dir, uploadIds: [extra.uploadId] });
  assert.notEqual(r.version.etag, old);
  const bytes = await archiveBytes();

  const pinned = await fetch(`${base}/tiles/map.pmtiles`, { headers: { 'if-match': old, range: 'bytes=0-99' } });
  assert.equal(pinned.status, 412);
  const resumed = await fetch(`${base}/tiles/map.pmtiles`, { headers: { 'if-range': old, range: 'bytes=0-99' } });
  assert.equal(resumed.status, 200);
  assert.equal(resumed.headers.get('etag'), r.version.etag);
  assert.ok(Buffer.from(await resumed.arrayBuffer()).equals(bytes));
  const fresh = await fetch(`${base}/tiles/map.pmtiles`, { headers: { 'if-none-match': old } });
  assert.equal(fresh.status, 200);
});

/** The z16 tile URL holding lon/lat. */
function tileUrl(lon: number, lat: number, z = 16): string {
  const n = 2 ** z;
  const r = (lat * Math.PI) / 180;
  const x = Math.floor(((lon + 180) / 360) * n);
  const y = Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n);
  return `/tiles/${z}/${x}/${y}.mvt`;
}

test('tile ETags name their content: unchanged tiles keep them across a swap, changed ones are served anew', async () => {
  const { segments, drives } = goldenDataset();
  const near = tileUrl(...drives[0]!.coords[1]!);
  const far = tileUrl(...segments.find((s) => s.id === 'seg-e')!.coords[0]!);
  const get = (url: string, headers: Record<string, string> = {}) =>
    app.inject({ url, headers: { 'accept-encoding': 'gzip', ...headers } });
  const [nearBefore, farBefore] = [await get(near), await get(far)];
  assert.equal(nearBefore.statusCode, 200);
  assert.equal(farBefore.statusCode, 200);
  // Warm the range cache with the header and root of the version about to be replaced.
  const window = 'bytes=0-16383';
  const oldBytes = await archiveBytes();
  const oldWindow = await get('/tiles/map.pmtiles', { range: window });
  assert.ok(oldWindow.rawPayload.equals(oldBytes.subarray(0, 16384)));

  const again = { ...drives[0]!, uploadId: '00000000-0000-4000-8000-0000000000ab' };
  await insertDrives(db.sql, [again]);
  await updateTiles(db.sql, { out: dir, uploadIds: [again.uploadId] });

  const farAfter = await get(far, { 'if-none-match': String(farBefore.headers.etag) });
  assert.equal(farAfter.statusCode, 304, 'a tile the update did not touch is still valid in the client cache');
  assert.equal(farAfter.headers.etag, farBefore.headers.etag);
  const nearAfter = await get(near, { 'if-none-match': String(nearBefore.headers.etag) });
  assert.equal(nearAfter.statusCode, 200);
  assert.notEqual(nearAfter.headers.etag, nearBefore.headers.etag);
  const ids = (r: typeof nearAfter) =>
    (decodeMvt(gunzipSync(r.rawPayload))['sequences']?.features ?? []).map((f) => f.properties['upload_id']);
  assert.ok(ids(nearAfter).includes(again.uploadId));
  assert.ok(!ids(nearBefore).includes(again.uploadId));
  // Ranges come from the new version, not from what was cached for the old one.
  const newWindow = await get('/tiles/map.pmtiles', { range: window });
  assert.ok(newWindow.rawPayload.equals((await archiveBytes()).subarray(0, 16384)));
  assert.ok(!newWindow.rawPayload.equals(oldWindow.rawPayload));
});

test('the official pmtiles client reads the archive over HTTP', async () => {
  const client = new PMTiles(new FetchSource(`${base}/tiles/map.pmtiles`));
  const h = await client.getHeader();
  assert.equal(h.minZoom, 10);
  const tile = await client.getZxy(16, 33045, 24203);
  assert.ok(tile);
  assert.ok('coverage' in decodeMvt(new Uint8Array(tile.data)));
});

test('single tiles: gzip when accepted, plain otherwise, 204 where empty, 400 outside the grid', async () => {
  const gz = await fetch(`${base}/tiles/16/33045/24203.mvt`, { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(gz.status, 200);
  assert.equal(gz.headers.get('content-type'), 'application/vnd.mapbox-vector-tile');
  // fetch decompresses transparently; the header says what was on the wire.
  assert.equal(gz.headers.get('content-encoding'), 'gzip');
  const layers = decodeMvt(new Uint8Array(await gz.arrayBuffer()));
  assert.deepEqual(Object.keys(layers).sort(), ['coverage', 'frames', 'sequences']);

  const plain = await app.inject({ url: '/tiles/16/33045/24203.mvt', headers: { 'accept-encoding': 'identity' } });
  assert.equal(plain.statusCode, 200);
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.deepEqual(decodeMvt(plain.rawPayload), layers);
  const zipped = await app.inject({ url: '/tiles/16/33045/24203.mvt', headers: { 'accept-encoding': 'br, gzip' } });
  assert.ok(gunzipSync(zipped.rawPayload).equals(plain.rawPayload));
  assert.notEqual(zipped.headers.etag, plain.headers.etag);
  const again = await app.inject({
    url: '/tiles/16/33045/24203.mvt',
    headers: { 'accept-encoding': 'identity', 'if-none-match': String(plain.headers.etag) },
  });
  assert.equal(again.statusCode, 304);

  assert.equal((await fetch(`${base}/tiles/16/0/0.mvt`)).status, 204);
  assert.equal((await fetch(`${base}/tiles/3/8/0.mvt`)).status, 400);
  assert.equal((await fetch(`${base}/tiles/3/1/x.mvt`)).status, 400);
});

test('TileJSON 3.0 lists the layers with their fields and the tile URL template', async () => {
  const r = await fetch(`${base}/tiles/tiles.json`);
  const tj = (await r.json()) as Record<string, unknown> & { vector_layers: { id: string; fields: object }[] };
  assert.equal(tj['tilejson'], '3.0.0');
  assert.deepEqual(tj['tiles'], [`${base}/tiles/{z}/{x}/{y}.mvt`]);
  assert.deepEqual(
    tj.vector_layers.map((l) => l.id),
    ['coverage', 'sequences', 'frames', 'features'],
  );
  assert.deepEqual(Object.keys(tj.vector_layers[2]!.fields), ['id', 'heading', 'captured_at', 'upload_id']);
  assert.equal((tj['center'] as number[]).length, 3);
});

test('TileJSON names the configured origin, never the Host header (it is cached publicly)', async () => {
  const r = await app.inject({ method: 'GET', url: '/tiles/tiles.json', headers: { host: 'evil.example' } });
  assert.equal(r.statusCode, 200);
  const tiles = (r.json() as { tiles: string[] }).tiles;
  assert.deepEqual(tiles, [`${base}/tiles/{z}/{x}/{y}.mvt`], `a spoofed Host leaked into ${tiles.join(' ')}`);
});

test('the map page and its scripts are served; unknown assets are 404', async () => {
  const page = await fetch(`${base}/map`);
  assert.match(page.headers.get('content-type') ?? '', /text\/html/);
  // The page registers the pmtiles protocol; the shared style (served as a module) points the source at the archive.
  assert.match(await page.text(), /addProtocol\('pmtiles'/);
  const style = await (await fetch(`${base}/map/lib/map-style.mjs`)).text();
  assert.match(style, /pmtiles:\/\//);
  for (const f of ['maplibre-gl.mjs', 'maplibre-gl-worker.mjs', 'maplibre-gl.css', 'pmtiles.js', 'map-style.mjs']) {
    const r = await fetch(`${base}/map/lib/${f}`);
    assert.equal(r.status, 200, f);
    assert.ok((await r.arrayBuffer()).byteLength > 1000, f);
  }
  assert.equal((await fetch(`${base}/map/lib/..%2Fpackage.json`)).status, 404);
});
