import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate as drizzleMigrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { MIGRATIONS_DIR } from './paths.ts';
import * as schema from './schema.ts';

/** A postgres.js connection pool. */
export type Sql = postgres.Sql;

/** The typed drizzle handle over a pool. */
export type Db = ReturnType<typeof drizzle<typeof schema>>;

/**
 * Opens a pool for a database URL (notices silenced, errors not). drizzle gets a pool of its own because it
 * replaces the client's date parsers with pass-through ones, which raw queries must not inherit.
 */
export function connect(url: string, opts: { max?: number } = {}): { sql: Sql; db: Db } {
  const sql = postgres(url, { max: opts.max ?? 10, onnotice: () => {}, connection: { application_name: 'mapmint' } });
  const dsql = postgres(url, { max: 2, onnotice: () => {}, connection: { application_name: 'mapmint-drizzle' } });
  const end = sql.end.bind(sql);
  // Closing the pool closes both.
  (sql as { end: Sql['end'] }).end = async (o) => {
    await Promise.all([end(o), dsql.end(o)]);
  };
  return { sql, db: drizzle(dsql, { schema }) };
}

/** Applies the committed SQL migrations (idempotent: applied ones are recorded and skipped). */
export async function migrate(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await drizzleMigrate(drizzle(sql), { migrationsFolder: MIGRATIONS_DIR });
  } finally {
    await sql.end();
  }
}
