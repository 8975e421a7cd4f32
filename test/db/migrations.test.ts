import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { migrate } from '../../db/connect.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { seedUpload } from '../support/seed.ts';

let t: TestDatabase;
before(async () => {
  t = await createTestDatabase();
});
after(async () => t.drop());

test('migrations install PostGIS and SRID 4326 geometry columns with GiST indexes', async () => {
  const [v] = await t.sql`select postgis_lib_version() as v`;
  assert.match(v!.v, /^3\./);
  const cols = await t.sql`select f_table_name as tbl, f_geometry_column as col, srid, type from geometry_columns
                where f_table_name in (select tablename from pg_tables where schemaname = 'public') order by 1`;
  assert.deepEqual(
    cols.map((c) => [c.tbl, c.col, c.srid, c.type]),
    [
      ['frames', 'geom', 4326, 'POINT'],
      ['map_feature_versions', 'geom', 4326, 'POINT'],
      ['map_features', 'geom', 4326, 'POINT'],
      ['privacy_zones', 'centre', 4326, 'POINT'],
      ['road_nodes', 'geom', 4326, 'POINT'],
      ['road_segments', 'geom', 4326, 'LINESTRING'],
      ['tracks', 'geom', 4326, 'LINESTRINGM'],
    ],
  );
  const idx = await t.sql`select indexname from pg_indexes where indexdef ilike '%using gist%' order by 1`;
  assert.deepEqual(
    idx.map((r) => r.indexname),
    [
      'frames_geom',
      'map_feature_versions_geom',
      'map_features_geom',
      'privacy_zones_centre',
      'road_nodes_geom',
      'road_segments_geom',
      'tracks_geom',
    ],
  );
});

test('migrating again is a no-op', async () => {
  const before = await t.sql`select count(*)::int as n from drizzle.__drizzle_migrations`;
  await migrate(t.url);
  const afterRows = await t.sql`select count(*)::int as n from drizzle.__drizzle_migrations`;
  assert.equal(afterRows[0]!.n, before[0]!.n);
  assert.ok(before[0]!.n >= 3);
});

test('the audit trail is append-only', async () => {
  const { uploadId } = await seedUpload(t.sql);
  await t.sql`insert into upload_events (upload_id, to_status, step, actor) values (${uploadId}, 'receiving', 'test', 'test')`;
  await assert.rejects(t.sql`update upload_events set actor = 'x'`, /append-only/);
  await assert.rejects(t.sql`delete from upload_events`, /append-only/);
  const rows = await t.sql`select actor from upload_events`;
  assert.deepEqual(
    rows.map((r) => r.actor),
    ['test'],
  );
});

test('contributor roles default to none and only reviewer/senior are allowed; review tables exist', async () => {
  const [c] =
    await t.sql`insert into contributors (address) values ('0x0000000000000000000000000000000000000002') returning roles`;
  assert.deepEqual(c!.roles, []);
  await assert.rejects(
    t.sql`update contributors set roles = '{admin}' where address = '0x0000000000000000000000000000000000000002'`,
    /contributors_roles/,
  );
  const cols = await t.sql`select table_name, column_name from information_schema.columns
    where table_schema = 'public' and (table_name in ('reviews', 'review_outcomes') or column_name = 'review_id')
    order by 1, 2`;
  assert.deepEqual(
    cols.map((r) => `${r.table_name}.${r.column_name}`),
    [
      'ledger_entries.review_id',
      'review_outcomes.class',
      'review_outcomes.created_at',
      'review_outcomes.decision',
      'review_outcomes.item_id',
      'review_outcomes.item_kind',
      'review_outcomes.settled_at',
      'review_outcomes.settled_by',
      'review_outcomes.status',
      'review_outcomes.value',
      'reviews.class',
      'reviews.created_at',
      'reviews.decision',
      'reviews.id',
      'reviews.item_id',
      'reviews.item_kind',
      'reviews.reviewer_id',
      'reviews.senior',
      'reviews.value',
    ],
  );
});
