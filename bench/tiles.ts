/**
 * bench:tiles: a seeded synthetic city (100,000 road pieces, 50,000 frames on 100 drives, with the coverage rows map
 * matching writes for them) in a scratch database of the local cluster; a full z0..z16 build with ours vs GDAL's
 * `ogr2ogr -f MVT` reading the same rows from PostgreSQL with the same zoom ranges; tile sizes at z10/z12/z14; an
 * incremental update after one new drive (`uploadIds`: its track and frames only); the production path after another
 * drive (its track, frames, coverage of the matched pieces, a few fused features and the dirty areas map matching and
 * fusion mark, then `updateDirtyTiles`, the `tiler.update` job); then serving throughput over loopback for
 * 5 s each, of /tiles/{z}/{x}/{y}.mvt and of byte ranges of /tiles/map.pmtiles (32 keep-alive connections from a
 * load client in a separate process). Last line: one JSON object (with the 1-minute load average: the figures are
 * only comparable between runs on an equally loaded machine).
 */
import { fork, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import type postgres from 'postgres';
import { tileIdToZxy } from '../core/tile-id.ts';
import type { Sql } from '../db/index.ts';
import { trackBbox } from '../roads/index.ts';
import { type DriveRow, insertDrives, insertSegments, syntheticCity } from '../test/tiler/support/dataset.ts';
import {
  buildTiles,
  decompress,
  LAYERS,
  openArchive,
  openFileReader,
  readCurrent,
  tilesPlugin,
  updateDirtyTiles,
  updateTiles,
  versionPath,
} from '../tiler/index.ts';
import { createScratchDatabase } from './support/scratch-db.ts';

const SEGMENTS = Number(process.env.BENCH_SEGMENTS ?? 100_000);
const FRAMES = Number(process.env.BENCH_FRAMES ?? 50_000);
const WORKERS = Math.min(8, availableParallelism());
const CLIENTS = 32;
const SERVE_MS = 5_000;
/** BENCH_OGR=0 skips the ogr2ogr build (minutes on a small machine) when only our own figures are wanted. */
const WITH_OGR = process.env.BENCH_OGR !== '0';

const log = (msg: string) => process.stderr.write(`${msg}\n`);
const seconds = (t0: number) => (performance.now() - t0) / 1000;

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => {
      err += String(d);
    });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}: ${err.slice(-2000)}`))));
  });
}

/** ogr2ogr over views exposing the same attributes as our layers, with the same per-layer zoom ranges. */
async function buildWithOgr(sql: postgres.Sql, url: string, out: string): Promise<number> {
  const views: Record<string, string> = {
    coverage: `select id, class, name, length_m, geom from road_segments where retired_at is null`,
    sequences: `select upload_id::text, started_at::text, length_m, ST_Force2D(geom)::geometry(LineString, 4326) as geom from tracks`,
    frames: `select id, heading_deg as heading, captured_at::text, upload_id::text, geom from frames`,
  };
  for (const [name, body] of Object.entries(views)) await sql.unsafe(`create or replace view ogr_${name} as ${body}`);
  const conf: Record<string, unknown> = {};
  for (const l of LAYERS.filter((x) => x.name in views)) {
    conf[`ogr_${l.name}`] = { target_name: l.name, minzoom: l.minzoom, maxzoom: l.maxzoom };
  }
  const u = new URL(url);
  const pg = `PG:host=${u.hostname} port=${u.port} dbname=${u.pathname.slice(1)} user=${u.username} password=${decodeURIComponent(u.password)}`;
  const t0 = performance.now();
  await run('ogr2ogr', [
    '-f',
    'MVT',
    out,
    pg,
    ...Object.keys(views).map((v) => `ogr_${v}`),
    '-dsco',
    'MINZOOM=0',
    '-dsco',
    'MAXZOOM=16',
    '-dsco',
    'EXTENT=4096',
    '-dsco',
    'BUFFER=64',
    '-dsco',
    `CONF=${JSON.stringify(conf)}`,
  ]);
  return seconds(t0);
}

/**
 * What map matching writes for `drives` as far as the map is concerned: a coverage row per piece the track runs along
 * (pieces within 0.0001°, 8-11 m, of it: whole), and with `dirty` its dirty area as roads/match-upload.ts marks it (the track's
 * box grown by 50 m, joined with the matched pieces' extent, reason `upload <id>`).
 */
async function matchDrives(sql: Sql, drives: readonly DriveRow[], dirty: boolean): Promise<void> {
  for (const d of drives) {
    await sql`insert into coverage (upload_id, segment_id, fraction, covered_at, counted)
      select t.upload_id, s.id, 1, t.started_at, true from tracks t join road_segments s
        on ST_DWithin(s.geom, ST_Force2D(t.geom), 0.0001)
      where t.upload_id = ${d.uploadId} and s.retired_at is null`;
    if (!dirty) continue;
    const [w, south, e, n] = trackBbox(
      d.coords.map(([lon, lat]) => ({ lon, lat })),
      50,
    );
    const [ext] = await sql<{ w: number | null; s: number; e: number; n: number }[]>`
      select ST_XMin(x) as w, ST_YMin(x) as s, ST_XMax(x) as e, ST_YMax(x) as n from (select ST_Extent(s.geom) as x
        from road_segments s join coverage c on c.segment_id = s.id where c.upload_id = ${d.uploadId}) t`;
    const bb =
      ext === undefined || ext.w === null
        ? [w, south, e, n]
        : [Math.min(w, ext.w), Math.min(south, ext.s), Math.max(e, ext.e), Math.max(n, ext.n)];
    await sql`insert into tile_dirty_areas (bbox, reason) values (${sql.json(bb)}, ${`upload ${d.uploadId}`})`;
  }
}

/** What fusion writes after a drive that saw `count` signs: the features, and their box as a `fusion:` dirty area. */
async function fuseDrive(sql: Sql, drive: DriveRow, count: number): Promise<void> {
  const step = Math.max(1, Math.floor(drive.frames.length / count));
  const at = drive.frames.filter((_, i) => i % step === 0).slice(0, count);
  const [row] = await sql<{ w: number; s: number; e: number; n: number }[]>`
    with f as (
      insert into map_features (id, class, value, confidence, status, first_seen_at, last_seen_at, geom,
        position_sigma_m, observation_count, drive_count, mean_score)
      select 1000000 + i, 'sign', 'stop', 0.8, 'confirmed', now(), now(), ST_SetSRID(ST_MakePoint(lon, lat), 4326),
        1, 3, 1, 0.8
      from unnest(${at.map((f) => f.lon)}::float8[], ${at.map((f) => f.lat)}::float8[]) with ordinality as t(lon, lat, i)
      returning geom)
    select ST_XMin(x) as w, ST_YMin(x) as s, ST_XMax(x) as e, ST_YMax(x) as n from (select ST_Extent(geom) as x from f) t`;
  await sql`insert into tile_dirty_areas (bbox, reason) values (${sql.json([row!.w, row!.s, row!.e, row!.n])}, ${`fusion:${drive.uploadId}`})`;
}

/** Max and median uncompressed tile size in KB at each of `zooms` of the live archive in `dir`. */
async function tileSizes(dir: string, zooms: readonly number[]): Promise<Record<string, number>> {
  const reader = await openFileReader(versionPath(dir, (await readCurrent(dir))!));
  try {
    const archive = await openArchive(reader);
    const sizes = new Map<number, number[]>(zooms.map((z) => [z, []]));
    for await (const e of archive.entries()) {
      const z = tileIdToZxy(e.tileId).z;
      const list = sizes.get(z);
      if (list === undefined) continue;
      const n = decompress(await archive.readData(e.offset, e.length), archive.header.tileCompression, 'tile').length;
      for (let k = 0; k < e.runLength; k++) list.push(n);
    }
    const out: Record<string, number> = {};
    const kb = (n: number) => Number((n / 1024).toFixed(1));
    for (const [z, list] of sizes) {
      list.sort((a, b) => a - b);
      out[`tile_max_kb_z${z}`] = kb(list[list.length - 1] ?? 0);
      out[`tile_median_kb_z${z}`] = kb(list[Math.floor(list.length / 2)] ?? 0);
    }
    return out;
  } finally {
    await reader.close();
  }
}

/** One load request: a path and an optional byte range. */
interface LoadRequest {
  path: string;
  range?: string;
}

/**
 * The load generator, in its own process (`--load-client`) so that it does not share an event loop (or a core's
 * worth of JSON and HTTP parsing) with the server: `CLIENTS` keep-alive sockets, one request in flight on each, for
 * `SERVE_MS`. Bodies are counted, not decompressed, as a browser's network process would hand them on.
 */
async function loadClient(): Promise<void> {
  const { port, requests } = await new Promise<{ port: number; requests: LoadRequest[] }>((resolve) =>
    process.once('message', resolve as (m: unknown) => void),
  );
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  let next = 0;
  let done = 0;
  const one = (r: LoadRequest) =>
    new Promise<void>((resolve, reject) => {
      const headers: Record<string, string> = { 'accept-encoding': 'gzip' };
      if (r.range !== undefined) headers['range'] = r.range;
      const req = http.request({ host: '127.0.0.1', port, path: r.path, agent, headers }, (res) => {
        res.on('data', () => {});
        res.on('end', () =>
          res.statusCode === 200 || res.statusCode === 206
            ? resolve()
            : reject(new Error(`${r.path} answered ${res.statusCode}`)),
        );
      });
      req.on('error', reject);
      req.end();
    });
  const t0 = performance.now();
  const end = t0 + SERVE_MS;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < end) {
        await one(requests[next++ % requests.length]!);
        done++;
      }
    }),
  );
  agent.destroy();
  process.send!({ rate: done / seconds(t0) }, () => process.disconnect());
}

/** Requests/s the tiles plugin answers for `requests`, measured by a load client in another process. */
async function serveThroughput(dir: string, requests: LoadRequest[]): Promise<number> {
  const app = Fastify();
  await app.register(tilesPlugin, { dir });
  await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    const client = fork(fileURLToPath(import.meta.url), ['--load-client'], { stdio: 'inherit' });
    const rate = new Promise<number>((resolve, reject) => {
      client.once('message', (m) => resolve((m as { rate: number }).rate));
      client.once('exit', (code) => reject(new Error(`load client exited ${code} before reporting`)));
    });
    client.send({ port: (app.server.address() as AddressInfo).port, requests });
    return await rate;
  } finally {
    await app.close();
  }
}

/** The archive's tiles, as /tiles/{z}/{x}/{y}.mvt paths and as byte ranges of /tiles/map.pmtiles. */
async function tileRequests(dir: string): Promise<{ mvt: LoadRequest[]; ranges: LoadRequest[] }> {
  const reader = await openFileReader(versionPath(dir, (await readCurrent(dir))!));
  try {
    const archive = await openArchive(reader);
    const mvt: LoadRequest[] = [];
    const ranges: LoadRequest[] = [];
    const base = archive.header.tileDataOffset;
    for await (const e of archive.entries()) {
      for (let id = e.tileId; id < e.tileId + e.runLength; id++) {
        const t = tileIdToZxy(id);
        mvt.push({ path: `/tiles/${t.z}/${t.x}/${t.y}.mvt` });
      }
      ranges.push({ path: '/tiles/map.pmtiles', range: `bytes=${base + e.offset}-${base + e.offset + e.length - 1}` });
    }
    return { mvt, ranges };
  } finally {
    await reader.close();
  }
}

/**
 * The two incremental paths after the full build: updateTiles for one new drive, then the production path (the
 * rows one drive's pipeline writes, then the tiler.update job over its dirty areas).
 */
async function incrementalUpdates(sql: Sql, archive: string) {
  const drive = syntheticCity({ segments: 10, frames: 300, drives: 1, seed: 99 }).drives[0]!;
  drive.uploadId = '00000000-0000-4000-9000-99999999999a';
  await insertDrives(sql, [drive]);
  let t0 = performance.now();
  const inc = await updateTiles(sql, { out: archive, uploadIds: [drive.uploadId], workers: WORKERS });
  const incS = seconds(t0);
  log(`incremental: ${inc.rendered} rendered, ${inc.reused} reused in ${incS.toFixed(2)} s`);

  const next = syntheticCity({ segments: 10, frames: 300, drives: 1, seed: 7 }).drives[0]!;
  next.uploadId = '00000000-0000-4000-9000-99999999999b';
  await insertDrives(sql, [next]);
  await matchDrives(sql, [next], true);
  await fuseDrive(sql, next, 5);
  t0 = performance.now();
  const job = await updateDirtyTiles(sql, archive, WORKERS);
  const jobS = seconds(t0);
  const jobCounts = 'rendered' in job ? job : { rendered: 0, reused: 0 };
  log(
    `tiler.update: ${job.areas} areas, ${jobCounts.rendered} rendered, ${jobCounts.reused} reused in ${jobS.toFixed(2)} s`,
  );

  return { inc, incS, jobS, jobCounts };
}

async function main(): Promise<void> {
  const db = await createScratchDatabase({ prefix: 'mapmint_bench_tiles', max: WORKERS + 2 });
  const { sql, url } = db;
  const work = await mkdtemp(path.join(tmpdir(), 'mapmint-bench-tiles-'));
  try {
    let t0 = performance.now();
    const city = syntheticCity({ segments: SEGMENTS, frames: FRAMES, drives: 100, seed: 42 });
    await insertSegments(sql, city.segments);
    await insertDrives(sql, city.drives);
    await matchDrives(sql, city.drives, false);
    await sql`analyze`;
    log(
      `data: ${city.segments.length} segments, ${FRAMES} frames, ${city.drives.length} drives in ${seconds(t0).toFixed(1)} s`,
    );

    t0 = performance.now();
    const built = await buildTiles(sql, { out: path.join(work, 'ours'), minZoom: 0, maxZoom: 16, workers: WORKERS });
    const oursS = seconds(t0);
    log(
      `ours: ${built.tiles} tiles (${built.rendered} rendered), ${built.summary.size} bytes in ${oursS.toFixed(2)} s, ${WORKERS} workers`,
    );
    const ogrS = WITH_OGR ? await buildWithOgr(sql, url, path.join(work, 'ogr')) : Number.NaN;
    log(`ogr2ogr -f MVT: ${WITH_OGR ? `${ogrS.toFixed(2)} s` : 'skipped (BENCH_OGR=0)'}`);
    const sizes = await tileSizes(path.join(work, 'ours'), [10, 12, 14]);
    log(`tile sizes (KB, uncompressed): ${JSON.stringify(sizes)}`);

    const { inc, incS, jobS, jobCounts } = await incrementalUpdates(sql, path.join(work, 'ours'));

    const requests = await tileRequests(path.join(work, 'ours'));
    const serve = await serveThroughput(path.join(work, 'ours'), requests.mvt);
    log(`serve: ${serve.toFixed(0)} tile requests/s (${CLIENTS} keep-alive clients in another process)`);
    const serveRanges = await serveThroughput(path.join(work, 'ours'), requests.ranges);
    log(`serve: ${serveRanges.toFixed(0)} archive range requests/s`);
    const out = {
      bench: 'tiles',
      segments: city.segments.length,
      points: FRAMES,
      zooms: '0-16',
      workers: WORKERS,
      tiles: built.tiles,
      ours_build_s: Number(oursS.toFixed(2)),
      // null with BENCH_OGR=0.
      ogr2ogr_build_s: WITH_OGR ? Number(ogrS.toFixed(2)) : null,
      // Above 1: ours is faster (ogr2ogr seconds / our seconds).
      build_ratio_vs_ogr2ogr: WITH_OGR ? Number((ogrS / oursS).toFixed(2)) : null,
      tiles_per_s: Math.round(built.tiles / oursS),
      incremental_s: Number(incS.toFixed(2)),
      incremental_rendered: inc.rendered,
      incremental_reused: inc.reused,
      incremental_job_s: Number(jobS.toFixed(2)),
      incremental_job_rendered: jobCounts.rendered,
      ...sizes,
      serve_req_per_s: Math.round(serve),
      serve_range_req_per_s: Math.round(serveRanges),
      load_avg_1m: Number(loadavg()[0]!.toFixed(2)),
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } finally {
    await db.drop();
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv.includes('--load-client')) await loadClient();
else await main();
