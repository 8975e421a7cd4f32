import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import postgres from 'postgres';
import { ensureLocalCluster } from '../../db/cluster.ts';
import { connect, migrate, type Sql } from '../../db/connect.ts';
import { MIGRATIONS_DIR } from '../../db/paths.ts';
import { openQueue } from '../../queue/queue.ts';

/** A database of a test file's own, made from a migrated template, dropped at the end. */
export interface TestDatabase {
  url: string;
  sql: Sql;
  drop(): Promise<void>;
}

function migrationsHash(): string {
  const h = createHash('sha256');
  for (const f of readdirSync(MIGRATIONS_DIR).sort())
    if (f.endsWith('.sql')) h.update(readFileSync(path.join(MIGRATIONS_DIR, f)));
  return h.digest('hex').slice(0, 12);
}

function withDb(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

/**
 * Creates a fresh database for one test file: a copy of a template that has every migration and the queue schema
 * (built once per migration set, under an advisory lock so parallel test files don't race). Uses TEST_DATABASE_URL's
 * server when set, else the project-local cluster.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const base = process.env.TEST_DATABASE_URL ?? (await ensureLocalCluster()).adminUrl;
  const admin = postgres(withDb(base, 'postgres'), { max: 1, onnotice: () => {} });
  const template = `mapmint_tpl_${migrationsHash()}`;
  const name = `mapmint_test_${randomBytes(6).toString('hex')}`;
  try {
    await admin`select pg_advisory_lock(727001)`;
    const exists = await admin`select 1 from pg_database where datname = ${template}`;
    if (exists.length === 0) {
      await admin.unsafe(`create database "${template}_build"`).catch(async () => {
        await admin.unsafe(`drop database "${template}_build"`);
        await admin.unsafe(`create database "${template}_build"`);
      });
      const buildUrl = withDb(base, `${template}_build`);
      await migrate(buildUrl);
      const q = await openQueue(buildUrl, { supervise: false });
      await q.stop();
      await admin.unsafe(`alter database "${template}_build" rename to "${template}"`);
    }
    await admin.unsafe(`create database "${name}" template "${template}"`);
  } finally {
    await admin`select pg_advisory_unlock(727001)`.catch(() => {});
    await admin.end();
  }
  const url = withDb(base, name);
  const { sql } = connect(url);
  return {
    url,
    sql,
    async drop() {
      await sql.end({ timeout: 5 });
      const a = postgres(withDb(base, 'postgres'), { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists "${name}" with (force)`);
      await a.end();
    },
  };
}

/** A test file's fresh database and empty scratch folder (filled in by the `before` hook that useDatabaseAndDir adds). */
export interface DatabaseAndDir {
  db: TestDatabase;
  dir: string;
}

/** Registers before/after hooks that give the calling test file a fresh database and scratch folder, then remove both. */
export function useDatabaseAndDir(prefix: string): DatabaseAndDir {
  const box = {} as DatabaseAndDir;
  before(async () => {
    box.db = await createTestDatabase();
    box.dir = await mkdtemp(path.join(tmpdir(), prefix));
  });
  after(async () => {
    await box.db?.drop();
    if (box.dir) await rm(box.dir, { recursive: true, force: true });
  });
  return box;
}
