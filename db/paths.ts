import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Where mapmint keeps local state (cluster, blobs, archives): `MAPMINT_HOME` or `<project>/.mapmint`. */
export function stateDir(): string {
  return process.env.MAPMINT_HOME ?? path.join(PROJECT_ROOT, '.mapmint');
}

/** The committed SQL migrations. */
export const MIGRATIONS_DIR = path.join(PROJECT_ROOT, 'db', 'migrations');

/** The tile archive folder: `MAPMINT_TILES_DIR` or `<state>/tiles`. */
export function tilesDir(): string {
  return process.env.MAPMINT_TILES_DIR ?? path.join(stateDir(), 'tiles');
}
