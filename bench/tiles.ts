/**
 * bench:tiles: a seeded synthetic city (100,000 road pieces, 50,000 frames on 100 drives) in a scratch database of
 * the local cluster; a full z0..z16 build with ours vs GDAL's `ogr2ogr -f MVT` reading the same rows from PostgreSQL
 * with the same zoom ranges; an incremental update after one new drive; then serving throughput over loopback for
 * 5 s each, of /tiles/{z}/{x}/{y}.mvt and of byte ranges of /tiles/map.pmtiles (32 keep-alive connections from a
 * load client in a separate process). Last line: one JSON object (with the 1-minute load average: the figures are
 * only comparable between runs on an equally loaded machine).
 */
import { fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import postgres from 'postgres';
import { tileIdToZxy } from '../core/tile-id.ts';
import { ensureLocalCluster } from '../db/cluster.ts';
import { connect, migrate } from '../db/connect.ts';
import { insertDrives, insertSegments, syntheticCity } from '../test/tiler/support/dataset.ts';
import {
  buildTiles,
  LAYERS,
  openArchive,
  openFileReader,
  readCurrent,
  tilesPlugin,
  updateTiles,
  versionPath,
} from '../tiler/index.ts';

const SEGMENTS = Number(process.env.BENCH_SEGMENTS ?? 100_000);
const FRAMES = Number(process.env.BENCH_FRAMES ?? 50_000);
const WORKERS = Math.min(8, availableParallelism());
const CLIENTS = 32;
const SERVE_MS = 5_000;

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

async function main(): Promise<void> {
  const cluster = await ensureLocalCluster();
  const name = `mapmint_bench_tiles_${randomBytes(4).toString('hex')}`;
  const admin = postgres(cluster.adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  const u = new URL(cluster.adminUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  const work = await mkdtemp(path.join(tmpdir(), 'mapmint-bench-tiles-'));
  const { sql } = connect(url, { max: WORKERS + 2 });
  try {
    await migrate(url);
    let t0 = performance.now();
    const city = syntheticCity({ segments: SEGMENTS, frames: FRAMES, drives: 100, seed: 42 });
    await insertSegments(sql, city.segments);
    await insertDrives(sql, city.drives);
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
    const ogrS = await buildWithOgr(sql, url, path.join(work, 'ogr'));
    log(`ogr2ogr -f MVT: ${ogrS.toFixed(2)} s`);

    const drive = syntheticCity({ segments: 10, frames: 300, drives: 1, seed: 99 }).drives[0]!;
    drive.uploadId = '00000000-0000-4000-9000-99999999999a';
    await insertDrives(sql, [drive]);
    t0 = performance.now();
    const inc = await updateTiles(sql, { out: path.join(work, 'ours'), uploadIds: [drive.uploadId], workers: WORKERS });
    const incS = seconds(t0);
    log(`incremental: ${inc.rendered} rendered, ${inc.reused} reused in ${incS.toFixed(2)} s`);

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
      ogr2ogr_build_s: Number(ogrS.toFixed(2)),
      // Above 1: ours is faster (ogr2ogr seconds / our seconds).
      build_ratio_vs_ogr2ogr: Number((ogrS / oursS).toFixed(2)),
      tiles_per_s: Math.round(built.tiles / oursS),
      incremental_s: Number(incS.toFixed(2)),
      incremental_rendered: inc.rendered,
      incremental_reused: inc.reused,
      serve_req_per_s: Math.round(serve),
      serve_range_req_per_s: Math.round(serveRanges),
      load_avg_1m: Number(loadavg()[0]!.toFixed(2)),
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } finally {
    await sql.end();
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end();
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv.includes('--load-client')) await loadClient();
else await main();
