export { ensureLocalCluster, requirePostgres, resolveDatabaseUrl, stopLocalCluster } from './cluster.ts';
export { connect, type Db, migrate, type Sql } from './connect.ts';
export { PROJECT_ROOT, stateDir, tilesDir } from './paths.ts';
export type { Reason } from './schema.ts';
export * as schema from './schema.ts';
