import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { buildTiles, tilesPlugin } from '../../tiler/index.ts';
import { CHROMIUM_MISSING, launchBrowser, screenshotDir, watch } from '../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { insertDrives, insertSegments, syntheticCity, useFixedCoverage } from './support/dataset.ts';

const OUTPUT = screenshotDir('tiler');

let db: TestDatabase;
let dir = '';
let app: FastifyInstance;
let browser: Browser;
let base = '';
const city = syntheticCity({ segments: 3000, frames: 1200, drives: 6, seed: 7 });
const firstFrame = city.drives[0]!.frames[0]!;

before(async () => {
  db = await createTestDatabase();
  dir = await mkdtemp(path.join(tmpdir(), 'mapmint-map-test-'));
  await insertSegments(db.sql, city.segments);
  await insertDrives(db.sql, city.drives);
  await useFixedCoverage(db.sql);
  await db.sql`insert into segment_coverage select id, '2025-03-01', 1, (id like '%1') from road_segments limit 500`;
  const d = 0.0003;
  await db.sql`insert into map_features (id, class, value, confidence, status, first_seen_at, last_seen_at, geom,
      position_sigma_m, observation_count, drive_count, mean_score) values
    (1, 'sign', 'stop', 0.9, 'confirmed', '2025-03-01', '2025-03-01', ST_SetSRID(ST_MakePoint(${firstFrame.lon + d}, ${firstFrame.lat}), 4326), 1, 3, 2, 0.8),
    (2, 'light', null, 0.7, 'candidate', '2025-03-01', '2025-03-01', ST_SetSRID(ST_MakePoint(${firstFrame.lon}, ${firstFrame.lat + d}), 4326), 1, 3, 2, 0.8)`;
  await buildTiles(db.sql, { out: dir, minZoom: 0, maxZoom: 16, workers: 4 });
  app = Fastify();
  await app.register(tilesPlugin, { dir });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await app?.close();
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

test('the map page renders every layer that has data, without console errors', {
  skip: CHROMIUM_MISSING,
}, async () => {
  const page = await browser.newPage({ viewport: { width: 1024, height: 768 } });
  const problems = watch(page);
  await page.goto(`${base}/map`);
  await page.waitForFunction(
    // `window.map` is the #map element until the page's module has run, so check that it is the MapLibre map.
    () =>
      typeof (window as unknown as { map?: { loaded?: unknown } }).map?.loaded === 'function' &&
      (window as unknown as { map: { loaded(): boolean } }).map.loaded(),
    null,
    {
      timeout: 60_000,
    },
  );
  const rendered = async () =>
    page.evaluate(async () => {
      // biome-ignore lint/suspicious/noExplicitAny: the MapLibre map object lives in the page, untyped here.
      const map = (window as any).map;
      await new Promise<void>((resolve) =>
        map.loaded() && map.areTilesLoaded() ? resolve() : map.once('idle', resolve),
      );
      const counts: Record<string, number> = {};
      for (const f of map.queryRenderedFeatures()) counts[f.sourceLayer] = (counts[f.sourceLayer] ?? 0) + 1;
      return { counts, zoom: map.getZoom() as number };
    });
  const overview = await rendered();
  assert.equal(overview.zoom, 13);
  assert.ok((overview.counts['coverage'] ?? 0) > 100, JSON.stringify(overview));
  assert.ok((overview.counts['sequences'] ?? 0) > 0, JSON.stringify(overview));
  await page.screenshot({ path: path.join(OUTPUT, 'tiler-map-z13.png') });

  await page.evaluate(
    ([lon, lat]) =>
      (window as unknown as { map: { jumpTo(o: object): void } }).map.jumpTo({ center: [lon, lat], zoom: 16 }),
    [firstFrame.lon, firstFrame.lat],
  );
  const close = await rendered();
  for (const layer of ['coverage', 'sequences', 'frames', 'features']) {
    assert.ok((close.counts[layer] ?? 0) > 0, `${layer}: ${JSON.stringify(close)}`);
  }
  await page.screenshot({ path: path.join(OUTPUT, 'tiler-map-z16.png') });
  assert.deepEqual(problems, []);
  assert.equal(await page.evaluate(() => (window as unknown as { mapError?: string }).mapError ?? null), null);
});
