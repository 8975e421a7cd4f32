export { ensureLocalCluster, requirePostgres, resolveDatabaseUrl, stopLocalCluster } from './cluster.ts';
export { connect, type Db, migrate, type Sql } from './connect.ts';
export { findPgBin, hasPostgis, isRoot, run, which } from './host-programs.ts';
export { PROJECT_ROOT, stateDir, tilesDir } from './paths.ts';
export type { Reason } from './schema.ts';
export * as schema from './schema.ts';
export { PRIVACY_ZONE_MAX_RADIUS_M, PRIVACY_ZONE_MIN_RADIUS_M } from './schema.ts';
