// A database of a benchmark's own on the project's local PostgreSQL cluster: created, migrated, dropped at the end,
// so a bench never touches the developer's data and two benches can run side by side.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { ensureLocalCluster } from '../../db/cluster.ts';
import { connect, migrate, type Sql } from '../../db/connect.ts';

/** A scratch database and a pool on it. */
export interface ScratchDatabase {
  /** Connection URL of the scratch database (for tools that open their own connections). */
  url: string;
  sql: Sql;
  /** Closes the pool and drops the database (with force: stray connections do not keep it alive). */
  drop(): Promise<void>;
}

/** Options for {@link createScratchDatabase}. */
export interface ScratchOptions {
  /** Database name prefix, e.g. `mapmint_bench_claims`; a random suffix is added. */
  prefix: string;
  /** Run mapmint's migrations (default true); false gives an empty database. */
  migrate?: boolean;
  /** Pool size of `sql` (default: connect()'s). */
  max?: number;
}

/** Creates a fresh database on the local cluster (started if needed). Call `drop()` in a `finally`. */
export async function createScratchDatabase(options: ScratchOptions): Promise<ScratchDatabase> {
  const { adminUrl } = await ensureLocalCluster();
  const name = `${options.prefix}_${randomBytes(5).toString('hex')}`;
  const admin = () => postgres(adminUrl, { max: 1, onnotice: () => {} });
  const a = admin();
  try {
    await a.unsafe(`create database "${name}"`);
  } finally {
    await a.end();
  }
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  const dropDatabase = async () => {
    const d = admin();
    try {
      await d.unsafe(`drop database if exists "${name}" with (force)`);
    } finally {
      await d.end();
    }
  };
  try {
    if (options.migrate ?? true) await migrate(url);
  } catch (e) {
    await dropDatabase();
    throw e;
  }
  const { sql } = connect(url, options.max === undefined ? {} : { max: options.max });
  return {
    url,
    sql,
    async drop() {
      await sql.end({ timeout: 5 });
      await dropDatabase();
    },
  };
}
