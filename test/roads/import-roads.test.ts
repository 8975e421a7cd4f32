/**
 * Road import against the real PostGIS: Andorra (GraphHopper's test extract, see ../shared/data/SOURCES-roads.md)
 * and the synthetic demo town, including re-imports of an unchanged and of a modified town.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { generateDrive, planDrive } from '../../demo/index.ts';
import { importRoads } from '../../roads/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { sharedFile } from '../support/shared-data.ts';

let db: TestDatabase;
let dir: string;
before(async () => {
  db = await createTestDatabase();
  dir = mkdtempSync(path.join(tmpdir(), 'mapmint-roads-'));
});
after(async () => {
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

test('andorra: drivable ways become pieces of at most 100 m with plausible lengths and oneway costs', async () => {
  const r = await importRoads(db.sql, sharedFile('osm', 'andorra.osm.pbf'));
  assert.equal(r.region, 'andorra');
  assert.equal(r.inserted, r.pieces);
  // 2,725 ways in the file (SOURCES-roads.md); footways, tracks, paths, parking aisles etc. are left out.
  assert.ok(r.ways > 900 && r.ways < 2725, `kept ways ${r.ways}`);
  // SOURCES-roads.md: 117 ways have ref=CG-2, a primary road: every one of them must be kept.
  const [cg2] = await db.sql`select count(distinct way_id)::int as n from road_segments where ref = 'CG-2'`;
  assert.equal(cg2?.n, 117);
  // Our haversine lengths agree with PostGIS' ellipsoidal ones to within 0.5 %.
  const [len] = await db.sql<Array<{ ours: number; pg: number; longest: number; n: number }>>`
    select sum(length_m) as ours, sum(ST_Length(geom::geography)) as pg, max(length_m) as longest, count(*)::int as n
    from road_segments where region = 'andorra'`;
  assert.ok(len);
  assert.equal(len.n, r.pieces);
  assert.ok(Math.abs(len.ours - len.pg) / len.pg < 0.005, `${len.ours} vs ${len.pg}`);
  assert.ok(Math.abs(len.ours - r.lengthM) < 1);
  // A country's drivable network: hundreds of km, not tens and not thousands.
  assert.ok(r.lengthM > 250_000 && r.lengthM < 800_000, `length ${r.lengthM}`);
  assert.ok(len.longest <= 100.01, `longest piece ${len.longest}`);
  // Pieces of one segment are of near-equal length (cut points are rounded to OSM's 1e-7 degrees).
  const [spread] = await db.sql<Array<{ worst: number }>>`
    select max(mx - mn) as worst from (select max(length_m) mx, min(length_m) mn from road_segments
      where piece_count > 1 group by way_id, from_node, to_node) s`;
  assert.ok((spread?.worst ?? 1) < 0.2, `spread ${spread?.worst}`);
  // Pieces chain: piece k ends where piece k + 1 starts.
  const [gaps] = await db.sql`select count(*)::int as n from road_segments a join road_segments b
    on a.way_id = b.way_id and a.from_node = b.from_node and a.to_node = b.to_node and b.piece_index = a.piece_index + 1
    where a.target <> b.source or not ST_Equals(ST_EndPoint(a.geom), ST_StartPoint(b.geom))`;
  assert.equal(gaps?.n, 0);
  // Oneway pieces: closed against their direction; two-way pieces open both ways at their length.
  const costs = await db.sql<Array<{ oneway: number; bad: number; n: number }>>`
    select oneway, count(*)::int as n, count(*) filter (where not (
      (oneway = 1 and cost = length_m and reverse_cost = -1) or (oneway = -1 and cost = -1 and reverse_cost = length_m)
      or (oneway = 0 and cost = length_m and reverse_cost = length_m)))::int as bad
    from road_segments group by oneway`;
  for (const c of costs) assert.equal(c.bad, 0, `oneway ${c.oneway}`);
  assert.ok((costs.find((c) => c.oneway === 1)?.n ?? 0) > 100, 'motorways and roundabouts are oneway');
  // Every piece end is a graph node.
  const [orphans] = await db.sql`select count(*)::int as n from road_segments s
    where not exists (select 1 from road_nodes n where n.id = s.source)
       or not exists (select 1 from road_nodes n where n.id = s.target)`;
  assert.equal(orphans?.n, 0);

  const ids = await db.sql`select id, content_hash, updated_at from road_segments order by id`;
  const again = await importRoads(db.sql, sharedFile('osm', 'andorra.osm.pbf'));
  assert.deepEqual([again.inserted, again.updated, again.retired, again.unchanged], [0, 0, 0, r.pieces]);
  assert.deepEqual(await db.sql`select id, content_hash, updated_at from road_segments order by id`, ids);
});

test('demo town: every way imported, ids stable, a removed way retired and restored', async () => {
  // A town that kept at least one oneway street (the generator drops oneways that would trap a drive).
  const seed = [1, 2, 3, 4, 5, 6, 7, 8].find((s) =>
    planDrive({ seed: s, video: false }).network.ways.some((w) => w.tags['oneway'] === 'yes'),
  );
  assert.ok(seed !== undefined);
  const drive = await generateDrive({ outDir: path.join(dir, 'town'), seed, video: false });
  const pbf = drive.paths.pbf as string;
  const net = drive.plan.network;
  const first = await importRoads(db.sql, pbf, { region: 'demo' });
  assert.equal(first.ways, net.ways.length);
  const [ways] = await db.sql`select count(distinct way_id)::int as n from road_segments where region = 'demo'`;
  assert.equal(ways?.n, net.ways.length);
  const onewayWays = net.ways.filter((w) => w.tags['oneway'] === 'yes').map((w) => w.id);
  assert.ok(onewayWays.length > 0);
  const [ow] = await db.sql`select count(*)::int as n, count(*) filter (where reverse_cost = -1)::int as closed
    from road_segments where way_id in ${db.sql(onewayWays)}`;
  assert.ok((ow?.n ?? 0) > 0);
  assert.equal(ow?.closed, ow?.n);

  // The new pieces' area is marked for re-tiling.
  const dirty = async () =>
    db.sql<Array<{ bbox: [number, number, number, number] }>>`
      select bbox from tile_dirty_areas where reason = 'roads:demo'`;
  assert.ok((await dirty()).length > 0);
  await db.sql`delete from tile_dirty_areas`;

  // Import twice: same ids, nothing to re-tile.
  const before1 = (await db.sql`select id from road_segments where region = 'demo' order by id`).map((r) => r.id);
  const second = await importRoads(db.sql, pbf, { region: 'demo' });
  assert.equal(second.unchanged, first.pieces);
  assert.equal((await dirty()).length, 0);
  const before2 = (await db.sql`select id from road_segments where region = 'demo' order by id`).map((r) => r.id);
  assert.deepEqual(before2, before1);

  // A newer extract without one way: its pieces are retired (kept), untouched ways keep their ids and rows.
  const victim = net.ways.find((w) => w.tags['highway'] === 'residential' && w.tags['oneway'] !== 'yes');
  assert.ok(victim);
  const xml = readFileSync(drive.paths.osm, 'utf8');
  const cut = xml.replace(new RegExp(`<way id="${victim.id}"[\\s\\S]*?</way>\\s*`), '');
  assert.notEqual(cut, xml);
  writeFileSync(path.join(dir, 'cut.osm'), cut);
  const cutPbf = path.join(dir, 'cut.osm.pbf');
  const conv = spawnSync('osmium', ['cat', path.join(dir, 'cut.osm'), '-o', cutPbf, '--overwrite']);
  assert.equal(conv.status, 0, String(conv.stderr));
  const touched = new Set(victim.nodes);
  const untouched = net.ways.filter((w) => w.id !== victim.id && !w.nodes.some((n) => touched.has(n))).map((w) => w.id);
  assert.ok(untouched.length > 0);
  const keep =
    await db.sql`select id, content_hash from road_segments where way_id in ${db.sql(untouched)} order by id`;
  const third = await importRoads(db.sql, cutPbf, { region: 'demo' });
  assert.ok(third.retired > 0);
  // The retired pieces' old place is marked, so their tiles are redrawn without them.
  const [gone] = await db.sql<Array<{ w: number; s: number; e: number; n: number }>>`
    select ST_XMin(x) as w, ST_YMin(x) as s, ST_XMax(x) as e, ST_YMax(x) as n
    from (select ST_Extent(geom) as x from road_segments where way_id = ${victim.id}) t`;
  assert.ok(gone);
  const boxes = await dirty();
  const covered = (x: number, y: number) =>
    boxes.some(({ bbox: b }) => b[0] <= x && x <= b[2] && b[1] <= y && y <= b[3]);
  assert.ok(covered(gone.w, gone.s) && covered(gone.e, gone.n), JSON.stringify({ gone, boxes }));
  const victimRows = await db.sql`select retired_at from road_segments where way_id = ${victim.id}`;
  assert.ok(victimRows.length > 0);
  assert.ok(victimRows.every((r) => r.retired_at !== null));
  assert.deepEqual(
    await db.sql`select id, content_hash from road_segments where way_id in ${db.sql(untouched)} and retired_at is null order by id`,
    keep,
  );
  // Everything live is exactly what the newer extract holds.
  assert.equal(third.unchanged + third.inserted + third.updated, third.pieces);
  const [live] =
    await db.sql`select count(*)::int as n from road_segments where region = 'demo' and retired_at is null`;
  assert.equal(live?.n, third.pieces);

  // The old extract again: every original piece is live again under its original id.
  await importRoads(db.sql, pbf, { region: 'demo' });
  const liveIds = (
    await db.sql`select id from road_segments where region = 'demo' and retired_at is null order by id`
  ).map((r) => r.id);
  assert.deepEqual(liveIds, before1);
});
